"""How fast the contract machine runs, measured against plain CPython (chapter 06).

Goal: a loop-heavy contract, insertion sort of 200 integers compiled from the contract
language, at most 15x slower than the same algorithm as plain Python measured in the same
run. Both sides do the same work: generate 200 pseudo-random integers with the same linear
congruential generator, insertion-sort them, and return a checksum (the two checksums must
agree). The machine's time is a whole ``execute`` call, set-up included, with the code
already loaded (as it is on chain after the first call: ``load`` is cached).

Also printed: the cost of the first call (loading the code, cutting it into blocks and
writing the fast path's Python, on top of running it); instructions per second, for the
fast path (what the chain uses) and for the plain step loop (what the debugger uses),
counting the instructions of the reference run; the gas of the benchmark; and gas and
time for sorting 1,000 orders, the size the energy market's clearing must handle within
one block (30,000,000 gas).

The anchor, when the optional ``evm`` extra is installed (``pip install -e '.[evm]'``):
the same insertion sort written in Vyper, compiled by the real Vyper compiler and run on
py-evm, the Python Ethereum machine, through ``titanoboa``, as a ratio to CPython and to
this machine, measured in the same run (one call: py-evm takes seconds). Without the extra
the anchor says it is skipped.

Run: ``python -m benchmarks vm``.
"""

from __future__ import annotations

import time

from benchmarks.timing import best_time
from minichain.state import State
from minichain.vm import compile_contract, encode_call, execute, load
from minichain.vm.machine import Message
from minichain.vm.trace import count_steps

GOAL_RATIO = 15.0
N = 200
SEED = 7
BLOCK_GAS = 30_000_000
CALLER = "0x" + "ca" * 20
CONTRACT = "0x" + "c0" * 20

SORTER = '''
class Sorter:
    @public
    def sort_demo(self, seed: int, n: int) -> int:
        xs = [0] * n
        x = seed
        for i in range(n):
            x = (x * 1103515245 + 12345) % 2147483648
            xs[i] = x % 1000000
        self.insertion_sort(xs)
        total = 0
        for i in range(n):
            total += i * xs[i]
        return total

    def insertion_sort(self, xs: list[int]):
        for i in range(1, len(xs)):
            key = xs[i]
            j = i - 1
            while j >= 0 and xs[j] > key:
                xs[j + 1] = xs[j]
                j -= 1
            xs[j + 1] = key
'''


# The same functions in Vyper 0.4: no while loop, so the inner loop is a bounded for loop
# that breaks; signed 256-bit integers like the machine's words.
SORTER_VYPER = """
# pragma version ~=0.4.3

MAX: constant(uint256) = 1000


@internal
@pure
def _insertion_sort(xs: DynArray[int256, MAX]) -> DynArray[int256, MAX]:
    ys: DynArray[int256, MAX] = xs
    for i: uint256 in range(1, MAX):
        if i >= len(ys):
            break
        key: int256 = ys[i]
        j: int256 = convert(i, int256) - 1
        for _step: uint256 in range(MAX):
            if j < 0:
                break
            if ys[convert(j, uint256)] <= key:
                break
            ys[convert(j + 1, uint256)] = ys[convert(j, uint256)]
            j -= 1
        ys[convert(j + 1, uint256)] = key
    return ys


@external
@pure
def sort_demo(seed: int256, n: uint256) -> int256:
    xs: DynArray[int256, MAX] = []
    x: int256 = seed
    for i: uint256 in range(n, bound=MAX):
        x = (x * 1103515245 + 12345) % 2147483648
        xs.append(x % 1000000)
    xs = self._insertion_sort(xs)
    total: int256 = 0
    for i: uint256 in range(n, bound=MAX):
        total += convert(i, int256) * xs[i]
    return total
"""


def sort_demo(seed: int, n: int) -> int:
    """The reference: the contract's function, line for line, as plain Python."""
    xs = [0] * n
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) % 2147483648
        xs[i] = x % 1000000
    insertion_sort(xs)
    total = 0
    for i in range(n):
        total += i * xs[i]
    return total


