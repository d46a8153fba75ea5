"""The contract language: every construct compiles and computes what the Python says (chapter 07).

A feature contract exercises the language; each test calls it through the real deploy and
call handlers and checks exact results. Then everything outside the language must be a
``CompileError`` at the right line and column, saying what to write instead.
"""

from __future__ import annotations

import ast
import hashlib
import re
import textwrap

import pytest

from minichain.errors import CompileError
from minichain.vm import compile_contract
from minichain.vm.abi import ArrayType, MapType, StorageVar, encode_words, selector
from minichain.vm.machine import slot_of
from vmkit import CALLER, OTHER, Sandbox

FEATURES = '''
"""A contract that uses every feature of the language."""

from minichain.vm.lang import *

LIMIT = 10 ** 3
HALF = LIMIT // 2


class Features:
    total: int
    flag: bool
    owner: address
    scores: Map[address, int]
    grid: Map[int, Map[int, int]]
    queue: Array[int, 4]
    books: Array[Map[int, int], 3]
    calls: int
    FEE = 7

    Noted = Event(who=address, value=int, ok=bool)

    def __init__(self, start: int):
        self.owner = msg.sender
        self.total = start

    @public
    def arithmetic(self, a: int, b: int) -> tuple[int, int, int, int, int]:
        return a + b, a - b, a * b, a // b, a % b

    @public
    def compare(self, a: int, b: int) -> tuple[bool, bool, bool, bool, bool, bool]:
        return a < b, a <= b, a > b, a >= b, a == b, a != b

    @public
    def factorial(self, n: int) -> int:
        result = 1
        while n > 1:
            result *= n
            n -= 1
        return result

    @public
    def loops(self, n: int) -> tuple[int, int, int]:
        evens = 0
        for i in range(0, n, 2):
            evens += i
        down = 0
        for i in range(n, 0, -3):
            down += i
        found = -1
        for i in range(n):
            if i == 2:
                continue
            if i * i > 20:
                found = i
                break
        return evens, down, found

    @public
    def classify(self, x: int) -> int:
        if x < 0:
            return -1
        elif x == 0:
            return 0
        elif x < HALF:
            return 1
        else:
            return 2

    @public
    def helpers(self, a: int, b: int) -> tuple[int, int, int, int, bool]:
        return min(a, b), max(a, b), abs(a - b), a if a > b else b, bool(a)

    @public
    def logic(self, a: bool, b: bool) -> tuple[bool, bool, bool]:
        return a and b, a or b, not a

    @public
    def short_circuit(self, a: bool) -> int:
        if a or self.touch():
            pass
        if a and self.touch():
            pass
        return self.calls

    def touch(self) -> bool:
        self.calls += 1
        return True

    @public
    def swap(self, a: int, b: int) -> tuple[int, int]:
        a, b = b, a
        return a, b

    @public
    def sort(self, n: int, seed: int) -> tuple[int, int, int]:
        xs = [0] * n
        x = seed
        for i in range(n):
            x = (x * 75 + 74) % 65537
            xs[i] = x % 100
        self.insertion_sort(xs)
        return xs[0], xs[n // 2], xs[len(xs) - 1]

    def insertion_sort(self, xs: list[int]):
        for i in range(1, len(xs)):
            j = i
            while j > 0 and xs[j - 1] > xs[j]:
                xs[j - 1], xs[j] = xs[j], xs[j - 1]
                j -= 1

    def squares(self, n: int) -> list[int]:
        xs = [0] * n
        for i in range(n):
            xs[i] = i * i
        return xs

    @public
    def sum_squares(self, n: int) -> int:
        xs = self.squares(n)
        total = 0
        for i in range(len(xs)):
            total += xs[i] + int(xs[i] > 10)
        return total

    @public
    def memory(self, n: int) -> tuple[int, int]:
        xs: list[int] = [0] * n
        xs[0] += 5
        xs[n - 1] -= 2
        return xs[0], xs[n - 1]

    @public
    def fib(self, n: int) -> int:
        if n < 2:
            return n
        return self.fib(n - 1) + self.fib(n - 2)

    @public
    def store(self, who: address, amount: int):
        self.scores[who] += amount
        self.grid[amount][amount + 1] = amount * 2
        self.flag = amount > 10
        self.total += amount
        emit(Noted(who, amount, self.flag))

    @public
    def push(self, value: int) -> int:
        self.queue.append(value)
        return len(self.queue)

    @public
    def pop(self) -> int:
        return self.queue.pop()

    @public
    def at(self, i: int) -> int:
        return self.queue[i]

    @public
    def bump(self, i: int) -> int:
        self.queue[i] += 100
        return self.queue[i]

    @public
    def reset(self):
        self.queue.clear()

    @public
    def book(self, i: int, key: int, value: int) -> int:
        self.books[i][key] = value
        return self.books[i][key]

    @public
    def sizes(self) -> tuple[int, int]:
        return len(self.queue), len(self.books)

    @public
    def constants(self) -> tuple[int, int, int]:
        return LIMIT, HALF, self.FEE

    @public
    def checked(self, amount: int):
        require(amount > 0, "amount must be positive")
        require(amount < LIMIT)
        if amount == 13:
            revert("unlucky")

    @payable
    def pay(self) -> int:
        return msg.value

    @public
    def pay_out(self, to: address, amount: int) -> int:
        require(msg.sender == self.owner, "only the owner pays out")
        send(to, amount)
        return self.balance

    @public
    def context(self) -> tuple[address, address, int, int]:
        return msg.sender, self.address, block.number, block.timestamp

    @public
    def negate(self, x: int) -> int:
        return -x + +x - x

    @public
    def me(self) -> address:
        return address("0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b")
'''


