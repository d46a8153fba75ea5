"""The compiler's second pass: the type check (chapter 07).

``check(declared)`` walks every method body once, in the order the code generator will,
and works out what each piece is: the ``Kind`` of every expression (or, for a piece of
storage, its storage type), which local variable slot every name lives in, and the two
hidden slots some statements need (a for loop's end, the values of a tuple assignment).
Every ``CompileError`` about types and names comes from here, with the line, the column
and what to write instead. What it found goes into ``Types``; the code generator
(``compiler.py``) reads it and does no type logic of its own.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from minichain.errors import ABIError
from minichain.vm.abi import (INIT, SCALARS, ArrayType, MapType, StorageType, to_word)
from minichain.vm.declarations import (UNSUPPORTED, Declarations, FunctionInfo, Kind, _error,
                                       _is_docstring, unsupported)
from minichain.vm.opcodes import ADDRESS_LIMIT, MAX_LOCALS

BINARY = {ast.Add: "ADD", ast.Sub: "SUB", ast.Mult: "MUL", ast.FloorDiv: "DIV", ast.Mod: "MOD"}
BINARY_HINT = {
    ast.Div: "use // : the chain has only whole numbers (and % for the remainder)",
    ast.Pow: "** is only allowed between constants (e.g. 10 ** 6)",
    ast.BitAnd: "there are no bitwise operators: use arithmetic, or and/or for conditions",
    ast.BitOr: "there are no bitwise operators: use arithmetic, or and/or for conditions",
    ast.BitXor: "there are no bitwise operators: use arithmetic",
    ast.LShift: "there are no shifts: multiply by a power of two",
    ast.RShift: "there are no shifts: divide (//) by a power of two",
    ast.MatMult: "there is no matrix multiplication",
}
# comparison -> (opcode, negate)
COMPARE = {ast.Lt: ("LT", False), ast.Gt: ("GT", False), ast.Eq: ("EQ", False),
           ast.NotEq: ("EQ", True), ast.LtE: ("GT", True), ast.GtE: ("LT", True)}
NOT_COMPARED = {ast.Is: "'is'", ast.IsNot: "'is not'", ast.In: "'in'", ast.NotIn: "'not in'"}
CONTEXT = {("msg", "sender"): ("CALLER", Kind.ADDRESS), ("msg", "value"): ("CALLVALUE", Kind.INT),
           ("block", "number"): ("NUMBER", Kind.INT),
           ("block", "timestamp"): ("TIMESTAMP", Kind.INT),
           ("self", "address"): ("ADDRESS", Kind.ADDRESS)}
STATEMENT_CALLS = ("require", "revert", "emit", "send")
BUILTINS = ("len", "min", "max", "abs", "int", "bool", "address", "sha256")
MAX_HASHED = 255          # words one sha256(...) takes: SHA256's immediate is one byte


@dataclass
class Types:
    """What the type check found in one method: the code generator's only source of types."""

    kinds: dict[ast.AST, Kind | StorageType] = field(default_factory=dict)
    locals: dict[str, tuple[int, Kind]] = field(default_factory=dict)
    hidden: dict[ast.AST, list[int]] = field(default_factory=dict)   # for-loop end, tuple temps
    steps: dict[ast.For, int] = field(default_factory=dict)          # range(...)'s step
    constants: dict[ast.AST, int] = field(default_factory=dict)      # expressions known now
    words: dict[ast.Call, int] = field(default_factory=dict)         # address(...) literals
    reasons: dict[ast.Call, str] = field(default_factory=dict)       # require/revert text

    def slot(self, name: str) -> int:
        return self.locals[name][0]


def check(declared: Declarations) -> dict[str, Types]:
    """Type-check every method; return what was found, by method name."""
    return {name: FunctionChecker(declared, info).check()
            for name, info in declared.functions.items()}


def show(kind: object) -> str:
    """How a message names a kind: "an int", "a memory list", "a map (Map[int, int])"."""
    if kind == Kind.LIST:
        return "a memory list"
    if isinstance(kind, MapType):
        return f"a map ({kind})"
    if isinstance(kind, ArrayType):
        return f"an array ({kind})"
    return {Kind.INT: "an int", Kind.BOOL: "a bool", Kind.ADDRESS: "an address",
            "state": "a map or array"}.get(str(kind), str(kind))


