"""The contract language: a small subset of Python, compiled to bytecode (chapter 07).

``compile_contract(source)`` reads the source with Python's own ``ast`` parser and runs
three passes over the syntax tree (see ``minichain.vm.lang`` for a one-screen summary of
the language):

1. **declarations** (``declarations.py``): constants, interfaces, state variables and their
   storage slots, events, method signatures: everything the ABI says;
2. **the type check** (``typecheck.py``): the kind of every expression and the slot of
   every local, recorded for the next pass; every error about types and names;
3. **code generation** (this module): assembly (``Op``/``Label`` items) written from the
   first two, with no type logic of its own; the assembler turns it into bytecode.

Anything outside the language is a ``CompileError`` that names the line and column and
says what to write instead. Only the bytecode goes on chain; the ``CompiledContract`` also keeps the
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
* ``@nonreentrant`` (chapter 13) guards a public function's *entry*: the dispatcher
  refuses the call if the contract's lock (storage slot ``REENTRANCY_LOCK_SLOT``, -1,
  where no state variable can be) is set, sets it, calls the function and clears it after.
  One lock serves every guarded function of the contract, so a callee cannot re-enter
  through another guarded function either. A failed call rolls the lock back with
  everything else. Internal calls (``self.f()``) do not pass the entry, so a guarded
  function may call its helpers, guarded or not.
* ``sha256(a, b, ...)`` pushes its words, first argument deepest, and runs ``SHA256 n``.
* **Other contracts** (chapter 08). A source may declare interfaces next to its contract,
  ``class Registry(Interface):`` with methods whose body is ``...``; then
  ``Registry(where).is_household(who)`` pushes the address, the method's selector and the
  arguments and runs ``XCALL``, which leaves the one word the callee returns. A bool or
  address that comes back is checked like a call's arguments are.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from minichain.errors import ABIError, CompileError
from minichain.vm.abi import ArrayType, ContractABI, MapType, selector, slots_used
from minichain.vm.assembler import Label, Op, assemble_items
from minichain.vm.declarations import (MAX_REASON, REENTRANCY_LOCK_SLOT, Declarations,
                                       FunctionInfo, Kind, _error, _is_docstring)
from minichain.vm.typecheck import (BINARY, COMPARE, CONTEXT, STATEMENT_CALLS, Types, check,
                                    is_list_alloc, root_name, terminates)
from minichain.vm.opcodes import ADDRESS_LIMIT, MAX_CODE_SIZE, text_to_words
from minichain.vm.runtime import deploy_data
from minichain.vm.sources import SourceMap, remember





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


def compile_contract(source: str) -> CompiledContract:
    """Compile contract source text into bytecode and its interface."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise CompileError(f"not valid Python: {error.msg}", error.lineno or 0,
                           error.offset or 0) from None
    return ContractCompiler(Declarations.read(source, tree)).compile()


