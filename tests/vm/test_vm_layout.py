"""How the machine's modules fit together (chapter 06).

The package is read in layers: the opcode table, the program loader and the fault
builders at the bottom, the fast path above them, the machine above that. No module of
``minichain/vm`` imports one that imports it back (directly or through others), the
engine that runs a call is a parameter of ``execute``, and a loaded ``Program`` is plain
frozen data that no engine writes to.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import pytest

import minichain.vm as vm
from minichain.state import State
from minichain.vm.assembler import assemble
from minichain.vm.machine import Engine, Message, execute
from minichain.vm.program import Program, load
from minichain.vm.trace import Recorder

PACKAGE = Path(vm.__file__).parent


def imports_of(path: Path) -> set[str]:
    """The ``minichain.vm`` modules a file imports, anywhere in it (also for type checks)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "minichain.vm":
                found |= {f"minichain.vm.{alias.name}" for alias in node.names}
            elif node.module.startswith("minichain.vm."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("minichain.vm.")}
    return found


def graph() -> dict[str, set[str]]:
    modules = {f"minichain.vm.{p.stem}": p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return {name: imports_of(path) & set(modules) for name, path in modules.items()}


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import circle, or [] if there is none (depth-first search)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return []

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_cycle_finder_finds_a_circle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) == []


def test_no_module_of_the_machine_imports_itself_back():
    assert cycle(graph()) == []


def test_the_layers_are_the_documented_ones():
    edges = graph()
    assert edges["minichain.vm.opcodes"] == set()
    assert edges["minichain.vm.program"] == {"minichain.vm.opcodes"}
    assert edges["minichain.vm.faults"] == {"minichain.vm.opcodes"}
    assert "minichain.vm.machine" not in edges["minichain.vm.fastpath"]


def test_the_engine_is_a_parameter_and_a_tracer_needs_the_step_loop():
    assert inspect.signature(execute).parameters["engine"].default is Engine.FAST
    code = assemble("PUSH 2\nPUSH 3\nADD\nRETURN 1")
    message = Message("0x" + "ca" * 20, "0x" + "c0" * 20)
    fast = execute(State(), code, message, engine=Engine.FAST)
    steps = execute(State(), code, message, engine=Engine.STEPS)
    assert fast == steps and fast.output == (5,)
    with pytest.raises(ValueError, match="Engine.STEPS"):
        execute(State(), code, message, tracer=Recorder())


def test_a_loaded_program_is_frozen_data_that_running_it_leaves_alone():
    assert [f.name for f in dataclasses.fields(Program)] == ["code", "instructions",
                                                             "index_of_pc"]
    program = load(assemble("PUSH 1\nloop:\nJUMPDEST\nPUSH 1\nADD\nJUMP loop"))
    before = dict(vars(program))
    execute(State(), program, Message("0x" + "ca" * 20, "0x" + "c0" * 20, gas=500))
    assert vars(program) == before


def test_the_compiler_runs_in_passes_and_code_generation_checks_nothing():
    """Declarations, then the type check, then code generation, each in its own module;
    the code generator reads what the type check found and raises no error of its own."""
    edges = graph()
    assert "minichain.vm.compiler" not in edges["minichain.vm.typecheck"]
    assert "minichain.vm.typecheck" not in edges["minichain.vm.declarations"]
    assert {"minichain.vm.declarations", "minichain.vm.typecheck"} <= edges["minichain.vm.compiler"]
    from minichain.vm.compiler import FunctionCompiler
    generator = inspect.getsource(FunctionCompiler)
    assert "raise" not in generator and "expect(" not in generator and "_error(" not in generator