def is_list_alloc(node: ast.BinOp) -> bool:
    """True for ``[0] * n``, which makes a memory list."""
    return (isinstance(node.op, ast.Mult) and isinstance(node.left, ast.List)
            and len(node.left.elts) == 1 and isinstance(node.left.elts[0], ast.Constant)
            and node.left.elts[0].value == 0)


def root_name(node: ast.expr) -> str:
    """``x`` for ``self.x``, ``self.x[k]``, ``self.x[k][j]`` ..."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.attr if isinstance(node, ast.Attribute) else "?"


def terminates(body: list[ast.stmt]) -> bool:
    """True when control never runs past the end of ``body``."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Break, ast.Continue)):
        return True
    if (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
            and isinstance(last.value.func, ast.Name) and last.value.func.id == "revert"):
        return True
    if isinstance(last, ast.If):
        return bool(last.orelse) and terminates(last.body) and terminates(last.orelse)
    return False


def returns(body: list[ast.stmt]) -> bool:
    """True when every path through ``body`` ends in return or revert."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return):
        return True
    if (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
            and isinstance(last.value.func, ast.Name) and last.value.func.id == "revert"):
        return True
    if isinstance(last, ast.If):
        return bool(last.orelse) and returns(last.body) and returns(last.orelse)
    return False


class FunctionChecker:
    """Type-checks one method body and records what every node is."""

    def __init__(self, declared: Declarations, info: FunctionInfo) -> None:
        self.declared = declared
        self.info = info
        self.types = Types()
        self.loops = 0
        self.hidden = 0

    # -- locals --------------------------------------------------------------------------

    @property
    def locals(self) -> dict[str, tuple[int, Kind]]:
        return self.types.locals

    def new_local(self, name: str, kind: Kind, node: ast.AST) -> int:
        if len(self.locals) >= MAX_LOCALS:
            raise _error(node, f"{self.info.name} has more than {MAX_LOCALS} local variables")
        self.locals[name] = (len(self.locals), kind)
        return self.locals[name][0]

    def temp(self, node: ast.AST, kind: Kind = Kind.INT) -> int:
        self.hidden += 1
        slot = self.new_local(f".{self.hidden}", kind, node)
        self.types.hidden.setdefault(node, []).append(slot)
        return slot

    def bind(self, name: str, kind: Kind, node: ast.AST) -> int:
        """The local for ``name``, created on first assignment; its type never changes."""
        if name in self.declared.constants:
            raise _error(node, f"{name} is a constant; it cannot be assigned")
        if name in ("self", "msg", "block") or name in SCALARS:
            raise _error(node, f"{name} is built in; choose another name")
        if name not in self.locals:
            return self.new_local(name, kind, node)
        index, have = self.locals[name]
        if have != kind:
            raise _error(node, f"{name} holds {show(have)}; it cannot be given {show(kind)}")
        return index

    def expect(self, node: ast.AST, kind: Kind | StorageType, want: Kind | StorageType,
               what: str) -> None:
        if kind != want:
            raise _error(node, f"{what} must be {show(want)}, got {show(kind)}")

    # -- the method ------------------------------------------------------------------------

    def check(self) -> Types:
        info = self.info
        for name, kind in info.params:
            if name in self.locals:
                raise _error(info.node, f"argument {name} appears twice")
            self.new_local(name, kind, info.node)
        body = [s for s in info.node.body if not _is_docstring(s)]
        self.statements(body)
        if info.outputs and not returns(body):
            raise _error(info.node, f"{info.name} promises to return "
                                    f"{', '.join(info.outputs)}: end it with a return")
        return self.types

    def statements(self, body: list[ast.stmt]) -> None:
        for node in body:
            handler = getattr(self, f"stmt_{type(node).__name__}", None)
            if handler is None:
                raise unsupported(node, "this statement is not in the contract language")
            handler(node)

    # -- statements ------------------------------------------------------------------------

    def stmt_Pass(self, node: ast.Pass) -> None:
        pass

    def stmt_Expr(self, node: ast.Expr) -> None:
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return  # a docstring or comment string
        if not isinstance(value, ast.Call):
            raise _error(node, "this expression does nothing: assign it, return it or "
                               "call a function")
        func = value.func
        if isinstance(func, ast.Name) and func.id in STATEMENT_CALLS:
            getattr(self, f"call_{func.id}")(value)
            return
        if (isinstance(func, ast.Attribute) and func.attr in ("append", "clear")
                and self.is_storage(func.value)):
            self.types.kinds[value] = self.array_method(value)
            return
        self.types.kinds[value] = self.call(value)

    def stmt_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1:
            raise _error(node, "assign one target at a time (a = b = 0 is not supported)")
        target = node.targets[0]
        if isinstance(target, ast.Tuple):
            self.tuple_assign(target, node.value)
            return
        self.store(target, self.expr(node.value))

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        if not isinstance(node.target, ast.Name):
            raise _error(node, "annotate only local variables: x: int = 0")
        if node.value is None:
            raise _error(node, f"give {node.target.id} a starting value: "
                               f"{node.target.id}: int = 0")
        want = self.declared.value_type(node.annotation, allow_list=True)
        kind = self.expr(node.value)
        self.expect(node.value, kind, want, f"the value of {node.target.id}")
        self.store(node.target, kind)

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        if type(node.op) not in BINARY:
            raise _error(node, BINARY_HINT.get(type(node.op), "use +=, -=, *=, //= or %="))
        target = node.target
        if isinstance(target, ast.Name):
            if target.id not in self.locals:
                raise _error(target, f"{target.id} has no value yet: assign it first")
            self.expect(target, self.locals[target.id][1], Kind.INT, target.id)
        elif self.is_storage(target):
            self.expect(target, self.place(target), Kind.INT, "the target")
        elif isinstance(target, ast.Subscript):
            self.memory_element(target)
        else:
            raise _error(target, "you can only update a local, self.<state> or an element")
        self.expect(node.value, self.expr(node.value), Kind.INT, "the right-hand side")

    def stmt_If(self, node: ast.If) -> None:
        self.condition(node.test)
        self.statements(node.body)
        self.statements(node.orelse)

    def stmt_While(self, node: ast.While) -> None:
        if node.orelse:
            raise _error(node, "else on loops is not supported: put the code after the loop")
        self.condition(node.test)
        self.loop(node.body)

    def stmt_For(self, node: ast.For) -> None:
        if node.orelse:
            raise _error(node, "else on loops is not supported: put the code after the loop")
        call = node.iter
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == "range" and not call.keywords and 1 <= len(call.args) <= 3):
            raise _error(node.iter, "loop over range(stop), range(start, stop) or "
                                    "range(start, stop, step); for a list, loop over "
                                    "range(len(xs))")
        if not isinstance(node.target, ast.Name):
            raise _error(node.target, "the loop variable is one name")
        name = node.target.id
        for inner in ast.walk(ast.Module(body=node.body, type_ignores=[])):
            targets = (inner.targets if isinstance(inner, ast.Assign)
                       else [inner.target] if isinstance(inner, (ast.AugAssign, ast.AnnAssign,
                                                                 ast.For)) else [])
            for target in targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                if any(isinstance(n, ast.Name) and n.id == name for n in names):
                    raise _error(inner, f"don't change the loop variable {name} inside the "
                                        "loop; use a while loop for that")
        args = call.args
        step = 1
        if len(args) == 3:
            folded = self.declared.fold(args[2])
            if not folded:
                raise _error(args[2], "the step of range(...) is a non-zero constant")
            step = folded
        self.types.steps[node] = step
        if len(args) >= 2:
            self.expect(args[0], self.expr(args[0]), Kind.INT, "the start of range(...)")
        self.bind(name, Kind.INT, node.target)
        stop = args[1] if len(args) >= 2 else args[0]
        self.expect(stop, self.expr(stop), Kind.INT, "the end of range(...)")
        self.temp(node)
        self.loop(node.body)

    def loop(self, body: list[ast.stmt]) -> None:
        self.loops += 1
        self.statements(body)
        self.loops -= 1

    def stmt_Break(self, node: ast.Break) -> None:
        if not self.loops:
            raise _error(node, "break outside a loop")

    def stmt_Continue(self, node: ast.Continue) -> None:
        if not self.loops:
            raise _error(node, "continue outside a loop")

    def stmt_Return(self, node: ast.Return) -> None:
        outputs = self.info.outputs
        values = ([] if node.value is None else node.value.elts
                  if isinstance(node.value, ast.Tuple) else [node.value])
        if len(values) != len(outputs):
            raise _error(node, f"{self.info.name} returns {len(outputs)} value(s) "
                               f"({', '.join(outputs) or 'nothing'}), this returns "
                               f"{len(values)}")
        for value, want in zip(values, outputs):
            self.expect(value, self.expr(value), want, "the returned value")

    # -- assignment ------------------------------------------------------------------------

    def store(self, target: ast.expr, kind: Kind) -> None:
        """Check that a ``kind`` may be assigned to ``target``."""
        self.types.kinds[target] = kind
        if isinstance(target, ast.Name):
            self.bind(target.id, kind, target)
        elif self.is_storage(target):
            want = self.place(target)
            if not isinstance(want, str):
                raise _error(target, f"assign to an element, not the whole {want}")
            self.expect(target, kind, want, "the value")
        elif isinstance(target, ast.Subscript):
            self.expect(target, kind, Kind.INT, "a memory list element")
            self.memory_element(target)
        elif (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
              and target.value.id == "self"):
            raise _error(target, f"self.{target.attr} was never declared: declare the state "
                                 f"variable in the class body first, e.g. '{target.attr}: int'")
        else:
            raise _error(target, "you can assign to a local, self.<state> or an element")

    def tuple_assign(self, target: ast.Tuple, value: ast.expr) -> None:
        if not isinstance(value, ast.Tuple) or len(value.elts) != len(target.elts):
            raise _error(target, "assign a tuple from a tuple of the same length: a, b = b, a")
        kinds = [self.expr(v) for v in value.elts]
        names = [t.id for t in target.elts if isinstance(t, ast.Name)]
        if len(names) == len(target.elts) and len(set(names)) == len(names):
            for t, kind in zip(reversed(target.elts), reversed(kinds)):
                self.store(t, kind)
            return
        for kind in kinds:
            self.temp(target, kind)
        for t, kind in zip(target.elts, kinds):
            self.store(t, kind)

    # -- storage places --------------------------------------------------------------------

    def is_storage(self, node: ast.expr) -> bool:
        while isinstance(node, ast.Subscript):
            node = node.value
        return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self" and node.attr in self.declared.storage)

    def place(self, node: ast.expr) -> StorageType:
        """The storage type of ``self.x``, ``self.m[k]``, ``self.a[i]`` ..."""
        if isinstance(node, ast.Attribute):
            kind = self.declared.storage[node.attr].kind
        elif not isinstance(node, ast.Subscript):
            raise _error(node, "expected self.<state>, self.<map>[key] or self.<array>[i]")
        elif isinstance(node.slice, ast.Slice):
            raise _error(node, UNSUPPORTED[ast.Slice])
        else:
            base = self.place(node.value)
            where = f"self.{root_name(node)}"
            if isinstance(base, MapType):
                self.expect(node.slice, self.expr(node.slice), base.key, f"a key of {where}")
                kind = base.value
            elif isinstance(base, ArrayType):
                constant = self.declared.fold(node.slice)
                if constant is not None and not 0 <= constant < base.capacity:
                    raise _error(node.slice, f"index {constant} is out of range for {where}, "
                                             f"{show(base)}: expected 0 <= index < "
                                             f"{base.capacity}")
                self.expect(node.slice, self.expr(node.slice), Kind.INT, f"an index of {where}")
                kind = base.element
            else:
                raise _error(node, f"{where} is {show(base)}, not a map or an array")
        self.types.kinds[node] = kind
        return kind

    def array_place(self, node: ast.expr) -> ArrayType:
        if not self.is_storage(node):
            raise _error(node, "append, pop and clear work on storage arrays (self.<name>)")
        kind = self.place(node)
        if not isinstance(kind, ArrayType):
            raise _error(node, f"self.{root_name(node)} is {show(kind)}, not an Array")
        return kind

    def array_method(self, call: ast.Call) -> Kind:
        func = call.func
        if not isinstance(func, ast.Attribute):
            raise _error(call, "expected self.<array>.append(v), .pop() or .clear()")
        where = f"self.{root_name(func.value)}"
        method = func.attr
        if method == "append":
            if len(call.args) != 1 or call.keywords:
                raise _error(call, "append takes one value")
            kind = self.expr(call.args[0])
            array = self.array_place(func.value)
            if not isinstance(array.element, str):
                raise _error(call, "append adds numbers, booleans or addresses; for arrays "
                                   "of maps or arrays, set the elements by index")
            self.expect(call.args[0], kind, array.element, f"a value for {where}")
            return Kind.NONE
        if call.args or call.keywords:
            raise _error(call, f"{method}() takes no arguments")
        array = self.array_place(func.value)
        if method == "clear":
            return Kind.NONE
        if not isinstance(array.element, str):
            raise _error(call, "pop works on arrays of numbers, booleans or addresses")
        return Kind(array.element)

    def memory_element(self, node: ast.Subscript) -> None:
        """``xs[i]`` where xs is a local memory list and i an int."""
        if type(node.value) in UNSUPPORTED:
            raise unsupported(node.value, "")
        if not (isinstance(node.value, ast.Name) and node.value.id in self.locals):
            raise _error(node, "index a local memory list (xs = [0] * n) or self.<state>")
        self.expect(node.value, self.locals[node.value.id][1], Kind.LIST, node.value.id)
        if isinstance(node.slice, ast.Slice):
            raise _error(node, UNSUPPORTED[ast.Slice])
        self.expect(node.slice, self.expr(node.slice), Kind.INT, "an index")

    # -- conditions ------------------------------------------------------------------------

    def condition(self, node: ast.expr) -> None:
        """A test of if, while, require, or a conditional expression."""
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.condition(node.operand)
            return
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self.condition(value)
            return
        if isinstance(node, ast.Compare):
            self.comparison(node)
            return
        kind = self.expr(node)
        if kind not in (Kind.BOOL, Kind.INT):
            raise _error(node, f"a condition is a bool (or an int), got {show(kind)}")

    def comparison(self, node: ast.Compare) -> None:
        if len(node.ops) != 1:
            raise _error(node, "write one comparison at a time: a < b and b < c")
        op = type(node.ops[0])
        if op not in COMPARE:
            hint = ("use == or !=" if op in (ast.Is, ast.IsNot)
                    else "use a Map lookup or a loop")
            raise _error(node, f"{NOT_COMPARED.get(op, 'this comparison')} is not in the "
                               f"contract language: {hint}")
        left = self.expr(node.left)
        right = self.expr(node.comparators[0])
        if op in (ast.Eq, ast.NotEq):
            if left != right or left == Kind.LIST:
                raise _error(node, f"cannot compare {show(left)} with {show(right)}")
        else:
            self.expect(node.left, left, Kind.INT, "the left side of a comparison")
            self.expect(node.comparators[0], right, Kind.INT, "the right side of a comparison")

    # -- expressions -----------------------------------------------------------------------

    def expr(self, node: ast.expr) -> Kind:
        """The ``Kind`` of ``node`` (recorded for the code generator)."""
        value = self.declared.fold(node)
        if value is not None:
            self.types.constants[node] = value
            kind = Kind.INT
        else:
            handler = getattr(self, f"expr_{type(node).__name__}", None)
            if handler is None:
                raise unsupported(node, "this expression is not in the contract language")
            kind = handler(node)
        self.types.kinds[node] = kind
        return kind

    def expr_Constant(self, node: ast.Constant) -> Kind:
        if isinstance(node.value, bool):
            return Kind.BOOL
        if isinstance(node.value, int):
            raise _error(node, f"{node.value} is outside the word range -2**255 .. 2**255 - 1")
        if isinstance(node.value, float):
            raise _error(node, "no floats on chain: use whole numbers (Wh, µ€)")
        if isinstance(node.value, str):
            raise _error(node, "text exists only as require/revert reasons and event names")
        if node.value is None:
            raise _error(node, "None is not a value in the contract language: every variable "
                               "holds a word, so say 'nothing' with 0, False or the zero "
                               "address, or keep a separate bool such as has_value")
        raise _error(node, f"{node.value!r} is not a value in the contract language")

    def expr_Name(self, node: ast.Name) -> Kind:
        if node.id in self.locals:
            return self.locals[node.id][1]
        hints = {"msg": "use msg.sender or msg.value", "block": "use block.number or "
                 "block.timestamp", "self": "use self.<state variable>",
                 "print": "there is no printing on chain: emit an event",
                 "None": "there is no None: use 0 or False"}
        if node.id in self.declared.storage or node.id in self.declared.class_constants:
            raise _error(node, f"write self.{node.id}")
        raise _error(node, f"unknown name {node.id!r}: "
                           + hints.get(node.id, "assign a local first, or declare state in "
                                                "the class and use self.<name>"))

    def expr_Attribute(self, node: ast.Attribute) -> Kind:
        base = node.value
        if isinstance(base, ast.Name):
            if (base.id, node.attr) in CONTEXT:
                return CONTEXT[(base.id, node.attr)][1]
            if (base.id, node.attr) == ("self", "balance"):
                return Kind.INT
            if base.id in ("msg", "block"):
                raise _error(node, f"{base.id}.{node.attr} does not exist: "
                                   + ("msg has sender and value" if base.id == "msg"
                                      else "block has number and timestamp"))
        if self.is_storage(node):
            return self.read_place(node)
        if isinstance(base, ast.Name) and base.id == "self":
            if node.attr in self.declared.functions:
                raise _error(node, f"call the method: self.{node.attr}(...)")
            raise _error(node, f"self.{node.attr} is not declared: add '{node.attr}: int' "
                               "(or another type) to the class body")
        raise _error(node, "attributes exist only on self, msg and block")

    def read_place(self, node: ast.expr) -> Kind:
        kind = self.place(node)
        if not isinstance(kind, str):
            raise _error(node, f"self.{root_name(node)} is {show(kind)}: read one "
                               "element, e.g. [key]")
        return Kind(kind)

    def expr_Subscript(self, node: ast.Subscript) -> Kind:
        if self.is_storage(node):
            return self.read_place(node)
        self.memory_element(node)
        return Kind.INT

    def expr_BinOp(self, node: ast.BinOp) -> Kind:
        if is_list_alloc(node):
            self.expect(node.right, self.expr(node.right), Kind.INT, "the length of a list")
            return Kind.LIST
        if type(node.op) not in BINARY:
            raise _error(node, BINARY_HINT.get(type(node.op), "not an operator of the "
                                                              "contract language"))
        self.expect(node.left, self.expr(node.left), Kind.INT, "arithmetic")
        self.expect(node.right, self.expr(node.right), Kind.INT, "arithmetic")
        return Kind.INT

    def expr_UnaryOp(self, node: ast.UnaryOp) -> Kind:
        if isinstance(node.op, ast.Not):
            kind = self.expr(node.operand)
            if kind not in (Kind.BOOL, Kind.INT):
                raise _error(node, f"'not' needs a bool, got {show(kind)}")
            return Kind.BOOL
        if isinstance(node.op, ast.USub):
            self.expect(node.operand, self.expr(node.operand), Kind.INT, "a negated value")
            return Kind.INT
        if isinstance(node.op, ast.UAdd):
            kind = self.expr(node.operand)
            self.expect(node.operand, kind, Kind.INT, "+x")
            return kind
        raise _error(node, "there are no bitwise operators: use arithmetic")

    def expr_Compare(self, node: ast.Compare) -> Kind:
        self.comparison(node)
        return Kind.BOOL

    def expr_BoolOp(self, node: ast.BoolOp) -> Kind:
        for value in node.values:
            if self.expr(value) != Kind.BOOL:
                raise _error(value, "and/or combine conditions (bool); for a number write "
                                    "x != 0")
        return Kind.BOOL

    def expr_IfExp(self, node: ast.IfExp) -> Kind:
        self.condition(node.test)
        first = self.expr(node.body)
        second = self.expr(node.orelse)
        if first != second:
            raise _error(node, f"both branches must have one type, got {show(first)} and "
                               f"{show(second)}")
        return first

    def expr_Call(self, node: ast.Call) -> Kind:
        kind = self.call(node)
        if kind == Kind.NONE:
            raise _error(node, "this call returns nothing, so it has no value")
        return kind

    # -- calls -----------------------------------------------------------------------------

    def call(self, node: ast.Call) -> Kind:
        func = node.func
        if node.keywords:
            raise _error(node, "pass arguments by position")
        if isinstance(func, ast.Name):
            name = func.id
            if name in STATEMENT_CALLS:
                raise _error(node, f"{name}(...) is a statement: put it on its own line")
            if name in BUILTINS:
                return getattr(self, f"builtin_{name}")(node)
            if name == "range":
                raise _error(node, "range(...) is only for for-loops")
            if name in self.declared.events:
                raise _error(node, f"emit the event: emit({name}(...))")
            if name in self.declared.interfaces:
                raise _error(node, f"{name}(...) names a contract: call one of its methods, "
                                   f"{name}(where).method(...)")
            if name == "print":
                raise _error(node, "there is no printing on chain: emit an event")
            raise _error(node, f"unknown function {name!r}; internal methods are called as "
                               f"self.{name}(...)")
        if isinstance(func, ast.Attribute):
            if isinstance(func.value, ast.Name) and func.value.id == "self":
                return self.internal_call(node, func.attr)
            if (isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
                    and func.value.func.id in self.declared.interfaces):
                return self.external_call(node, func.value, func.attr)
            if func.attr in ("append", "pop", "clear") and self.is_storage(func.value):
                return self.array_method(node)
            if func.attr in ("append", "pop"):
                raise _error(node, "memory lists have a fixed length: make them with [0] * n "
                                   "and set xs[i]")
            if self.is_storage(func.value):
                where = f"self.{root_name(func.value)}"
                if isinstance(self.declared.storage[root_name(func.value)].kind, MapType):
                    raise _error(node, f"{where} is a Map, which has no methods such as "
                                       f".{func.attr}(): read an entry with {where}[key] (a "
                                       "key never written reads as 0)")
                raise _error(node, f"{where} has no method .{func.attr}(): a state array has "
                                   "append, pop and clear, and len(...) gives its length")
        raise _error(node, "call a built-in function or a method of self")

    def internal_call(self, node: ast.Call, name: str) -> Kind:
        info = self.declared.functions.get(name)
        if info is None:
            raise _error(node, f"the contract has no method {name!r}")
        if name == INIT:
            raise _error(node, "__init__ runs only once, at deploy")
        if len(info.outputs) > 1:
            raise _error(node, f"{name} returns several values, so it can only be called in a "
                               "transaction")
        if len(node.args) != len(info.params):
            raise _error(node, f"{name} takes {len(info.params)} argument(s), got "
                               f"{len(node.args)}")
        for arg, (pname, kind) in zip(node.args, info.params):
            self.expect(arg, self.expr(arg), kind, f"argument {pname} of {name}")
        return info.outputs[0] if info.outputs else Kind.NONE

    def external_call(self, node: ast.Call, target: ast.Call, name: str) -> Kind:
        interface = target.func.id                      # type: ignore[union-attr]
        method = self.declared.interfaces[interface].get(name)
        if method is None:
            raise _error(node, f"interface {interface} has no method {name!r}; declare it in "
                               f"class {interface}(Interface)")
        if len(target.args) != 1 or target.keywords:
            raise _error(target, f"{interface}(...) takes the contract's address: "
                                 f"{interface}(self.{interface.lower()})")
        self.expect(target.args[0], self.expr(target.args[0]), Kind.ADDRESS,
                    f"the address in {interface}(...)")
        if len(node.args) != len(method.params):
            raise _error(node, f"{interface}.{name} takes {len(method.params)} argument(s), "
                               f"got {len(node.args)}")
        for arg, (pname, kind) in zip(node.args, method.params):
            self.expect(arg, self.expr(arg), kind, f"argument {pname} of {interface}.{name}")
        return method.output

    def args(self, node: ast.Call, count: int, name: str) -> list[ast.expr]:
        if len(node.args) != count:
            raise _error(node, f"{name} takes {count} argument(s), got {len(node.args)}")
        return node.args

    def builtin_len(self, node: ast.Call) -> Kind:
        (arg,) = self.args(node, 1, "len")
        if self.is_storage(arg):
            self.array_place(arg)
        else:
            self.expect(arg, self.expr(arg), Kind.LIST, "the argument of len")
        return Kind.INT

    def builtin_min(self, node: ast.Call) -> Kind:
        return self.min_max(node, "min")

    def builtin_max(self, node: ast.Call) -> Kind:
        return self.min_max(node, "max")

    def min_max(self, node: ast.Call, name: str) -> Kind:
        a, b = self.args(node, 2, name)
        self.expect(a, self.expr(a), Kind.INT, f"the arguments of {name}")
        self.expect(b, self.expr(b), Kind.INT, f"the arguments of {name}")
        return Kind.INT

    def builtin_abs(self, node: ast.Call) -> Kind:
        (a,) = self.args(node, 1, "abs")
        self.expect(a, self.expr(a), Kind.INT, "the argument of abs")
        return Kind.INT

    def builtin_int(self, node: ast.Call) -> Kind:
        (a,) = self.args(node, 1, "int")
        kind = self.expr(a)
        if kind not in (Kind.INT, Kind.BOOL):
            raise _error(node, f"int(...) converts a bool, got {show(kind)}")
        return Kind.INT

    def builtin_bool(self, node: ast.Call) -> Kind:
        (a,) = self.args(node, 1, "bool")
        kind = self.expr(a)
        if kind not in (Kind.INT, Kind.BOOL):
            raise _error(node, f"bool(...) converts an int, got {show(kind)}")
        return Kind.BOOL

    def builtin_address(self, node: ast.Call) -> Kind:
        (a,) = self.args(node, 1, "address")
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            try:
                word = to_word(a.value, "address")
            except ABIError:
                raise _error(a, f"{a.value!r} is not an address ('0x' and 40 lowercase hex "
                                "digits)") from None
        else:
            word = self.declared.fold(a)
            if word is None or not 0 <= word < ADDRESS_LIMIT:
                raise _error(a, "address(...) takes a literal: address(0) or "
                                "address(\"0x…\"); msg.sender is already an address")
        self.types.words[node] = word
        return Kind.ADDRESS

    def builtin_sha256(self, node: ast.Call) -> Kind:
        """``sha256(a, b, ...)``: one to 255 words (ints, bools, addresses) -> an int."""
        if not node.args:
            raise _error(node, "sha256(...) hashes words: give it at least one, e.g. "
                               "sha256(reading, salt)")
        if len(node.args) > MAX_HASHED:
            raise _error(node, f"sha256(...) takes at most {MAX_HASHED} words, got "
                               f"{len(node.args)}: hash a hash, sha256(sha256(...), ...)")
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                raise _error(arg, "sha256(...) hashes words, not text: pass numbers, "
                                  "bools or addresses")
            kind = self.expr(arg)
            if kind == Kind.LIST:
                raise _error(arg, "sha256(...) hashes words, not a memory list: pass its "
                                  "elements, sha256(xs[0], xs[1])")
        return Kind.INT

    # -- statements that are calls ---------------------------------------------------------

    def reason(self, node: ast.Call, index: int, default: str) -> None:
        if len(node.args) <= index:
            self.types.reasons[node] = default
            return
        arg = node.args[index]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            raise _error(arg, "the reason is a string literal: require(ok, \"why not\")")
        self.types.reasons[node] = arg.value

    def call_require(self, node: ast.Call) -> None:
        if not 1 <= len(node.args) <= 2 or node.keywords:
            raise _error(node, "require(condition, \"reason\")")
        self.reason(node, 1, f"requirement failed (line {node.lineno})")
        self.condition(node.args[0])

    def call_revert(self, node: ast.Call) -> None:
        if len(node.args) > 1 or node.keywords:
            raise _error(node, "revert(\"reason\")")
        self.reason(node, 0, f"reverted (line {node.lineno})")

    def call_emit(self, node: ast.Call) -> None:
        if len(node.args) != 1 or node.keywords or not isinstance(node.args[0], ast.Call):
            raise _error(node, "emit one event: emit(Name(field, ...))")
        event_call = node.args[0]
        name = event_call.func.id if isinstance(event_call.func, ast.Name) else ""
        event = self.declared.events.get(name)
        if event is None:
            raise _error(event_call, f"{name or 'this'} is not a declared event: add "
                                     f"'{name or 'Name'} = Event(field=type, ...)' to the class")
        if event_call.keywords:
            raise _error(event_call, "pass an event's fields by position")
        if len(event_call.args) != len(event.fields):
            raise _error(event_call, f"{name} has {len(event.fields)} field(s) "
                                     f"({', '.join(n for n, _ in event.fields)}), got "
                                     f"{len(event_call.args)}")
        for arg, (field_name, kind) in zip(event_call.args, event.fields):
            self.expect(arg, self.expr(arg), kind, f"field {field_name} of {name}")

    def call_send(self, node: ast.Call) -> None:
        to, amount = self.args(node, 2, "send")
        self.expect(to, self.expr(to), Kind.ADDRESS, "the recipient of send")
        self.expect(amount, self.expr(amount), Kind.INT, "the amount of send")
