"""Shared helpers for the tests that feed exercise checkers plausible wrong answers."""

from minichain.checks import FAILED, check


def named(name):
    """Give a wrong answer the exercise's function name, as a learner's cell would."""
    def rename(fn):
        fn.__name__ = name
        return fn
    return rename


def failed_with(fn, *fragments: str) -> str:
    """Check ``fn``, expect a failure whose message holds every fragment; return it."""
    verdict = check(fn)
    assert verdict.status == FAILED, repr(verdict)
    for fragment in fragments:
        assert fragment in verdict.message, verdict.message
    return verdict.message