@pytest.fixture(scope="module")
def features():
    return compile_contract(FEATURES)


@pytest.fixture
def box(features):
    return Sandbox(features, 100)


def test_compiling_is_deterministic(features):
    again = compile_contract(FEATURES)
    assert again.code == features.code
    assert again.abi == features.abi


@pytest.mark.parametrize("a, b", [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, 5)])
def test_arithmetic_is_pythons(box, a, b):
    assert box.value("arithmetic", a, b) == (a + b, a - b, a * b, a // b, a % b)


@pytest.mark.parametrize("a, b", [(1, 2), (2, 2), (3, 2)])
def test_comparisons(box, a, b):
    assert box.value("compare", a, b) == (a < b, a <= b, a > b, a >= b, a == b, a != b)


def test_division_by_zero_and_overflow_fail_the_call(box):
    divided = box.call("arithmetic", 1, 0)
    assert not divided.success and divided.error.describe().startswith("DivisionByZero: DIV at pc")
    assert box.call("factorial", 57).success
    overflow = box.call("factorial", 58)       # 58! > 2**255
    assert not overflow.success and overflow.error.describe().startswith("IntegerOverflow: MUL")


def test_while_for_range_break_continue(box):
    assert box.value("factorial", 10) == 3_628_800
    assert box.value("loops", 10) == (sum(range(0, 10, 2)), sum(range(10, 0, -3)), 5)
    assert box.value("loops", 0) == (0, 0, -1)


@pytest.mark.parametrize("x, expected", [(-5, -1), (0, 0), (499, 1), (500, 2)])
def test_if_elif_else(box, x, expected):
    assert box.value("classify", x) == expected


def test_builtins_and_conditional_expressions(box):
    assert box.value("helpers", 3, 9) == (3, 9, 6, 9, True)
    assert box.value("helpers", 9, -3) == (-3, 9, 12, 9, True)
    assert box.value("helpers", 0, 0) == (0, 0, 0, 0, False)


@pytest.mark.parametrize("a, b", [(True, True), (True, False), (False, True), (False, False)])
def test_and_or_not(box, a, b):
    assert box.value("logic", a, b) == (a and b, a or b, not a)


def test_and_or_short_circuit_like_python(box):
    assert box.value("short_circuit", True) == 1     # `or` skipped touch, `and` called it
    assert box.value("short_circuit", False) == 2    # `or` called touch, `and` skipped it


def test_tuple_assignment_swaps(box):
    assert box.value("swap", 1, 2) == (2, 1)


def test_memory_lists_sort_through_an_internal_function(box):
    n, seed = 31, 5
    xs, x = [], seed
    for _ in range(n):
        x = (x * 75 + 74) % 65537
        xs.append(x % 100)
    xs.sort()
    assert box.value("sort", n, seed) == (xs[0], xs[n // 2], xs[-1])
    assert box.value("memory", 3) == (5, -2)
    assert box.value("memory", 1) == (3, 3)
    out_of_range = box.call("memory", 0)
    assert out_of_range.error.describe().startswith("MemoryFault: ALOAD")


def test_internal_functions_can_return_memory_lists(box):
    assert box.value("sum_squares", 6) == sum(i * i + (i * i > 10) for i in range(6))


def test_recursion(box):
    assert box.value("fib", 15) == 610


def test_storage_maps_nested_maps_and_events(box, features):
    outcome = box.call("store", OTHER, 12)
    assert outcome.success
    assert box.read("scores", OTHER) == 12
    assert box.read("grid", 12, 13) == 24
    assert box.read("flag") is True and box.read("total") == 112
    assert [str(e) for e in box.interface.events(outcome.logs)] == [
        f"Noted(who={OTHER}, value=12, ok=True)"]
    box.call("store", OTHER, 3)
    assert box.read("scores", OTHER) == 15 and box.read("flag") is False
    # the layout is what the compiler documents: slots in declaration order, maps hashed
    assert box.state.storage_get(box.address, slot_of(slot_of(4, 12), 13)) == 24


def test_storage_arrays_append_pop_index_clear(box):
    assert [box.value("push", v) for v in (10, 20, 30)] == [1, 2, 3]
    assert box.read("queue") == [10, 20, 30]
    assert box.value("at", 1) == 20 and box.value("bump", 1) == 120
    assert box.value("pop") == 30 and box.read("queue") == [10, 120]
    for bad in (-1, 2):
        failed = box.call("at", bad)
        assert failed.error.describe() == "Revert: index out of range for self.queue"
    box.value("push", 3)
    box.value("push", 4)
    assert box.call("push", 5).error.describe() == "Revert: self.queue is full (4 items)"
    box.call("reset")
    assert box.read("queue") == [] and box.call("pop").error.describe() == "Revert: pop from empty self.queue"


def test_pop_clears_the_slot_it_frees(box, features):
    before = box.state.root()
    box.value("push", 7)
    box.value("pop")
    assert box.state.root() == before


def test_arrays_of_maps_are_fixed_size(box, features):
    assert box.value("sizes") == (0, 3)
    assert box.value("book", 2, 5, 99) == 99
    assert box.read("books", 2, 5) == 99
    assert box.call("book", 3, 5, 99).error.describe() == "Revert: index out of range for self.books"


def test_the_storage_layout_is_in_the_abi(features):
    assert features.abi.storage[:5] == (
        StorageVar("total", "int", 0), StorageVar("flag", "bool", 1),
        StorageVar("owner", "address", 2), StorageVar("scores", MapType("address", "int"), 3),
        StorageVar("grid", MapType("int", MapType("int", "int")), 4))
    assert features.abi.variable("queue") == StorageVar("queue", ArrayType("int", 4), 5)
    assert features.abi.variable("books").slot == 10          # 5 + 1 + 4
    assert features.abi.variable("calls").slot == 14          # 10 + 1 + 3


def test_constants_from_the_module_and_the_class(box):
    assert box.value("constants") == (1000, 500, 7)


def test_require_and_revert_give_their_reasons(box):
    assert box.call("checked", 0).error.describe() == "Revert: amount must be positive"
    assert box.call("checked", 1000).error.describe().startswith("Revert: requirement failed (line ")
    assert box.call("checked", 13).error.describe() == "Revert: unlucky"
    assert box.call("checked", 12).success


def test_payable_functions_take_tokens_and_others_refuse(box):
    assert box.value("pay", value=40) == 40
    assert box.state.balance(box.address) == 40
    refused = box.call("pay_out", OTHER, 1, value=1)
    assert refused.error.describe() == "Revert: pay_out does not accept tokens (not @payable)"


def test_send_moves_tokens_out_of_the_contract(box):
    box.value("pay", value=40)
    before = box.state.balance(OTHER)
    assert box.value("pay_out", OTHER, 15) == 25
    assert box.state.balance(OTHER) == before + 15
    assert box.call("pay_out", OTHER, 26).error.describe().startswith("TransferFailed:")
    assert box.call("pay_out", OTHER, 1, sender=OTHER).error.describe() == "Revert: only the owner pays out"


def test_context_values(box):
    sender, me, number, timestamp = box.value("context")
    assert (sender, me, number, timestamp) == (CALLER, box.address, box.block.number,
                                               box.block.timestamp)
    assert box.value("negate", 5) == -5
    assert box.value("me") == OTHER


def test_the_entry_checks_arguments(box):
    assert box.call("fib", data=encode_words([selector("fib")])).error.describe() == \
        "Revert: fib takes 1 argument(s)"
    bad_address = encode_words([selector("store"), 2 ** 160, 5])
    assert box.call("store", data=bad_address).error.describe() == \
        "Revert: store: argument who must be an address"
    bad_bool = encode_words([selector("logic"), 2, 0])
    assert box.call("logic", data=bad_bool).error.describe() == \
        "Revert: logic: argument a must be True or False"
    assert box.call("fib", data=encode_words([12345])).error.describe() == "Revert: unknown function"
    assert box.call("fib", data=b"").error.describe() == "Revert: unknown function"


def test_the_constructor_ran_once_and_cannot_be_called_again(box):
    assert box.read("owner") == CALLER and box.read("total") == 100
    again = box.call("__init__", data=encode_words([selector("__init__"), 5]))
    assert again.error.describe() == "Revert: the constructor runs only at deploy"


def test_the_source_map_points_into_the_function_bodies(features):
    lines = set(features.lines.values())
    source = features.source.splitlines()
    factorial = next(i for i, text in enumerate(source, 1) if "result *= n" in text)
    assert factorial in lines
    assert "; " + str(factorial) + ": result *= n" in features.assembly()


# --- outside the language: a CompileError at the right place with a hint --------------------

def contract(body: str, state: str = "x: int") -> str:
    return (f"class C:\n    {state}\n\n    @public\n    def f(self, a: int) -> int:\n"
            + textwrap.indent(textwrap.dedent(body), "        "))


@pytest.mark.parametrize("source, line, column, message", [
    (contract("return a / 2\n"), 6, 16, "use // : the chain has only whole numbers"),
    (contract("return 1.5\n"), 6, 16, "no floats on chain"),
    (contract("assert a > 0\nreturn a\n"), 6, 9, "use require(condition, \"reason\")"),
    (contract("try:\n    pass\nexcept Exception:\n    pass\nreturn a\n"), 6, 9,
     "there are no exceptions on chain"),
    (contract("import os\nreturn a\n"), 6, 9,
     "import is not in the contract language: everything a contract may use is built in"),
    (contract("return [x for x in range(3)][0]\n"), 6, 16, "write a for loop over range"),
    (contract("d = {}\nreturn a\n"), 6, 13, "declare a Map[...] state variable"),
    (contract("s = 'text'\nreturn a\n"), 6, 13, "text exists only as require/revert reasons"),
    (contract("return 0 < a < 5\n"), 6, 16, "write one comparison at a time"),
    (contract("return a ** 2\n"), 6, 16, "** is only allowed between constants"),
    (contract("return a & 1\n"), 6, 16, "there are no bitwise operators"),
    (contract("for x in [1, 2]:\n    pass\nreturn a\n"), 6, 18, "loop over range(stop)"),
    (contract("for i in range(a):\n    i = 2\nreturn a\n"), 7, 13,
     "don't change the loop variable i inside the loop"),
    (contract("b = 1\nb = True\nreturn b\n"), 7, 9, "b holds an int; it cannot be given a bool"),
    (contract("return y\n"), 6, 16, "unknown name 'y'"),
    (contract("return x\n"), 6, 16, "write self.x"),
    (contract("return self.y\n"), 6, 16, "self.y is not declared"),
    (contract("print(a)\nreturn a\n"), 6, 9, "there is no printing on chain: emit an event"),
    (contract("if a > 0:\n    return 1\n"), 5, 5, "f promises to return int: end it with a return"),
    (contract("return msg.origin\n"), 6, 16, "msg has sender and value"),
    (contract("return a\n", state="x: list[int]"), 2, 8,
     "in storage a list needs a capacity: Array[int, 1000]"),
    (contract("return a\n", state="x: int = 5"), 2, 5, "state starts at zero"),
    (contract("return a\n", state="x: float"), 2, 8, "expected a state type"),
    (contract("return a\n", state="address: int"), 2, 5, "self.address is built in"),
    (contract("self.x.append(1)\nreturn a\n"), 6, 9, "self.x is an int, not an Array"),
    (contract("return len(self.x)\n"), 6, 20, "self.x is an int, not an Array"),
    (contract("emit(Missing(a))\nreturn a\n"), 6, 14, "Missing is not a declared event"),
    (contract("require(a > 0, reason)\nreturn a\n"), 6, 24, "the reason is a string literal"),
    (contract("return self.f(a, a)\n"), 6, 16, "f takes 1 argument(s), got 2"),
    ("x = 1\n", 1, 1, "no contract found"),
    ("class A:\n    pass\n\nclass B:\n    pass\n", 4, 1, "one contract per source"),
    ("class C(Base):\n    pass\n", 1, 1, "a contract is a plain class"),
    ("class C:\n    @staticmethod\n    def f(self):\n        pass\n", 2, 6,
     "the only decorators are @public, @payable and @nonreentrant"),
    ("class C:\n    @public\n    def f(self, xs: list[int]):\n        pass\n", 3, 21,
     "memory lists are only for locals and internal methods"),
    ("class C:\n    def f(a):\n        pass\n", 2, 5, "method f must take self first"),
    ("class C:\n    def f(self, a=1):\n        pass\n", 2, 5, "no defaults"),
    ("class C:\n    def f(self):\n        return (\n", 3, 16, "not valid Python"),
    (contract("self.undefined = 3\nreturn a\n"), 6, 9,
     "self.undefined was never declared: declare the state variable in the class body"),
    (contract("return self.names.get(a, 0)\n", state="names: Map[int, int]"), 6, 16,
     "self.names is a Map, which has no methods such as .get(): read an entry with "
     "self.names[key] (a key never written reads as 0)"),
    (contract("self.xs.sort()\nreturn a\n", state="xs: Array[int, 4]"), 6, 9,
     "self.xs has no method .sort(): a state array has append, pop and clear"),
    (contract("b = None\nreturn a\n"), 6, 13,
     "None is not a value in the contract language: every variable holds a word, so say "
     "'nothing' with 0, False or the zero address"),
    (contract("s = {x for x in range(3)}\nreturn a\n"), 6, 13,
     "a set comprehension is not in the contract language: write a for loop over range"),
    (contract("return self.xs[5]\n", state="xs: Array[int, 4]"), 6, 24,
     "index 5 is out of range for self.xs, an array (Array[int, 4]): expected 0 <= index < 4"),
    (contract("self.xs[-1] = a\nreturn a\n", state="xs: Array[int, 4]"), 6, 17,
     "index -1 is out of range for self.xs"),
    (contract("return self.grid[2][0]\n", state="grid: Array[Array[int, 3], 2]"), 6, 26,
     "index 2 is out of range for self.grid"),
    (contract("return 1 if a in self.x else 0\n"), 6, 21,
     "'in' is not in the contract language: use a Map lookup or a loop"),
])
def test_outside_the_language_is_a_compile_error_with_a_hint(source, line, column, message):
    with pytest.raises(CompileError) as caught:
        compile_contract(source)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in caught.value.reason
    assert str(caught.value).startswith(f"line {line}, column {column}: ")
    assert not AST_NAMES & set(re.findall(r"[A-Za-z]+", caught.value.reason)), \
        "a message names Python's syntax tree classes, which a learner never wrote"


# Names of Python's syntax-tree classes that are not words a learner would write (ListComp,
# listcomp, JoinedStr ...): a message must say "a list comprehension", never "listcomp".
AST_NAMES = {spelling for name, value in vars(ast).items()
             if isinstance(value, type) and issubclass(value, ast.AST)
             and sum(c.isupper() for c in name) > 1 for spelling in (name, name.lower())}


def test_a_constant_index_inside_a_fixed_array_still_compiles_and_runs():
    box = Sandbox(compile_contract(contract("self.xs.append(a)\nreturn self.xs[3]\n",
                                            state="xs: Array[int, 4]")))
    assert box.call("f", 7).error.describe() == "Revert: index out of range for self.xs"


# The code the compiler writes for every contract in minichain/contracts, pinned: gas
# figures quoted in the chapters and the README depend on it, so a change to the compiler
# that changes any of these must be deliberate.
CODE_SHA256 = {
    "counter": "1a206aaac9137ecb89583132e5235c19fc0aa98673858f83b6ce602ff183c542",
    "escrow": "c622e23e410de56d996c0af30be7328e5dfc5d80f9518b072b860931cbb0c1ee",
    "escrow_buggy": "7626d81fd73092995a614a26e98300736a40214618f8738ec49c080425c16aba",
    "escrow_fixed": "c622e23e410de56d996c0af30be7328e5dfc5d80f9518b072b860931cbb0c1ee",
    "identity": "80ce9e86741e9e946e80d1452eb3b1712fb23088476c66c6ec53414d4e0c8cc1",
    "market": "c33719ba4c0256f1db09e4ee5e6167f62cfb2ae47bc0c96d53b82994e61db99b",
    "meter_commitments": "2e1f623f211a4883a0bee087c95a831c0d41b35a975c1079b6b377e45667f9b4",
    "meter_oracle": "03b82e4d945b68da211a7605fdab0cb36e82511e220a7adf6391d0c6803f73f3",
    "payout_drainer": "0df020ddc629a68245937cba75983c1399d61388a15ca76ed5debc5cfce63527",
    "payouts_buggy": "4b27065022556e9c6d8d94c235802d2551999b3df31373c65e310eb07dbcee3e",
    "payouts_fixed": "85dcf43b25fc3645920922cc6501d83e0cc94d1e93c850b90415358a10d5e9ff",
    "prepaid_buggy": "d2ee209d4bc949b99c4c8ab400dfb412311fa51ffffd22fbb99b5d3ac3bd2271",
    "prepaid_fixed": "ce0b5bd8c896c5550c7450832ca95844e83b03a14b337c2cf973146b6edbdc0c",
    "reputation": "6fb38109245fcb4cf04552677dd7d9995fcd2bd94de2535bc34634ffab460e19",
    "sealed_bids": "a85358b2f22c2b2c7091815003bea8de4aa04a98d2da30f0e9f53db64420ee1a",
    "token": "d20bf111c08f9a883011cda47a52e894ab16fc89d81596b72f375e372684cecc",
}


@pytest.mark.parametrize("name", sorted(CODE_SHA256))
def test_the_compiler_writes_the_same_code_for_the_course_contracts(name):
    from minichain.contracts import compiled
    assert hashlib.sha256(compiled(name).code).hexdigest() == CODE_SHA256[name]


def test_every_course_contract_is_pinned():
    from minichain.contracts import available
    assert sorted(available()) == sorted(CODE_SHA256)


def test_a_contract_too_large_for_the_chain_does_not_compile():
    body = "\n".join(f"        self.x = self.x + {i}" for i in range(2_500))
    source = f"class Big:\n    x: int\n\n    @public\n    def f(self):\n{body}\n"
    with pytest.raises(CompileError, match="the limit is 24576: split it"):
        compile_contract(source)


def test_the_one_screen_summary_in_lang_compiles_and_runs():
    import minichain.vm.lang as lang
    doc = lang.__doc__
    example = textwrap.dedent(doc[doc.index("    STEP = 1"):doc.index("Also: ")]).strip() + "\n"
    box = Sandbox(compile_contract(example))
    assert box.value("bump", 3) == 3 and box.value("bump", 2) == 5
    assert box.call("bump", 0).error.describe() == "Revert: bump at least once"


@pytest.mark.parametrize("name", ["counter", "token", "escrow", "escrow_buggy", "escrow_fixed"])
def test_contract_files_are_also_plain_python_that_editors_can_import(name):
    import importlib
    module = importlib.import_module(f"minichain.contracts.sources.{name}")
    assert module.__doc__.strip()


def test_deploy_arguments_must_match_the_constructor(features):
    from minichain.errors import ABIError
    from minichain.contracts import compiled
    with pytest.raises(ABIError, match="takes 1 argument"):
        features.deploy_data()
    with pytest.raises(ABIError, match="argument start: expected a whole number"):
        features.deploy_data("many")
    with pytest.raises(ABIError, match="has no __init__"):
        compile_contract("class C:\n    x: int\n").deploy_data(5)
    assert compiled("counter").deploy_data()[4:4 + len(compiled("counter").code)] == \
        compiled("counter").code