def insertion_sort(xs: list[int]) -> None:
    for i in range(1, len(xs)):
        key = xs[i]
        j = i - 1
        while j >= 0 and xs[j] > key:
            xs[j + 1] = xs[j]
            j -= 1
        xs[j + 1] = key



def run() -> None:
    contract = compile_contract(SORTER)
    message = Message(CALLER, CONTRACT, 0, encode_call("sort_demo", SEED, N), BLOCK_GAS)
    state = State()

    first_start = time.perf_counter()
    program = load(contract.code)
    result = execute(state, program, message)
    first = time.perf_counter() - first_start
    expected = sort_demo(SEED, N)
    if not result.success or result.output != (expected,):
        raise SystemExit(f"the contract computed {result.output} ({result.error}), "
                         f"plain Python {expected}")
    steps, reference_result = count_steps(state, program, message)
    if reference_result != result:
        raise SystemExit("the fast path and the reference loop disagree")

    machine = best_time(lambda: execute(state, program, message), 15)
    python = best_time(lambda: sort_demo(SEED, N), 15)
    reference = best_time(lambda: count_steps(state, program, message), 3)
    ratio = machine / python

    print(f"insertion sort of {N} integers (generate + sort + checksum), gas {result.gas_used:,}")
    print(f"  plain CPython             {python * 1e3:9.3f} ms")
    print(f"  contract, fast path       {machine * 1e3:9.3f} ms   ({ratio:.1f}x CPython; "
          f"goal <= {GOAL_RATIO:.0f}x: {'met' if ratio <= GOAL_RATIO else 'NOT met'})")
    print(f"  contract, first call      {first * 1e3:9.3f} ms   (load, cut into blocks, write "
          f"the fast path's Python, run: {first / machine:.0f}x a later call)")
    print(f"  contract, step loop       {reference * 1e3:9.3f} ms   ({reference / python:.0f}x "
          "CPython; used by the debugger)")
    print(f"instructions run: {steps:,}")
    print(f"  fast path   {steps / machine / 1e6:7.1f} million instructions/s")
    print(f"  step loop   {steps / reference / 1e6:7.1f} million instructions/s")

    big = Message(CALLER, CONTRACT, 0, encode_call("sort_demo", SEED, 1_000), BLOCK_GAS)
    start = time.perf_counter()
    sorted_1000 = execute(state, program, big)
    elapsed = time.perf_counter() - start
    print(f"sorting 1,000 orders in one call: gas {sorted_1000.gas_used:,} "
          f"({100 * sorted_1000.gas_used / BLOCK_GAS:.0f}% of a {BLOCK_GAS:,}-gas block), "
          f"{elapsed * 1e3:.0f} ms, {'ok' if sorted_1000.success else sorted_1000.error}")
    anchor(python, machine)


def anchor(python: float, machine: float) -> None:
    """The same sort in Vyper on py-evm (titanoboa), if the ``evm`` extra is installed."""
    try:
        import boa
        import vyper
    except ImportError:
        print("anchor: Vyper on py-evm skipped (install the evm extra: pip install -e '.[evm]')")
        return
    start = time.perf_counter()
    vyper.compile_code(SORTER_VYPER, output_formats=["bytecode"])   # the compiler itself
    compiled = time.perf_counter() - start
    sorter = boa.loads(SORTER_VYPER)                                 # deploy on py-evm
    start = time.perf_counter()
    got = sorter.sort_demo(SEED, N)
    evm = time.perf_counter() - start
    if got != sort_demo(SEED, N):
        raise SystemExit(f"the Vyper contract computed {got}, plain Python {sort_demo(SEED, N)}")
    print(f"anchor: the same sort in Vyper {vyper.__version__} on py-evm (titanoboa), one call")
    print(f"  Vyper on py-evm           {evm * 1e3:9.1f} ms   ({evm / python:.0f}x CPython, "
          f"{evm / machine:.0f}x this machine's fast path; the Vyper compiler took "
          f"{compiled:.2f} s)")


if __name__ == "__main__":
    run()
