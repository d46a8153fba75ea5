"""The contract language: a small subset of Python, compiled to bytecode (chapter 07).

``compile_contract(source)`` reads the source with Python's own ``ast`` parser, checks that
it stays inside the language (see ``minichain.vm.lang`` for a one-screen summary), and
writes assembly (``Op``/``Label`` items), which the assembler turns into bytecode. Anything
outside the language is a ``CompileError`` that names the line and column and says what to
write instead. Only the bytecode goes on chain; the ``CompiledContract`` also keeps the
``ContractABI`` (how to call it and read its events and storage), the assembly, and a map
from code offsets to source lines for the step debugger.

How a contract becomes code:

* **Storage.** State variables get consecutive slots from 0 in the order they are declared.
  A ``Map`` takes one *seed* slot; the entry for key ``k`` lives at ``HASH(seed, k)`` (so
  nested maps hash twice). An ``Array[T, n]`` keeps its length at its seed slot and element
  ``i`` at ``seed + 1 + i * size(T)``. An array of ints, bools or addresses is a bounded
  list (``append``, ``pop``, ``clear``; indexing checks ``0 <= i < len``); an array of maps
  or arrays is fixed-size (``len`` is ``n``; indexing checks ``0 <= i < n``).
* **Functions.** Each method becomes an internal function: arguments arrive on the stack
  and are stored into locals, ``return`` leaves the value on the stack and runs ``RET``.
  Public methods also get an *entry*: the dispatcher at pc 0 compares the call's selector
  with each public function's, checks the argument count, the argument types and (unless
  ``@payable``) that no tokens were sent, then ``CALL``s the function and ``RETURN``s.
* **Memory lists** (``xs = [0] * n``) live only during the call: cheap to read and write,
  which is what sorting wants; storage arrays are what stays on chain.
* ``require(cond, "reason")`` jumps to a shared ``REVERT`` with that reason when ``cond``
  is false; the reason text travels in the code as words of up to 31 characters.
* **Other contracts** (chapter 08). A source may declare interfaces next to its contract,
  ``class Registry(Interface):`` with methods whose body is ``...``; then
  ``Registry(where).is_household(who)`` pushes the address, the method's selector and the
  arguments and runs ``XCALL``, which leaves the one word the callee returns. A bool or
  address that comes back is checked like a call's arguments are.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field

from minichain.errors import ABIError, CompileError
from minichain.vm.abi import (INIT, SCALARS, ArrayType, ContractABI, EventABI, FunctionABI,
                              MapType, StorageType, StorageVar, selector,
                              slots_used, to_word)
from minichain.vm.assembler import Label, Op, assemble_items
from minichain.vm.opcodes import (ADDRESS_LIMIT, INT_MAX, INT_MIN, MAX_CODE_SIZE, MAX_LOCALS,
                                  TEXT_WORD_BYTES, text_to_words)
from minichain.vm.runtime import deploy_data
from minichain.vm.sources import SourceMap, remember



class Kind(enum.StrEnum):
    """What a value in a contract is. The scalar kinds are spelled as in the ABI, so a
    ``Kind`` and an ABI type name compare equal."""

    INT = "int"
    BOOL = "bool"
    ADDRESS = "address"
    LIST = "list"           # a memory list, xs = [0] * n (locals and internal calls only)
    NONE = "none"           # what a call to a function without a return value gives


LANG_MODULE = "minichain.vm.lang"
RESERVED = {"address", "balance"}            # self.address and self.balance are built in
MAX_ARRAY_CAPACITY = 1_000_000
MAX_REASON = 8 * TEXT_WORD_BYTES             # characters in a revert reason


@dataclass(frozen=True)
class CompiledContract:
    """Bytecode plus everything off-chain tools need to use it."""

    name: str
    code: bytes
    abi: ContractABI
    source: str
    lines: dict[int, int] = field(repr=False)             # pc -> source line
    items: tuple[Op | Label, ...] = field(repr=False)     # the assembly

    def assembly(self) -> str:
        """The assembly the compiler wrote, with each source line as a comment above it."""
        source_lines = self.source.splitlines()
        out, last = [], 0
        for item in self.items:
            if isinstance(item, Label):
                out.append(f"{item.name}:")
                continue
            if item.line and item.line != last and item.line <= len(source_lines):
                out.append(f"    ; {item.line}: {source_lines[item.line - 1].strip()}")
                last = item.line
            out.append(f"    {item.name}" + ("" if item.arg is None else f" {item.arg}"))
        return "\n".join(out) + "\n"

    def deploy_data(self, *args: object) -> bytes:
        """Data for a deploy transaction: code plus the constructor call (see runtime)."""
        if self.abi.constructor is None:
            if args:
                raise ABIError(f"{self.name} has no __init__, so it takes no deploy arguments")
            return deploy_data(self.code)
        return deploy_data(self.code, self.abi.constructor.encode(*args))


@dataclass
class FunctionInfo:
    """A method's signature, as the rest of the contract sees it."""

    name: str
    node: ast.FunctionDef
    params: list[tuple[str, str]]
    outputs: tuple[str, ...]
    public: bool
    payable: bool

    @property
    def label(self) -> str:
        return f"fn_{self.name}"


@dataclass(frozen=True)
class InterfaceMethod:
    """A method of another contract, as declared in an ``Interface`` class."""

    interface: str
    name: str
    params: tuple[tuple[str, str], ...]
    output: Kind                # INT, BOOL, ADDRESS, or NONE


def compile_contract(source: str) -> CompiledContract:
    """Compile contract source text into bytecode and its interface."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise CompileError(f"not valid Python: {error.msg}", error.lineno or 0,
                           error.offset or 0) from None
    return ContractCompiler(source, tree).compile()


def _error(node: ast.AST, message: str) -> CompileError:
    return CompileError(message, getattr(node, "lineno", 0), getattr(node, "col_offset", -1) + 1)


def _is_interface(node: ast.ClassDef) -> bool:
    """True for ``class Name(Interface):``, the declaration of another contract's methods."""
    return (len(node.bases) == 1 and isinstance(node.bases[0], ast.Name)
            and node.bases[0].id == "Interface")


