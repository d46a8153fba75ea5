"""The compiler's first pass: what a contract declares (chapter 07).

``Declarations.read(source, tree)`` walks the top of Python's syntax tree and collects,
without writing any code: the module's constants, the interfaces of other contracts
(``class Name(Interface):``), and the contract class's state variables with their
storage slots, its events, its class constants and every method's signature. That is
everything the ABI says, and what the later passes look names up in: the code generator
(``compiler.py``) never reads a declaration from the tree again.

Errors here are ``CompileError``s with the line and column of the declaration and what to
write instead.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field

from minichain.errors import CompileError
from minichain.vm.abi import (INIT, SCALARS, ArrayType, ContractABI, EventABI, FunctionABI,
                              MapType, StorageType, StorageVar, selector, slots_used)
from minichain.vm.opcodes import INT_MAX, INT_MIN, TEXT_WORD_BYTES


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
DECORATORS = ("public", "payable", "nonreentrant")
# The storage slot of the @nonreentrant lock: every state variable, map entry and array
# element lives at a slot >= 0 (maps hash into [0, 2**248)), so a negative slot is free.
REENTRANCY_LOCK_SLOT = -1

@dataclass
class FunctionInfo:
    """A method's signature, as the rest of the contract sees it."""

    name: str
    node: ast.FunctionDef
    params: list[tuple[str, str]]
    outputs: tuple[str, ...]
    public: bool
    payable: bool
    nonreentrant: bool = False     # its entry takes the contract's reentrancy lock

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




def unsupported(node: ast.AST, default: str) -> CompileError:
    """The error for Python outside the language: what it is, and what to write instead."""
    hint = UNSUPPORTED.get(type(node), default)
    return _error(node, f"{_what(node)} is not in the contract language: {hint}")


@dataclass
class Declarations:
    """What one contract source declares: read once, then only looked up."""

    source: str
    tree: ast.Module
    name: str = ""
    contract: ast.ClassDef | None = None
    constants: dict[str, int] = field(default_factory=dict)
    class_constants: dict[str, int] = field(default_factory=dict)
    storage: dict[str, StorageVar] = field(default_factory=dict)
    events: dict[str, EventABI] = field(default_factory=dict)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    interfaces: dict[str, dict[str, InterfaceMethod]] = field(default_factory=dict)

    @classmethod
    def read(cls, source: str, tree: ast.Module) -> "Declarations":
        """Read every declaration of the module (the first pass)."""
        declared = cls(source, tree)
        declared.contract = declared.module()
        declared.declarations(declared.contract)
        return declared

    def abi(self) -> ContractABI:
        """The contract's interface: public functions, events, storage layout, constructor."""
        public = tuple(FunctionABI(f.name, tuple(f.params), f.outputs, f.payable)
                       for f in self.functions.values() if f.public and f.name != INIT)
        init = self.functions.get(INIT)
        constructor = (FunctionABI(INIT, tuple(init.params), (), init.payable)
                       if init is not None else None)
        return ContractABI(self.name, public, tuple(self.events.values()),
                           tuple(self.storage.values()), constructor)

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
            raise unsupported(node, "at the top of a contract only the class, constants "
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
                raise unsupported(node, "a contract's body holds state variables "
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
            if not (isinstance(decorator, ast.Name) and decorator.id in DECORATORS):
                raise _error(decorator, "the only decorators are @public, @payable and "
                                        "@nonreentrant")
            if decorator.id in decorators:
                raise _error(decorator, f"@{decorator.id} is written twice")
            decorators.append(decorator.id)
        if "nonreentrant" in decorators:
            if node.name == INIT:
                raise _error(node, "__init__ runs once, at deploy, and cannot be re-entered: "
                                   "leave @nonreentrant out")
            if not {"public", "payable"} & set(decorators):
                raise _error(node, f"@nonreentrant guards a function that transactions and "
                                   f"other contracts call: add @public (or @payable) to "
                                   f"{node.name}, or guard the public function that calls it")
        args = node.args
        if args.posonlyargs or args.vararg or args.kwonlyargs or args.kwarg or args.defaults:
            raise _error(node, "arguments are plain 'name: type' (no defaults, *args or "
                               "keyword-only arguments)")
        if not args.args or args.args[0].arg != "self":
            raise _error(node, f"method {node.name} must take self first")
        if node.name.startswith("__") and node.name != INIT:
            raise _error(node, f"{node.name}: the only special method is __init__")
        public = bool({"public", "payable"} & set(decorators)) or node.name == INIT
        params = []
        for arg in args.args[1:]:
            if arg.annotation is None:
                raise _error(arg, f"give argument {arg.arg} a type: int, bool or address")
            kind = self.value_type(arg.annotation, allow_list=not public)
            params.append((arg.arg, kind))
        outputs = self.return_type(node.returns, public)
        if node.name == INIT and outputs:
            raise _error(node, "__init__ returns nothing")
        return FunctionInfo(node.name, node, params, outputs, public, "payable" in decorators,
                            "nonreentrant" in decorators)

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
