"""Ratio benchmarks: each module ``bench_*.py`` measures a goal against a reference in the same run."""