def _is_docstring(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


# What to write instead, for Python that is outside the language.
UNSUPPORTED = {
    ast.Import: "everything a contract may use is built in, so leave the import out",
    ast.ImportFrom: f"the only import allowed is 'from {LANG_MODULE} import *'",
    ast.Try: "there are no exceptions on chain: use require(condition, \"reason\")",
    ast.Raise: "use revert(\"reason\") or require(condition, \"reason\")",
    ast.Assert: "use require(condition, \"reason\"): assert is for tests",
    ast.With: "write the steps out one after the other",
    ast.Global: "state lives in self.<name>: declare it in the class body",
    ast.Nonlocal: "state lives in self.<name>: declare it in the class body",
    ast.Delete: "set the value to 0 instead of deleting it",
    ast.ClassDef: "one contract per source, and no classes inside it",
    ast.AsyncFunctionDef: "there is no async on chain",
    ast.Lambda: "define an internal method instead of a lambda",
    ast.ListComp: "write a for loop over range(...)",
    ast.SetComp: "write a for loop over range(...)",
    ast.DictComp: "write a for loop over range(...)",
    ast.GeneratorExp: "write a for loop over range(...)",
    ast.Dict: "declare a Map[...] state variable instead of a dict",
    ast.Set: "there are no sets: use a Map[..., bool]",
    ast.List: "make a memory list with [0] * n",
    ast.JoinedStr: "text exists only as require/revert reasons and event names",
    ast.Starred: "there is no unpacking with *",
    ast.Slice: "there are no slices: loop over the indices",
    ast.NamedExpr: "assign on its own line instead of :=",
    ast.Await: "there is no async on chain",
    ast.Yield: "there are no generators on chain",
    ast.YieldFrom: "there are no generators on chain",
    ast.Match: "use if / elif / else",
    ast.AsyncFor: "there is no async on chain",
    ast.AsyncWith: "there is no async on chain",
}

# What a piece of Python is called in a message (never the ``ast`` class's own name).
WHAT = {
    ast.Import: "an import", ast.ImportFrom: "this import", ast.Try: "try/except",
    ast.Raise: "raise", ast.Assert: "assert", ast.With: "a with block",
    ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Delete: "del",
    ast.ClassDef: "a class here", ast.AsyncFunctionDef: "an async function",
    ast.Lambda: "a lambda", ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension", ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression", ast.Dict: "a dict", ast.Set: "a set",
    ast.List: "a list written out", ast.JoinedStr: "an f-string",
    ast.Starred: "unpacking with *", ast.Slice: "a slice", ast.NamedExpr: "the := operator",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield from",
    ast.Match: "match/case", ast.AsyncFor: "async for", ast.AsyncWith: "async with",
    ast.FunctionDef: "a function here", ast.Assign: "an assignment here",
    ast.AnnAssign: "an annotated assignment here", ast.Expr: "an expression here",
    ast.Tuple: "a tuple here", ast.Subscript: "indexing here", ast.Call: "a call here",
    ast.Attribute: "an attribute here", ast.Name: "a name here", ast.Constant: "a constant here",
    ast.If: "an if here", ast.For: "a for loop here", ast.While: "a while loop here",
}


def _what(node: ast.AST) -> str:
    """How a message names a piece of Python: "a list comprehension", "try/except" ..."""
    return WHAT.get(type(node), "this")


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


class ContractCompiler:
    """Compiles one contract: the declarations first, then every function."""

    def __init__(self, source: str, tree: ast.Module) -> None:
        self.source = source
        self.tree = tree
        self.items: list[Op | Label] = []
        self.constants: dict[str, int] = {}
        self.class_constants: dict[str, int] = {}
        self.storage: dict[str, StorageVar] = {}
        self.events: dict[str, EventABI] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.interfaces: dict[str, dict[str, InterfaceMethod]] = {}
        self.reverts: dict[str, str] = {}
        self.labels = 0
        self.line = 0
        self.name = ""

    # -- declarations --------------------------------------------------------------------

    def compile(self) -> CompiledContract:
        cls = self.module()
        self.declarations(cls)
        self.dispatcher(cls)
        for info in self.functions.values():
            FunctionCompiler(self, info).compile()
        self.line = 0   # the shared stubs belong to no one line: every require jumps here
        for reason, label in self.reverts.items():
            words = text_to_words(reason)
            self.items.append(Label(label))
            self.emit("JUMPDEST")
            for word in words:
                self.emit("PUSH", word)
            self.emit("REVERT", len(words))
        assembled = assemble_items(self.items)
        if len(assembled.code) > MAX_CODE_SIZE:
            raise CompileError(f"the contract compiles to {len(assembled.code)} bytes; the "
                               f"limit is {MAX_CODE_SIZE}: split it into smaller contracts")
        public = tuple(FunctionABI(f.name, tuple(f.params), f.outputs, f.payable)
                       for f in self.functions.values() if f.public and f.name != INIT)
        init = self.functions.get(INIT)
        constructor = (FunctionABI(INIT, tuple(init.params), (), init.payable)
                       if init is not None else None)
        abi = ContractABI(self.name, public, tuple(self.events.values()),
                          tuple(self.storage.values()), constructor)
        remember(assembled.code, SourceMap(self.source, assembled.lines,
                                           self.regions(assembled.labels), self.name))
        return CompiledContract(self.name, assembled.code, abi, self.source, assembled.lines,
                                tuple(self.items))

    def regions(self, labels: dict[str, int]) -> tuple[tuple[int, str], ...]:
        """Where each function's code starts (its entry in the dispatcher, and its body);
        the dispatcher and the shared revert stubs belong to no function."""
        named = [(0, "")]
        for info in self.functions.values():
            named += [(labels[label], info.name) for label in (f"entry_{info.name}", info.label)
                      if label in labels]
        named += [(labels[label], "") for label in self.reverts.values()]
        return tuple(sorted(named))

    def module(self) -> ast.ClassDef:
        cls = None
        for node in self.tree.body:
            if _is_docstring(node):
                continue
            if isinstance(node, ast.ImportFrom) and node.module == LANG_MODULE:
                continue
            if isinstance(node, ast.Assign):
                self.constant(node, self.constants)
                continue
            if isinstance(node, ast.ClassDef):
                if _is_interface(node):
                    self.interface(node)
                    continue
                if cls is not None:
                    raise _error(node, "one contract per source: this is a second class "
                                       "(another contract's methods go in a "
                                       "'class Name(Interface):')")
                cls = node
                continue
            raise self.unsupported(node, "at the top of a contract only the class, constants "
                                         f"and 'from {LANG_MODULE} import *' are allowed")
        if cls is None:
            raise CompileError("no contract found: write one class with its state and "
                               "functions", 1, 1)
        if cls.decorator_list or cls.keywords or any(
                not (isinstance(b, ast.Name) and b.id == "Contract") for b in cls.bases):
            raise _error(cls, "a contract is a plain class: no base classes or decorators")
        self.name = cls.name
        return cls

    def interface(self, node: ast.ClassDef) -> None:
        """Read ``class Name(Interface):``: the methods another contract offers."""
        if node.decorator_list or node.keywords:
            raise _error(node, "an interface is a plain class: class Name(Interface):")
        if node.name in self.interfaces or node.name in self.constants:
            raise _error(node, f"{node.name} is declared twice")
        methods: dict[str, InterfaceMethod] = {}
        for item in node.body:
            if _is_docstring(item) or isinstance(item, ast.Pass):
                continue
            if not isinstance(item, ast.FunctionDef):
                raise _error(item, "an interface holds only methods: "
                                   "def name(self, who: address) -> bool: ...")
            if item.decorator_list:
                raise _error(item, "interface methods take no decorators")
            body = [b for b in item.body if not _is_docstring(b)]
            if any(not (isinstance(b, ast.Pass) or (isinstance(b, ast.Expr)
                        and isinstance(b.value, ast.Constant) and b.value.value is Ellipsis))
                   for b in body):
                raise _error(item, f"{node.name}.{item.name} runs in the other contract: "
                                   "write its body as ...")
            args = item.args
            if (args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg
                    or args.defaults or not args.args or args.args[0].arg != "self"):
                raise _error(item, "interface methods take self, then plain 'name: type' "
                                   "arguments")
            if item.name in methods:
                raise _error(item, f"{node.name}.{item.name} is declared twice")
            params = []
            for arg in args.args[1:]:
                if arg.annotation is None:
                    raise _error(arg, f"give argument {arg.arg} a type: int, bool or address")
                params.append((arg.arg, self.value_type(arg.annotation, allow_list=False)))
            outputs = self.return_type(item.returns, public=True)
            if len(outputs) > 1:
                raise _error(item, "a call to another contract takes back one value: "
                                   "declare one int, bool or address (or nothing)")
            methods[item.name] = InterfaceMethod(node.name, item.name, tuple(params),
                                                 outputs[0] if outputs else Kind.NONE)
        self.interfaces[node.name] = methods

    def constant(self, node: ast.Assign, table: dict[str, int]) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            raise _error(node, "a constant is one NAME = whole number")
        name = node.targets[0].id
        value = self.fold(node.value)
        if value is None:
            raise _error(node.value, f"constant {name} must be a whole number computed from "
                                     "literals and other constants")
        if name in self.constants or name in self.class_constants:
            raise _error(node, f"constant {name} is defined twice")
        table[name] = value

    def declarations(self, cls: ast.ClassDef) -> None:
        slot = 0
        for node in cls.body:
            if _is_docstring(node) or isinstance(node, ast.Pass):
                continue
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                name = node.target.id
                if node.value is not None:
                    raise _error(node, f"state starts at zero: give {name} its starting value "
                                       "in __init__")
                self.check_new_name(node, name)
                kind = self.storage_type(node.annotation)
                self.storage[name] = StorageVar(name, kind, slot)
                slot += slots_used(kind)
            elif isinstance(node, ast.Assign):
                if (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                        and node.value.func.id == "Event"):
                    self.event(node)
                else:
                    self.constant(node, self.class_constants)
            elif isinstance(node, ast.FunctionDef):
                self.check_new_name(node, node.name)
                self.functions[node.name] = self.signature(node)
            else:
                raise self.unsupported(node, "a contract's body holds state variables "
                                             "(name: type), events, constants and methods")
        for name in self.class_constants:
            if name in self.storage or name in self.functions:
                raise CompileError(f"{name} is both a constant and a state variable or method")
        selectors: dict[int, str] = {}
        for info in self.functions.values():
            if info.public:
                other = selectors.setdefault(selector(info.name), info.name)
                if other != info.name:
                    raise _error(info.node, f"functions {other} and {info.name} have the same "
                                            "selector: rename one")

    def check_new_name(self, node: ast.AST, name: str) -> None:
        if name in RESERVED:
            raise _error(node, f"self.{name} is built in; choose another name")
        if name in self.storage or name in self.functions or name in self.events:
            raise _error(node, f"{name} is declared twice")

    def event(self, node: ast.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            raise _error(node, "declare an event as Name = Event(field=type, ...)")
        name = node.targets[0].id
        call = node.value
        if not isinstance(call, ast.Call) or call.args:
            raise _error(call, "name the event's fields: Event(sender=address, amount=int)")
        if len(name) > TEXT_WORD_BYTES or not name.isascii():
            raise _error(node, f"event names are ASCII and at most {TEXT_WORD_BYTES} "
                               "characters")
        self.check_new_name(node, name)
        fields = []
        for keyword in call.keywords:
            kind = self.value_type(keyword.value, allow_list=False)
            fields.append((keyword.arg or "", kind))
        self.events[name] = EventABI(name, tuple(fields))

    def signature(self, node: ast.FunctionDef) -> FunctionInfo:
        decorators = []
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Name) and decorator.id in ("public", "payable")):
                raise _error(decorator, "the only decorators are @public and @payable")
            decorators.append(decorator.id)
        args = node.args
        if args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg or args.defaults:
            raise _error(node, "arguments are plain 'name: type' (no defaults, *args or "
                               "keyword-only arguments)")
        if not args.args or args.args[0].arg != "self":
            raise _error(node, f"method {node.name} must take self first")
        if node.name.startswith("__") and node.name != INIT:
            raise _error(node, f"{node.name}: the only special method is __init__")
        public = bool(decorators) or node.name == INIT
        params = []
        for arg in args.args[1:]:
            if arg.annotation is None:
                raise _error(arg, f"give argument {arg.arg} a type: int, bool or address")
            kind = self.value_type(arg.annotation, allow_list=not public)
            params.append((arg.arg, kind))
        outputs = self.return_type(node.returns, public)
        if node.name == INIT and outputs:
            raise _error(node, "__init__ returns nothing")
        return FunctionInfo(node.name, node, params, outputs, public, "payable" in decorators)

    def value_type(self, node: ast.expr, allow_list: bool) -> Kind:
        if isinstance(node, ast.Name) and node.id in SCALARS:
            return Kind(node.id)
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id == "list" and isinstance(node.slice, ast.Name)
                and node.slice.id == "int"):
            if not allow_list:
                raise _error(node, "memory lists are only for locals and internal methods; "
                                   "public functions and events take int, bool and address")
            return Kind.LIST
        raise _error(node, "expected a type: int, bool or address"
                           + (" (or list[int] for a memory list)" if allow_list else ""))

    def return_type(self, node: ast.expr | None, public: bool) -> tuple[Kind, ...]:
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return ()
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and node.value.id == "tuple"):
            if not public:
                raise _error(node, "only public functions return several values; internal "
                                   "methods return one")
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return tuple(self.value_type(part, allow_list=False) for part in parts)
        return (self.value_type(node, allow_list=not public),)

    def storage_type(self, node: ast.expr) -> StorageType:
        if isinstance(node, ast.Name) and node.id in SCALARS:
            return node.id
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if node.value.id == "Map" and len(parts) == 2:
                key = self.storage_type(parts[0])
                if not isinstance(key, str):
                    raise _error(parts[0], "map keys are int, bool or address")
                return MapType(key, self.storage_type(parts[1]))
            if node.value.id == "Array" and len(parts) == 2:
                capacity = self.fold(parts[1])
                if capacity is None or not 1 <= capacity <= MAX_ARRAY_CAPACITY:
                    raise _error(parts[1], "an Array's capacity is a whole number from 1 to "
                                           f"{MAX_ARRAY_CAPACITY}")
                return ArrayType(self.storage_type(parts[0]), capacity)
            if node.value.id == "list":
                raise _error(node, "in storage a list needs a capacity: Array[int, 1000]")
        raise _error(node, "expected a state type: int, bool, address, Map[K, V] or "
                           "Array[T, capacity]")

    # -- constants -------------------------------------------------------------------------

    def fold(self, node: ast.expr) -> int | None:
        """The value of a constant integer expression, or None if it is not one."""
        if isinstance(node, ast.Constant):
            value = node.value
            return value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self"):
            return self.class_constants.get(node.attr)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.fold(node.operand)
            if value is None:
                return None
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            left, right = self.fold(node.left), self.fold(node.right)
            if left is None or right is None:
                return None
            op = type(node.op)
            if op in (ast.FloorDiv, ast.Mod) and right == 0:
                raise _error(node, "division by zero in a constant")
            if op is ast.Pow and (right < 0 or right > 256):
                raise _error(node, "a constant power needs an exponent from 0 to 256")
            functions = {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__,
                         ast.FloorDiv: int.__floordiv__, ast.Mod: int.__mod__,
                         ast.Pow: int.__pow__}
            if op not in functions:
                return None
            value = functions[op](left, right)
            if not INT_MIN <= value <= INT_MAX:
                raise _error(node, f"constant {value} is outside the word range "
                                   "-2**255 .. 2**255 - 1")
            return value
        return None

    # -- code --------------------------------------------------------------------------------

    def emit(self, name: str, arg: int | str | None = None) -> None:
        self.items.append(Op(name, arg, self.line))

    def label(self, hint: str) -> str:
        self.labels += 1
        return f"{hint}_{self.labels}"

    def place_label(self, label: str) -> None:
        self.items.append(Label(label))
        self.emit("JUMPDEST")

    def revert_label(self, reason: str, node: ast.AST) -> str:
        """The shared REVERT stub for ``reason`` (written once, at the end of the code)."""
        if not reason.isascii() or len(reason) > MAX_REASON:
            raise _error(node, f"a reason is ASCII text of at most {MAX_REASON} characters")
        if reason not in self.reverts:
            self.reverts[reason] = f"revert_{len(self.reverts) + 1}"
        return self.reverts[reason]

    def dispatcher(self, cls: ast.ClassDef) -> None:
        """Code at pc 0: find the function the call data names and check its arguments."""
        self.line = cls.lineno
        entries = [f for f in self.functions.values() if f.public]
        self.emit("PUSH", 0)
        self.emit("CALLDATA")
        for info in entries:
            self.emit("DUP", 1)
            self.emit("PUSH", selector(info.name))
            self.emit("EQ")
            self.emit("JUMPI", f"entry_{info.name}")
        self.emit("JUMP", self.revert_label("unknown function", cls))
        for info in entries:
            self.line = info.node.lineno
            self.place_label(f"entry_{info.name}")
            self.emit("POP")
            if not info.payable:
                self.emit("CALLVALUE")
                self.emit("JUMPI", self.revert_label(
                    f"{info.name} does not accept tokens (not @payable)", info.node))
            count = self.revert_label(f"{info.name} takes {len(info.params)} argument(s)",
                                      info.node)
            self.emit("CALLDATASIZE")
            self.emit("PUSH", len(info.params) + 1)
            self.emit("EQ")
            self.emit("ISZERO")
            self.emit("JUMPI", count)
            for k, (arg, kind) in enumerate(info.params, start=1):
                self.emit("PUSH", k)
                self.emit("CALLDATA")
                if kind in (Kind.ADDRESS, Kind.BOOL):
                    self.emit_word_check(kind, self.revert_label(
                        f"{info.name}: argument {arg} must be "
                        + ("an address" if kind == Kind.ADDRESS else "True or False"), info.node))
            self.emit("CALL", info.label)
            self.emit("RETURN", len(info.outputs))

    def emit_word_check(self, kind: Kind, fail: str) -> None:
        """Jump to ``fail`` unless the word on top is a ``kind`` (bool: 0 or 1; address:
        0 <= word < 2**160); the word stays on the stack."""
        self.emit("DUP", 1)
        self.emit("PUSH", 0)
        self.emit("LT")
        self.emit("JUMPI", fail)
        self.emit("DUP", 1)
        self.emit("PUSH", ADDRESS_LIMIT - 1 if kind == Kind.ADDRESS else 1)
        self.emit("GT")
        self.emit("JUMPI", fail)

    def unsupported(self, node: ast.AST, default: str) -> CompileError:
        hint = UNSUPPORTED.get(type(node), default)
        return _error(node, f"{_what(node)} is not in the contract language: {hint}")


