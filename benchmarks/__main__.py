"""Run the ratio benchmarks: ``python -m benchmarks [name ...]`` (all when no name is given).

Each ``benchmarks/bench_<name>.py`` has a ``run()`` that prints its figures, each measured
against a reference taken in the same run, so the ratios mean something on any machine.
"""

import importlib
import pkgutil
import sys

import benchmarks


def main(names: list[str]) -> None:
    available = sorted(info.name[len("bench_"):] for info in pkgutil.iter_modules(benchmarks.__path__)
                       if info.name.startswith("bench_"))
    unknown = sorted(set(names) - set(available))
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; choose from {available}")
    for name in names or available:
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").run()
        print(flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
