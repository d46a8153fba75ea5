"""One way to time a task for every benchmark: the fastest of several runs."""

import gc
import math
import time
from typing import Callable


def best_time(task: Callable[[], object], repeats: int) -> float:
    """Fastest of several runs, in seconds, with the garbage collector paused (as timeit does)."""
    best = math.inf
    for _ in range(repeats):
        gc.disable()
        try:
            start = time.perf_counter()
            task()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best