@dataclass
class Loop:
    """Where break and continue go inside the innermost loop."""

    top: str
    end: str
    cont: str
    continued: bool = False


class FunctionCompiler:
    """Compiles one method body into an internal function."""

    def __init__(self, contract: ContractCompiler, info: FunctionInfo) -> None:
        self.contract = contract
        self.info = info
        self.locals: dict[str, tuple[int, str]] = {}
        self.loops: list[Loop] = []
        self.hidden = 0

    # -- helpers -----------------------------------------------------------------------

    def emit(self, name: str, arg: int | str | None = None) -> None:
        self.contract.emit(name, arg)

    def at(self, node: ast.AST) -> None:
        if hasattr(node, "lineno"):
            self.contract.line = node.lineno

    def new_local(self, name: str, kind: Kind, node: ast.AST) -> int:
        if len(self.locals) >= MAX_LOCALS:
            raise _error(node, f"{self.info.name} has more than {MAX_LOCALS} local variables")
        self.locals[name] = (len(self.locals), kind)
        return self.locals[name][0]

    def temp(self, node: ast.AST, kind: Kind = Kind.INT) -> int:
        self.hidden += 1
        return self.new_local(f".{self.hidden}", kind, node)

    def bind(self, name: str, kind: Kind, node: ast.AST) -> int:
        """The local for ``name``, created on first assignment; its type never changes."""
        if name in self.contract.constants:
            raise _error(node, f"{name} is a constant; it cannot be assigned")
        if name in ("self", "msg", "block") or name in SCALARS:
            raise _error(node, f"{name} is built in; choose another name")
        if name not in self.locals:
            return self.new_local(name, kind, node)
        index, have = self.locals[name]
        if have != kind:
            raise _error(node, f"{name} holds {_show(have)}; it cannot be given "
                               f"{_show(kind)}")
        return index

    def expect(self, node: ast.AST, kind: Kind, want: Kind, what: str) -> None:
        if kind != want:
            raise _error(node, f"{what} must be {_show(want)}, got {_show(kind)}")

    # -- the function ----------------------------------------------------------------------

    def compile(self) -> None:
        info = self.info
        self.at(info.node)
        for name, kind in info.params:
            if name in self.locals:
                raise _error(info.node, f"argument {name} appears twice")
            self.new_local(name, kind, info.node)
        self.contract.place_label(info.label)
        for name, _ in reversed(info.params):
            self.emit("STORE", self.locals[name][0])
        body = [s for s in info.node.body if not _is_docstring(s)]
        self.statements(body)
        if info.outputs:
            if not _returns(body):
                raise _error(info.node, f"{info.name} promises to return "
                                        f"{', '.join(info.outputs)}: end it with a return")
        elif not _terminates(body):
            self.emit("RET")

    def statements(self, body: list[ast.stmt]) -> None:
        for node in body:
            self.statement(node)

    def statement(self, node: ast.stmt) -> None:
        self.at(node)
        handler = getattr(self, f"stmt_{type(node).__name__}", None)
        if handler is None:
            raise self.contract.unsupported(node, "this statement is not in the contract "
                                                  "language")
        handler(node)

    # -- statements ----------------------------------------------------------------------

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
        if isinstance(func, ast.Name) and func.id in ("require", "revert", "emit", "send"):
            getattr(self, f"call_{func.id}")(value)
            return
        if (isinstance(func, ast.Attribute) and func.attr in ("append", "clear")
                and self.is_storage(func.value)):
            self.array_method(value)
            return
        kind = self.call(value, statement=True)
        if kind != Kind.NONE:
            self.emit("POP")

    def stmt_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1:
            raise _error(node, "assign one target at a time (a = b = 0 is not supported)")
        target = node.targets[0]
        if isinstance(target, ast.Tuple):
            self.tuple_assign(target, node.value)
            return
        kind = self.expr(node.value)
        self.store(target, kind)

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        if not isinstance(node.target, ast.Name):
            raise _error(node, "annotate only local variables: x: int = 0")
        if node.value is None:
            raise _error(node, f"give {node.target.id} a starting value: "
                               f"{node.target.id}: int = 0")
        want = self.contract.value_type(node.annotation, allow_list=True)
        kind = self.expr(node.value)
        self.expect(node.value, kind, want, f"the value of {node.target.id}")
        self.store(node.target, kind)

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        op = BINARY.get(type(node.op))
        if op is None:
            raise _error(node, BINARY_HINT.get(type(node.op), "use +=, -=, *=, //= or %="))
        target = node.target
        if isinstance(target, ast.Name):
            if target.id not in self.locals:
                raise _error(target, f"{target.id} has no value yet: assign it first")
            index, kind = self.locals[target.id]
            self.expect(target, kind, Kind.INT, target.id)
            self.emit("LOAD", index)
            self.expect(node.value, self.expr(node.value), Kind.INT, "the right-hand side")
            self.emit(op)
            self.emit("STORE", index)
        elif self.is_storage(target):
            kind = self.place(target)
            self.expect(target, kind, Kind.INT, "the target")
            self.emit("DUP", 1)
            self.emit("SLOAD")
            self.expect(node.value, self.expr(node.value), Kind.INT, "the right-hand side")
            self.emit(op)
            self.emit("SWAP", 1)
            self.emit("SSTORE")
        elif isinstance(target, ast.Subscript):
            self.memory_element(target)
            self.emit("DUP", 2)
            self.emit("DUP", 2)
            self.emit("ALOAD")
            self.expect(node.value, self.expr(node.value), Kind.INT, "the right-hand side")
            self.emit(op)
            self.emit("SWAP", 2)
            self.emit("SWAP", 1)
            self.emit("ASTORE")
        else:
            raise _error(target, "you can only update a local, self.<state> or an element")

    def stmt_If(self, node: ast.If) -> None:
        otherwise = self.contract.label("else")
        self.condition(node.test, otherwise, jump_if=False)
        self.statements(node.body)
        if node.orelse:
            end = self.contract.label("endif")
            ends = _terminates(node.body)
            if not ends:
                self.emit("JUMP", end)
            self.contract.place_label(otherwise)
            self.statements(node.orelse)
            if not ends:
                self.contract.place_label(end)
        else:
            self.contract.place_label(otherwise)

    def stmt_While(self, node: ast.While) -> None:
        if node.orelse:
            raise _error(node, "else on loops is not supported: put the code after the loop")
        loop = Loop(self.contract.label("while"), self.contract.label("endwhile"), "")
        loop.cont = loop.top
        self.contract.place_label(loop.top)
        self.condition(node.test, loop.end, jump_if=False)
        self.loops.append(loop)
        self.statements(node.body)
        self.loops.pop()
        self.emit("JUMP", loop.top)
        self.contract.place_label(loop.end)

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
            folded = self.contract.fold(args[2])
            if not folded:
                raise _error(args[2], "the step of range(...) is a non-zero constant")
            step = folded
        start, stop = (args[0], args[1]) if len(args) >= 2 else (ast.Constant(0), args[0])
        ast.copy_location(start, call)
        self.expect(start, self.expr(start), Kind.INT, "the start of range(...)")
        counter = self.bind(name, Kind.INT, node.target)
        self.emit("STORE", counter)
        self.expect(stop, self.expr(stop), Kind.INT, "the end of range(...)")
        limit = self.temp(node)
        self.emit("STORE", limit)
        loop = Loop(self.contract.label("for"), self.contract.label("endfor"),
                    self.contract.label("next"))
        self.contract.place_label(loop.top)
        self.emit("LOAD", counter)
        self.emit("LOAD", limit)
        self.emit("LT" if step > 0 else "GT")
        self.emit("ISZERO")
        self.emit("JUMPI", loop.end)
        self.loops.append(loop)
        self.statements(node.body)
        self.loops.pop()
        self.at(node)
        if loop.continued:
            self.contract.place_label(loop.cont)
        self.emit("LOAD", counter)
        self.emit("PUSH", step)
        self.emit("ADD")
        self.emit("STORE", counter)
        self.emit("JUMP", loop.top)
        self.contract.place_label(loop.end)

    def stmt_Break(self, node: ast.Break) -> None:
        if not self.loops:
            raise _error(node, "break outside a loop")
        self.emit("JUMP", self.loops[-1].end)

    def stmt_Continue(self, node: ast.Continue) -> None:
        if not self.loops:
            raise _error(node, "continue outside a loop")
        self.loops[-1].continued = True
        self.emit("JUMP", self.loops[-1].cont)

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
        self.emit("RET")

    # -- assignment --------------------------------------------------------------------

    def store(self, target: ast.expr, kind: Kind) -> None:
        """Assign the value on top of the stack to ``target``."""
        self.at(target)
        if isinstance(target, ast.Name):
            self.emit("STORE", self.bind(target.id, kind, target))
        elif self.is_storage(target):
            want = self.place(target)
            if not isinstance(want, str):
                raise _error(target, f"assign to an element, not the whole {want}")
            self.expect(target, kind, want, "the value")
            self.emit("SSTORE")
        elif isinstance(target, ast.Subscript):
            self.expect(target, kind, Kind.INT, "a memory list element")
            self.memory_element(target)
            self.emit("ASTORE")
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
        temps = [self.temp(target, kind) for kind in kinds]
        for index in reversed(temps):
            self.emit("STORE", index)
        for t, index, kind in zip(target.elts, temps, kinds):
            self.emit("LOAD", index)
            self.store(t, kind)

    # -- storage places --------------------------------------------------------------------

    def is_storage(self, node: ast.expr) -> bool:
        while isinstance(node, ast.Subscript):
            node = node.value
        return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self" and node.attr in self.contract.storage)

    def root_name(self, node: ast.expr) -> str:
        while isinstance(node, ast.Subscript):
            node = node.value
        return node.attr if isinstance(node, ast.Attribute) else "?"

    def place(self, node: ast.expr) -> StorageType:
        """Push the storage slot of ``self.x``, ``self.m[k]``, ``self.a[i]`` ...; its type."""
        self.at(node)
        if isinstance(node, ast.Attribute):
            var = self.contract.storage[node.attr]
            self.emit("PUSH", var.slot)
            return var.kind
        if not isinstance(node, ast.Subscript):
            raise _error(node, "expected self.<state>, self.<map>[key] or self.<array>[i]")
        if isinstance(node.slice, ast.Slice):
            raise _error(node, UNSUPPORTED[ast.Slice])
        base = self.place(node.value)
        where = f"self.{self.root_name(node)}"
        if isinstance(base, MapType):
            key = self.expr(node.slice)
            self.expect(node.slice, key, base.key, f"a key of {where}")
            self.emit("HASH")
            return base.value
        if isinstance(base, ArrayType):
            constant = self.contract.fold(node.slice)
            if constant is not None and not 0 <= constant < base.capacity:
                raise _error(node.slice, f"index {constant} is out of range for {where}, "
                                         f"{_show(base)}: expected 0 <= index < "
                                         f"{base.capacity}")
            self.expect(node.slice, self.expr(node.slice), Kind.INT, f"an index of {where}")
            fail = self.contract.revert_label(f"index out of range for {where}", node)
            self.emit("DUP", 1)
            self.emit("PUSH", 0)
            self.emit("LT")
            self.emit("JUMPI", fail)
            if isinstance(base.element, str):       # a list: check against its length
                self.emit("DUP", 2)
                self.emit("SLOAD")
                self.emit("DUP", 2)
                self.emit("GT")
                self.emit("ISZERO")
            else:                                   # fixed size: check against capacity
                self.emit("DUP", 1)
                self.emit("PUSH", base.capacity)
                self.emit("LT")
                self.emit("ISZERO")
            self.emit("JUMPI", fail)
            self.element_slot(base)
            return base.element
        raise _error(node, f"{where} is {_show(base)}, not a map or an array")

    def element_slot(self, array: ArrayType) -> None:
        """[seed, index] -> [slot of that element]."""
        size = slots_used(array.element)
        if size != 1:
            self.emit("PUSH", size)
            self.emit("MUL")
        self.emit("ADD")
        self.emit("PUSH", 1)
        self.emit("ADD")

    def array_place(self, node: ast.expr) -> ArrayType:
        if not self.is_storage(node):
            raise _error(node, "append, pop and clear work on storage arrays (self.<name>)")
        kind = self.place(node)
        if not isinstance(kind, ArrayType):
            raise _error(node, f"self.{self.root_name(node)} is {_show(kind)}, not an Array")
        return kind

    def array_method(self, call: ast.Call) -> Kind:
        func = call.func
        if not isinstance(func, ast.Attribute):
            raise _error(call, "expected self.<array>.append(v), .pop() or .clear()")
        where = f"self.{self.root_name(func.value)}"
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
            full = self.contract.revert_label(f"{where} is full ({array.capacity} items)", call)
            self.emit("DUP", 1)
            self.emit("SLOAD")
            self.emit("DUP", 1)
            self.emit("PUSH", array.capacity)
            self.emit("LT")
            self.emit("ISZERO")
            self.emit("JUMPI", full)
            self.emit("DUP", 1)
            self.emit("PUSH", 1)
            self.emit("ADD")
            self.emit("DUP", 3)
            self.emit("SSTORE")
            self.element_slot(array)
            self.emit("SSTORE")
            return Kind.NONE
        if call.args or call.keywords:
            raise _error(call, f"{method}() takes no arguments")
        array = self.array_place(func.value)
        if method == "clear":
            self.emit("PUSH", 0)
            self.emit("SWAP", 1)
            self.emit("SSTORE")
            return Kind.NONE
        if not isinstance(array.element, str):
            raise _error(call, "pop works on arrays of numbers, booleans or addresses")
        empty = self.contract.revert_label(f"pop from empty {where}", call)
        self.emit("DUP", 1)
        self.emit("SLOAD")
        self.emit("DUP", 1)
        self.emit("ISZERO")
        self.emit("JUMPI", empty)
        self.emit("PUSH", 1)
        self.emit("SUB")
        self.emit("DUP", 1)
        self.emit("DUP", 3)
        self.emit("SSTORE")
        self.element_slot(array)
        self.emit("DUP", 1)
        self.emit("SLOAD")
        self.emit("PUSH", 0)
        self.emit("DUP", 3)
        self.emit("SSTORE")
        self.emit("SWAP", 1)
        self.emit("POP")
        return array.element

    def memory_element(self, node: ast.Subscript) -> None:
        """Push [handle, index] for ``xs[i]`` where xs is a local memory list."""
        if type(node.value) in UNSUPPORTED:
            raise self.contract.unsupported(node.value, "")
        if not (isinstance(node.value, ast.Name) and node.value.id in self.locals):
            raise _error(node, "index a local memory list (xs = [0] * n) or self.<state>")
        index, kind = self.locals[node.value.id]
        self.expect(node.value, kind, Kind.LIST, node.value.id)
        if isinstance(node.slice, ast.Slice):
            raise _error(node, UNSUPPORTED[ast.Slice])
        self.emit("LOAD", index)
        self.expect(node.slice, self.expr(node.slice), Kind.INT, "an index")

    # -- conditions ------------------------------------------------------------------------

    def condition(self, node: ast.expr, label: str, jump_if: bool) -> None:
        """Jump to ``label`` when ``node`` is ``jump_if``; fall through otherwise."""
        self.at(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            if node.value == jump_if:
                self.emit("JUMP", label)
            return
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.condition(node.operand, label, not jump_if)
            return
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            if is_and != jump_if:
                # and-jump-if-false / or-jump-if-true: any one operand decides
                for value in node.values:
                    self.condition(value, label, jump_if)
                return
            skip = self.contract.label("skip")
            for value in node.values[:-1]:
                self.condition(value, skip, not jump_if)
            self.condition(node.values[-1], label, jump_if)
            self.contract.place_label(skip)
            return
        if isinstance(node, ast.Compare):
            op, negate = self.comparison(node)
            self.emit(op)
            if negate == jump_if:
                self.emit("ISZERO")
            self.emit("JUMPI", label)
            return
        kind = self.expr(node)
        if kind not in (Kind.BOOL, Kind.INT):
            raise _error(node, f"a condition is a bool (or an int), got {_show(kind)}")
        if not jump_if:
            self.emit("ISZERO")
        self.emit("JUMPI", label)

    def comparison(self, node: ast.Compare) -> tuple[str, bool]:
        if len(node.ops) != 1:
            raise _error(node, "write one comparison at a time: a < b and b < c")
        op = type(node.ops[0])
        if op not in COMPARE:
            hint = ("use == or !=" if op in (ast.Is, ast.IsNot)
                    else "use a Map lookup or a loop")
            raise _error(node, f"{op.__name__} is not in the contract language: {hint}")
        left = self.expr(node.left)
        right = self.expr(node.comparators[0])
        if op in (ast.Eq, ast.NotEq):
            if left != right or left == Kind.LIST:
                raise _error(node, f"cannot compare {_show(left)} with {_show(right)}")
        else:
            self.expect(node.left, left, Kind.INT, "the left side of a comparison")
            self.expect(node.comparators[0], right, Kind.INT, "the right side of a comparison")
        return COMPARE[op]

    # -- expressions -------------------------------------------------------------------------

    def expr(self, node: ast.expr) -> Kind:
        """Push the value of ``node``; return its ``Kind``."""
        self.at(node)
        value = self.contract.fold(node)
        if value is not None:
            self.emit("PUSH", value)
            return Kind.INT
        handler = getattr(self, f"expr_{type(node).__name__}", None)
        if handler is None:
            raise self.contract.unsupported(node, "this expression is not in the contract "
                                                  "language")
        return handler(node)

    def expr_Constant(self, node: ast.Constant) -> Kind:
        if isinstance(node.value, bool):
            self.emit("PUSH", int(node.value))
            return Kind.BOOL
        if isinstance(node.value, int):
            raise _error(node, f"{node.value} is outside the word range -2**255 .. 2**255 - 1")
        if isinstance(node.value, float):
            raise _error(node, "no floats on chain: use whole numbers (Wh, token units)")
        if isinstance(node.value, str):
            raise _error(node, "text exists only as require/revert reasons and event names")
        if node.value is None:
            raise _error(node, "None is not a value in the contract language: every variable "
                               "holds a word, so say 'nothing' with 0, False or the zero "
                               "address, or keep a separate bool such as has_value")
        raise _error(node, f"{node.value!r} is not a value in the contract language")

    def expr_Name(self, node: ast.Name) -> Kind:
        if node.id in self.locals:
            index, kind = self.locals[node.id]
            self.emit("LOAD", index)
            return kind
        hints = {"msg": "use msg.sender or msg.value", "block": "use block.number or "
                 "block.timestamp", "self": "use self.<state variable>",
                 "print": "there is no printing on chain: emit an event",
                 "None": "there is no None: use 0 or False"}
        if node.id in self.contract.storage or node.id in self.contract.class_constants:
            raise _error(node, f"write self.{node.id}")
        raise _error(node, f"unknown name {node.id!r}: "
                           + hints.get(node.id, "assign a local first, or declare state in "
                                                "the class and use self.<name>"))

    def expr_Attribute(self, node: ast.Attribute) -> Kind:
        base = node.value
        if isinstance(base, ast.Name):
            context = {("msg", "sender"): ("CALLER", Kind.ADDRESS),
                       ("msg", "value"): ("CALLVALUE", Kind.INT),
                       ("block", "number"): ("NUMBER", Kind.INT),
                       ("block", "timestamp"): ("TIMESTAMP", Kind.INT),
                       ("self", "address"): ("ADDRESS", Kind.ADDRESS)}
            if (base.id, node.attr) in context:
                op, kind = context[(base.id, node.attr)]
                self.emit(op)
                return kind
            if (base.id, node.attr) == ("self", "balance"):
                self.emit("ADDRESS")
                self.emit("BALANCE")
                return Kind.INT
            if base.id in ("msg", "block"):
                raise _error(node, f"{base.id}.{node.attr} does not exist: "
                                   + ("msg has sender and value" if base.id == "msg"
                                      else "block has number and timestamp"))
        if self.is_storage(node):
            return self.read_place(node)
        if isinstance(base, ast.Name) and base.id == "self":
            if node.attr in self.contract.functions:
                raise _error(node, f"call the method: self.{node.attr}(...)")
            raise _error(node, f"self.{node.attr} is not declared: add '{node.attr}: int' "
                               "(or another type) to the class body")
        raise _error(node, "attributes exist only on self, msg and block")

    def read_place(self, node: ast.expr) -> Kind:
        kind = self.place(node)
        if not isinstance(kind, str):
            raise _error(node, f"self.{self.root_name(node)} is {_show(kind)}: read one "
                               "element, e.g. [key]")
        self.emit("SLOAD")
        return kind

    def expr_Subscript(self, node: ast.Subscript) -> Kind:
        if self.is_storage(node):
            return self.read_place(node)
        self.memory_element(node)
        self.emit("ALOAD")
        return Kind.INT

    def expr_BinOp(self, node: ast.BinOp) -> Kind:
        if (isinstance(node.op, ast.Mult) and isinstance(node.left, ast.List)
                and len(node.left.elts) == 1 and isinstance(node.left.elts[0], ast.Constant)
                and node.left.elts[0].value == 0):
            self.expect(node.right, self.expr(node.right), Kind.INT, "the length of a list")
            self.emit("ALLOC")
            return Kind.LIST
        op = BINARY.get(type(node.op))
        if op is None:
            raise _error(node, BINARY_HINT.get(type(node.op), "not an operator of the "
                                                              "contract language"))
        self.expect(node.left, self.expr(node.left), Kind.INT, "arithmetic")
        self.expect(node.right, self.expr(node.right), Kind.INT, "arithmetic")
        self.emit(op)
        return Kind.INT

    def expr_UnaryOp(self, node: ast.UnaryOp) -> Kind:
        if isinstance(node.op, ast.Not):
            kind = self.expr(node.operand)
            if kind not in (Kind.BOOL, Kind.INT):
                raise _error(node, f"'not' needs a bool, got {_show(kind)}")
            self.emit("ISZERO")
            return Kind.BOOL
        if isinstance(node.op, ast.USub):
            self.emit("PUSH", 0)
            self.expect(node.operand, self.expr(node.operand), Kind.INT, "a negated value")
            self.emit("SUB")
            return Kind.INT
        if isinstance(node.op, ast.UAdd):
            kind = self.expr(node.operand)
            self.expect(node.operand, kind, Kind.INT, "+x")
            return kind
        raise _error(node, "there are no bitwise operators: use arithmetic")

    def expr_Compare(self, node: ast.Compare) -> Kind:
        op, negate = self.comparison(node)
        self.emit(op)
        if negate:
            self.emit("ISZERO")
        return Kind.BOOL

    def expr_BoolOp(self, node: ast.BoolOp) -> Kind:
        end = self.contract.label("boolop")
        last = len(node.values) - 1
        for i, value in enumerate(node.values):
            kind = self.expr(value)
            if kind != Kind.BOOL:
                raise _error(value, "and/or combine conditions (bool); for a number write "
                                    "x != 0")
            if i < last:
                self.emit("DUP", 1)
                if isinstance(node.op, ast.And):
                    self.emit("ISZERO")
                self.emit("JUMPI", end)
                self.emit("POP")
        self.contract.place_label(end)
        return Kind.BOOL

    def expr_IfExp(self, node: ast.IfExp) -> Kind:
        otherwise, end = self.contract.label("else"), self.contract.label("endif")
        self.condition(node.test, otherwise, jump_if=False)
        first = self.expr(node.body)
        self.emit("JUMP", end)
        self.contract.place_label(otherwise)
        second = self.expr(node.orelse)
        self.contract.place_label(end)
        if first != second:
            raise _error(node, f"both branches must have one type, got {_show(first)} and "
                               f"{_show(second)}")
        return first

    def expr_Call(self, node: ast.Call) -> Kind:
        kind = self.call(node, statement=False)
        if kind == Kind.NONE:
            raise _error(node, "this call returns nothing, so it has no value")
        return kind

    # -- calls ---------------------------------------------------------------------------

    def call(self, node: ast.Call, statement: bool) -> Kind:
        func = node.func
        if node.keywords:
            raise _error(node, "pass arguments by position")
        if isinstance(func, ast.Name):
            name = func.id
            if name in ("require", "revert", "emit", "send"):
                raise _error(node, f"{name}(...) is a statement: put it on its own line")
            builtin = getattr(self, f"builtin_{name}", None)
            if builtin is not None:
                return builtin(node)
            if name == "range":
                raise _error(node, "range(...) is only for for-loops")
            if name in self.contract.events:
                raise _error(node, f"emit the event: emit({name}(...))")
            if name in self.contract.interfaces:
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
                    and func.value.func.id in self.contract.interfaces):
                return self.external_call(node, func.value, func.attr)
            if func.attr in ("append", "pop", "clear") and self.is_storage(func.value):
                return self.array_method(node)
            if func.attr in ("append", "pop"):
                raise _error(node, "memory lists have a fixed length: make them with [0] * n "
                                   "and set xs[i]")
            if self.is_storage(func.value):
                where = f"self.{self.root_name(func.value)}"
                if isinstance(self.contract.storage[self.root_name(func.value)].kind, MapType):
                    raise _error(node, f"{where} is a Map, which has no methods such as "
                                       f".{func.attr}(): read an entry with {where}[key] (a "
                                       "key never written reads as 0)")
                raise _error(node, f"{where} has no method .{func.attr}(): a state array has "
                                   "append, pop and clear, and len(...) gives its length")
        raise _error(node, "call a built-in function or a method of self")

    def internal_call(self, node: ast.Call, name: str) -> Kind:
        info = self.contract.functions.get(name)
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
        self.at(node)
        self.emit("CALL", info.label)
        return info.outputs[0] if info.outputs else Kind.NONE

    def external_call(self, node: ast.Call, target: ast.Call, name: str) -> Kind:
        """``Iface(where).name(args)``: push where, the selector, the arguments; XCALL."""
        interface = target.func.id                      # type: ignore[union-attr]
        method = self.contract.interfaces[interface].get(name)
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
        self.emit("PUSH", selector(name))
        for arg, (pname, kind) in zip(node.args, method.params):
            self.expect(arg, self.expr(arg), kind, f"argument {pname} of {interface}.{name}")
        self.at(node)
        self.emit("XCALL", len(method.params))
        if method.output == Kind.NONE:
            self.emit("POP")
        elif method.output in (Kind.BOOL, Kind.ADDRESS):
            self.contract.emit_word_check(method.output, self.contract.revert_label(
                f"{interface}.{name} returned a value that is not "
                + ("True or False" if method.output == Kind.BOOL else "an address"), node))
        return method.output

    def args(self, node: ast.Call, count: int, name: str) -> list[ast.expr]:
        if len(node.args) != count:
            raise _error(node, f"{name} takes {count} argument(s), got {len(node.args)}")
        return node.args

    def builtin_len(self, node: ast.Call) -> Kind:
        (arg,) = self.args(node, 1, "len")
        if self.is_storage(arg):
            array = self.array_place(arg)
            if isinstance(array.element, str):
                self.emit("SLOAD")
            else:
                self.emit("POP")
                self.emit("PUSH", array.capacity)
            return Kind.INT
        self.expect(arg, self.expr(arg), Kind.LIST, "the argument of len")
        self.emit("ALEN")
        return Kind.INT

    def builtin_min(self, node: ast.Call) -> Kind:
        return self.min_max(node, "min", "GT")

    def builtin_max(self, node: ast.Call) -> Kind:
        return self.min_max(node, "max", "LT")

    def min_max(self, node: ast.Call, name: str, op: str) -> Kind:
        a, b = self.args(node, 2, name)
        self.expect(a, self.expr(a), Kind.INT, f"the arguments of {name}")
        self.expect(b, self.expr(b), Kind.INT, f"the arguments of {name}")
        second, end = self.contract.label(f"{name}_b"), self.contract.label(f"{name}_end")
        self.emit("DUP", 2)
        self.emit("DUP", 2)
        self.emit(op)
        self.emit("JUMPI", second)
        self.emit("POP")
        self.emit("JUMP", end)
        self.contract.place_label(second)
        self.emit("SWAP", 1)
        self.emit("POP")
        self.contract.place_label(end)
        return Kind.INT

    def builtin_abs(self, node: ast.Call) -> Kind:
        (a,) = self.args(node, 1, "abs")
        self.expect(a, self.expr(a), Kind.INT, "the argument of abs")
        end = self.contract.label("abs_end")
        self.emit("DUP", 1)
        self.emit("PUSH", 0)
        self.emit("LT")
        self.emit("ISZERO")
        self.emit("JUMPI", end)
        self.emit("PUSH", 0)
        self.emit("SWAP", 1)
        self.emit("SUB")
        self.contract.place_label(end)
        return Kind.INT

    def builtin_int(self, node: ast.Call) -> Kind:
        (a,) = self.args(node, 1, "int")
        kind = self.expr(a)
        if kind not in (Kind.INT, Kind.BOOL):
            raise _error(node, f"int(...) converts a bool, got {_show(kind)}")
        return Kind.INT

    def builtin_bool(self, node: ast.Call) -> Kind:
        (a,) = self.args(node, 1, "bool")
        kind = self.expr(a)
        if kind == Kind.INT:
            self.emit("ISZERO")
            self.emit("ISZERO")
        elif kind != Kind.BOOL:
            raise _error(node, f"bool(...) converts an int, got {_show(kind)}")
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
            word = self.contract.fold(a)
            if word is None or not 0 <= word < ADDRESS_LIMIT:
                raise _error(a, "address(...) takes a literal: address(0) or "
                                "address(\"0x…\"); msg.sender is already an address")
        self.emit("PUSH", word)
        return Kind.ADDRESS

    # -- statements that are calls -----------------------------------------------------------

    def reason(self, node: ast.Call, index: int, default: str) -> str:
        if len(node.args) <= index:
            return default
        arg = node.args[index]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            raise _error(arg, "the reason is a string literal: require(ok, \"why not\")")
        return arg.value

    def call_require(self, node: ast.Call) -> None:
        if not 1 <= len(node.args) <= 2 or node.keywords:
            raise _error(node, "require(condition, \"reason\")")
        reason = self.reason(node, 1, f"requirement failed (line {node.lineno})")
        self.condition(node.args[0], self.contract.revert_label(reason, node), jump_if=False)

    def call_revert(self, node: ast.Call) -> None:
        if len(node.args) > 1 or node.keywords:
            raise _error(node, "revert(\"reason\")")
        reason = self.reason(node, 0, f"reverted (line {node.lineno})")
        self.emit("JUMP", self.contract.revert_label(reason, node))

    def call_emit(self, node: ast.Call) -> None:
        if len(node.args) != 1 or node.keywords or not isinstance(node.args[0], ast.Call):
            raise _error(node, "emit one event: emit(Name(field, ...))")
        event_call = node.args[0]
        name = event_call.func.id if isinstance(event_call.func, ast.Name) else ""
        event = self.contract.events.get(name)
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
        self.at(node)
        self.emit("PUSH", text_to_words(name)[0])
        self.emit("LOG", len(event.fields))

    def call_send(self, node: ast.Call) -> None:
        to, amount = self.args(node, 2, "send")
        self.expect(to, self.expr(to), Kind.ADDRESS, "the recipient of send")
        self.expect(amount, self.expr(amount), Kind.INT, "the amount of send")
        self.at(node)
        self.emit("TRANSFER")


def _show(kind: object) -> str:
    if kind == Kind.LIST:
        return "a memory list"
    if isinstance(kind, MapType):
        return f"a map ({kind})"
    if isinstance(kind, ArrayType):
        return f"an array ({kind})"
    return {Kind.INT: "an int", Kind.BOOL: "a bool", Kind.ADDRESS: "an address",
            "state": "a map or array"}.get(str(kind), str(kind))


def _terminates(body: list[ast.stmt]) -> bool:
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
        return bool(last.orelse) and _terminates(last.body) and _terminates(last.orelse)
    return False


def _returns(body: list[ast.stmt]) -> bool:
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
        return bool(last.orelse) and _returns(last.body) and _returns(last.orelse)
    return False


__all__ = ["CompiledContract", "compile_contract"]