class ContractCompiler:
    """The third pass: writes the code of one contract, the dispatcher and every function,
    from its declarations and what the type check found."""

    def __init__(self, declared: Declarations) -> None:
        self.declared = declared
        self.items: list[Op | Label] = []
        self.reverts: dict[str, str] = {}
        self.labels = 0
        self.line = 0

    def compile(self) -> CompiledContract:
        declared = self.declared
        types = check(declared)
        self.dispatcher(declared.contract)
        for name, info in declared.functions.items():
            FunctionCompiler(self, info, types[name]).compile()
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
        remember(assembled.code, SourceMap(declared.source, assembled.lines,
                                           self.regions(assembled.labels), declared.name))
        return CompiledContract(declared.name, assembled.code, declared.abi(), declared.source,
                                assembled.lines, tuple(self.items))

    def regions(self, labels: dict[str, int]) -> tuple[tuple[int, str], ...]:
        """Where each function's code starts (its entry in the dispatcher, and its body);
        the dispatcher and the shared revert stubs belong to no function."""
        named = [(0, "")]
        for info in self.declared.functions.values():
            named += [(labels[label], info.name) for label in (f"entry_{info.name}", info.label)
                      if label in labels]
        named += [(labels[label], "") for label in self.reverts.values()]
        return tuple(sorted(named))

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
        entries = [f for f in self.declared.functions.values() if f.public]
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
            if info.nonreentrant:
                self.take_lock(info)
            self.emit("CALL", info.label)
            if info.nonreentrant:
                self.emit("PUSH", 0)
                self.emit("PUSH", REENTRANCY_LOCK_SLOT)
                self.emit("SSTORE")
            self.emit("RETURN", len(info.outputs))

    def take_lock(self, info: FunctionInfo) -> None:
        """Refuse the call if a @nonreentrant function of this contract is running (its
        lock slot holds 1), else set the lock; the entry clears it after the function."""
        self.emit("PUSH", REENTRANCY_LOCK_SLOT)
        self.emit("SLOAD")
        self.emit("JUMPI", self.revert_label(
            f"reentrant call: {info.name} waits until this contract's running call ends "
            "(@nonreentrant)", info.node))
        self.emit("PUSH", 1)
        self.emit("PUSH", REENTRANCY_LOCK_SLOT)
        self.emit("SSTORE")

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


@dataclass
class Loop:
    """Where break and continue go inside the innermost loop."""

    top: str
    end: str
    cont: str
    continued: bool = False


class FunctionCompiler:
    """Writes one method body as an internal function, from what the type check found."""

    def __init__(self, contract: ContractCompiler, info: FunctionInfo, types: Types) -> None:
        self.contract = contract
        self.declared = contract.declared
        self.info = info
        self.types = types
        self.loops: list[Loop] = []

    # -- helpers -----------------------------------------------------------------------

    def emit(self, name: str, arg: int | str | None = None) -> None:
        self.contract.emit(name, arg)

    def at(self, node: ast.AST) -> None:
        if hasattr(node, "lineno"):
            self.contract.line = node.lineno

    # -- the function ----------------------------------------------------------------------

    def compile(self) -> None:
        info = self.info
        self.at(info.node)
        self.contract.place_label(info.label)
        for name, _ in reversed(info.params):
            self.emit("STORE", self.types.slot(name))
        body = [s for s in info.node.body if not _is_docstring(s)]
        self.statements(body)
        if not info.outputs and not terminates(body):
            self.emit("RET")

    def statements(self, body: list[ast.stmt]) -> None:
        for node in body:
            self.at(node)
            getattr(self, f"stmt_{type(node).__name__}")(node)

    # -- statements ----------------------------------------------------------------------

    def stmt_Pass(self, node: ast.Pass) -> None:
        pass

    def stmt_Expr(self, node: ast.Expr) -> None:
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return  # a docstring or comment string
        func = value.func
        if isinstance(func, ast.Name) and func.id in STATEMENT_CALLS:
            getattr(self, f"call_{func.id}")(value)
            return
        if isinstance(func, ast.Attribute) and func.attr in ("append", "clear") and \
                self.is_storage(func.value):
            self.array_method(value)
            return
        self.call(value)
        if self.types.kinds[value] != Kind.NONE:
            self.emit("POP")

    def stmt_Assign(self, node: ast.Assign) -> None:
        target = node.targets[0]
        if isinstance(target, ast.Tuple):
            self.tuple_assign(target, node.value)
            return
        self.expr(node.value)
        self.store(target)

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.expr(node.value)
        self.store(node.target)

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        op = BINARY[type(node.op)]
        target = node.target
        if isinstance(target, ast.Name):
            index = self.types.slot(target.id)
            self.emit("LOAD", index)
            self.expr(node.value)
            self.emit(op)
            self.emit("STORE", index)
        elif self.is_storage(target):
            self.place(target)
            self.emit("DUP", 1)
            self.emit("SLOAD")
            self.expr(node.value)
            self.emit(op)
            self.emit("SWAP", 1)
            self.emit("SSTORE")
        else:
            self.memory_element(target)
            self.emit("DUP", 2)
            self.emit("DUP", 2)
            self.emit("ALOAD")
            self.expr(node.value)
            self.emit(op)
            self.emit("SWAP", 2)
            self.emit("SWAP", 1)
            self.emit("ASTORE")

    def stmt_If(self, node: ast.If) -> None:
        otherwise = self.contract.label("else")
        self.condition(node.test, otherwise, jump_if=False)
        self.statements(node.body)
        if node.orelse:
            end = self.contract.label("endif")
            ends = terminates(node.body)
            if not ends:
                self.emit("JUMP", end)
            self.contract.place_label(otherwise)
            self.statements(node.orelse)
            if not ends:
                self.contract.place_label(end)
        else:
            self.contract.place_label(otherwise)

    def stmt_While(self, node: ast.While) -> None:
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
        args = node.iter.args                       # type: ignore[attr-defined]
        step = self.types.steps[node]
        if len(args) >= 2:
            self.expr(args[0])
        else:
            self.at(node.iter)
            self.emit("PUSH", 0)                    # range(stop) starts at 0
        counter = self.types.slot(node.target.id)   # type: ignore[attr-defined]
        self.emit("STORE", counter)
        self.expr(args[1] if len(args) >= 2 else args[0])
        (limit,) = self.types.hidden[node]
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
        self.emit("JUMP", self.loops[-1].end)

    def stmt_Continue(self, node: ast.Continue) -> None:
        self.loops[-1].continued = True
        self.emit("JUMP", self.loops[-1].cont)

    def stmt_Return(self, node: ast.Return) -> None:
        values = ([] if node.value is None else node.value.elts
                  if isinstance(node.value, ast.Tuple) else [node.value])
        for value in values:
            self.expr(value)
        self.emit("RET")

    # -- assignment --------------------------------------------------------------------

    def store(self, target: ast.expr) -> None:
        """Assign the value on top of the stack to ``target``."""
        self.at(target)
        if isinstance(target, ast.Name):
            self.emit("STORE", self.types.slot(target.id))
        elif self.is_storage(target):
            self.place(target)
            self.emit("SSTORE")
        else:
            self.memory_element(target)
            self.emit("ASTORE")

    def tuple_assign(self, target: ast.Tuple, value: ast.Tuple) -> None:
        for v in value.elts:
            self.expr(v)
        temps = self.types.hidden.get(target)
        if temps is None:                 # distinct names: store them straight, last first
            for t in reversed(target.elts):
                self.store(t)
            return
        for index in reversed(temps):
            self.emit("STORE", index)
        for t, index in zip(target.elts, temps):
            self.emit("LOAD", index)
            self.store(t)

    # -- storage places --------------------------------------------------------------------

    def is_storage(self, node: ast.expr) -> bool:
        while isinstance(node, ast.Subscript):
            node = node.value
        return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self" and node.attr in self.declared.storage)

    def place(self, node: ast.expr) -> None:
        """Push the storage slot of ``self.x``, ``self.m[k]``, ``self.a[i]`` ..."""
        self.at(node)
        if isinstance(node, ast.Attribute):
            self.emit("PUSH", self.declared.storage[node.attr].slot)
            return
        self.place(node.value)
        base = self.types.kinds[node.value]
        if isinstance(base, MapType):
            self.expr(node.slice)
            self.emit("HASH")
            return
        self.expr(node.slice)
        fail = self.contract.revert_label(f"index out of range for self.{root_name(node)}",
                                          node)
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

    def element_slot(self, array: ArrayType) -> None:
        """[seed, index] -> [slot of that element]."""
        size = slots_used(array.element)
        if size != 1:
            self.emit("PUSH", size)
            self.emit("MUL")
        self.emit("ADD")
        self.emit("PUSH", 1)
        self.emit("ADD")

    def array_method(self, call: ast.Call) -> None:
        func = call.func
        where = f"self.{root_name(func.value)}"
        method = func.attr
        array = self.types.kinds[func.value]
        if method == "append":
            self.expr(call.args[0])
            self.place(func.value)
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
            return
        self.place(func.value)
        if method == "clear":
            self.emit("PUSH", 0)
            self.emit("SWAP", 1)
            self.emit("SSTORE")
            return
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

    def memory_element(self, node: ast.Subscript) -> None:
        """Push [handle, index] for ``xs[i]`` where xs is a local memory list."""
        self.emit("LOAD", self.types.slot(node.value.id))   # type: ignore[attr-defined]
        self.expr(node.slice)

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
        self.expr(node)
        if not jump_if:
            self.emit("ISZERO")
        self.emit("JUMPI", label)

    def comparison(self, node: ast.Compare) -> tuple[str, bool]:
        self.expr(node.left)
        self.expr(node.comparators[0])
        return COMPARE[type(node.ops[0])]

    # -- expressions -------------------------------------------------------------------------

    def expr(self, node: ast.expr) -> None:
        """Push the value of ``node``."""
        self.at(node)
        if node in self.types.constants:
            self.emit("PUSH", self.types.constants[node])
            return
        getattr(self, f"expr_{type(node).__name__}")(node)

    def expr_Constant(self, node: ast.Constant) -> None:
        self.emit("PUSH", int(node.value))          # True or False: the rest is constants

    def expr_Name(self, node: ast.Name) -> None:
        self.emit("LOAD", self.types.slot(node.id))

    def expr_Attribute(self, node: ast.Attribute) -> None:
        base = node.value
        if isinstance(base, ast.Name):
            if (base.id, node.attr) in CONTEXT:
                self.emit(CONTEXT[(base.id, node.attr)][0])
                return
            if (base.id, node.attr) == ("self", "balance"):
                self.emit("ADDRESS")
                self.emit("BALANCE")
                return
        self.read_place(node)

    def read_place(self, node: ast.expr) -> None:
        self.place(node)
        self.emit("SLOAD")

    def expr_Subscript(self, node: ast.Subscript) -> None:
        if self.is_storage(node):
            self.read_place(node)
            return
        self.memory_element(node)
        self.emit("ALOAD")

    def expr_BinOp(self, node: ast.BinOp) -> None:
        if is_list_alloc(node):
            self.expr(node.right)
            self.emit("ALLOC")
            return
        self.expr(node.left)
        self.expr(node.right)
        self.emit(BINARY[type(node.op)])

    def expr_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.expr(node.operand)
            self.emit("ISZERO")
        elif isinstance(node.op, ast.USub):
            self.emit("PUSH", 0)
            self.expr(node.operand)
            self.emit("SUB")
        else:                                       # +x
            self.expr(node.operand)

    def expr_Compare(self, node: ast.Compare) -> None:
        op, negate = self.comparison(node)
        self.emit(op)
        if negate:
            self.emit("ISZERO")

    def expr_BoolOp(self, node: ast.BoolOp) -> None:
        end = self.contract.label("boolop")
        last = len(node.values) - 1
        for i, value in enumerate(node.values):
            self.expr(value)
            if i < last:
                self.emit("DUP", 1)
                if isinstance(node.op, ast.And):
                    self.emit("ISZERO")
                self.emit("JUMPI", end)
                self.emit("POP")
        self.contract.place_label(end)

    def expr_IfExp(self, node: ast.IfExp) -> None:
        otherwise, end = self.contract.label("else"), self.contract.label("endif")
        self.condition(node.test, otherwise, jump_if=False)
        self.expr(node.body)
        self.emit("JUMP", end)
        self.contract.place_label(otherwise)
        self.expr(node.orelse)
        self.contract.place_label(end)

    def expr_Call(self, node: ast.Call) -> None:
        self.call(node)

    # -- calls ---------------------------------------------------------------------------

    def call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            getattr(self, f"builtin_{func.id}")(node)
        elif isinstance(func.value, ast.Name) and func.value.id == "self":
            self.internal_call(node, func.attr)
        elif isinstance(func.value, ast.Call):
            self.external_call(node, func.value, func.attr)
        else:
            self.array_method(node)

    def internal_call(self, node: ast.Call, name: str) -> None:
        for arg in node.args:
            self.expr(arg)
        self.at(node)
        self.emit("CALL", self.declared.functions[name].label)

    def external_call(self, node: ast.Call, target: ast.Call, name: str) -> None:
        """``Iface(where).name(args)``: push where, the selector, the arguments; XCALL."""
        interface = target.func.id                      # type: ignore[union-attr]
        method = self.declared.interfaces[interface][name]
        self.expr(target.args[0])
        self.emit("PUSH", selector(name))
        for arg in node.args:
            self.expr(arg)
        self.at(node)
        self.emit("XCALL", len(method.params))
        if method.output == Kind.NONE:
            self.emit("POP")
        elif method.output in (Kind.BOOL, Kind.ADDRESS):
            self.contract.emit_word_check(method.output, self.contract.revert_label(
                f"{interface}.{name} returned a value that is not "
                + ("True or False" if method.output == Kind.BOOL else "an address"), node))

    def builtin_len(self, node: ast.Call) -> None:
        (arg,) = node.args
        if not self.is_storage(arg):
            self.expr(arg)
            self.emit("ALEN")
            return
        self.place(arg)
        array = self.types.kinds[arg]
        if isinstance(array.element, str):
            self.emit("SLOAD")
        else:
            self.emit("POP")
            self.emit("PUSH", array.capacity)

    def builtin_min(self, node: ast.Call) -> None:
        self.min_max(node, "min", "GT")

    def builtin_max(self, node: ast.Call) -> None:
        self.min_max(node, "max", "LT")

    def min_max(self, node: ast.Call, name: str, op: str) -> None:
        a, b = node.args
        self.expr(a)
        self.expr(b)
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

    def builtin_abs(self, node: ast.Call) -> None:
        self.expr(node.args[0])
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

    def builtin_int(self, node: ast.Call) -> None:
        self.expr(node.args[0])                     # a bool is already 0 or 1

    def builtin_bool(self, node: ast.Call) -> None:
        (a,) = node.args
        self.expr(a)
        if self.types.kinds[a] == Kind.INT:
            self.emit("ISZERO")
            self.emit("ISZERO")

    def builtin_address(self, node: ast.Call) -> None:
        self.emit("PUSH", self.types.words[node])

    def builtin_sha256(self, node: ast.Call) -> None:
        """Push every word, first argument deepest, then one SHA256 over all of them."""
        for arg in node.args:
            self.expr(arg)
        self.at(node)
        self.emit("SHA256", len(node.args))

    # -- statements that are calls -----------------------------------------------------------

    def call_require(self, node: ast.Call) -> None:
        fail = self.contract.revert_label(self.types.reasons[node], node)
        self.condition(node.args[0], fail, jump_if=False)

    def call_revert(self, node: ast.Call) -> None:
        self.emit("JUMP", self.contract.revert_label(self.types.reasons[node], node))

    def call_emit(self, node: ast.Call) -> None:
        event_call = node.args[0]
        name = event_call.func.id                       # type: ignore[attr-defined]
        for arg in event_call.args:
            self.expr(arg)
        self.at(node)
        self.emit("PUSH", text_to_words(name)[0])
        self.emit("LOG", len(self.declared.events[name].fields))

    def call_send(self, node: ast.Call) -> None:
        for arg in node.args:
            self.expr(arg)
        self.at(node)
        self.emit("TRANSFER")


__all__ = ["CompiledContract", "compile_contract"]
