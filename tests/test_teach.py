"""The notebook helpers: optional packages a kernel may lack, and one function of a source text.

``available`` is what a chapter asks before cells that need packages a browser kernel
cannot install (chapter 14's Vyper compiler and py-evm): silent when they are there, one
line that says what is skipped and how to install it when they are not. ``function_text``
cuts one function out of a source the chapter shows, Vyper included, which Python's own
parser cannot read.
"""

from __future__ import annotations

import pytest

from minichain.contracts import evm, source
from minichain.teach import available, function_text, missing, show_function


def test_missing_names_only_the_modules_this_python_cannot_import():
    assert missing(["json", "no_such_module_anywhere", "ecdsa", "nor_this_one"]) == \
        ["no_such_module_anywhere", "nor_this_one"]
    assert missing([]) == []


def test_available_is_silent_when_everything_imports(capsys):
    assert available("json", "ecdsa", skipping="the JSON cells", install="nothing") is True
    assert capsys.readouterr().out == ""


def test_available_says_in_one_line_what_is_missing_what_is_skipped_and_how_to_install(capsys):
    assert available("json", "no_such_module_anywhere", skipping="the cells that use it",
                     install="pip install it") is False
    assert capsys.readouterr().out == (
        "no_such_module_anywhere is not installed in this kernel (a browser kernel cannot "
        "install it): the cells that use it are skipped. To run them: pip install it\n")
    assert available("not_here_1", "not_here_2", skipping="the EVM cells",
                     install=evm.INSTALL_HINT) is False
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    assert line.startswith("not_here_1 and not_here_2 are not installed in this kernel (a "
                           "browser kernel cannot install them): the EVM cells are skipped.")


def test_available_counts_a_module_blocked_as_in_a_browser_kernel_as_missing(monkeypatch, capsys):
    import sys
    monkeypatch.setitem(sys.modules, "ecdsa_blocked_for_this_test", None)
    assert missing(["ecdsa_blocked_for_this_test"]) == ["ecdsa_blocked_for_this_test"]


def test_function_text_cuts_a_vyper_function_with_its_decorators_up_to_the_next_one():
    text = function_text(evm.source(), "deposit")
    lines = text.splitlines()
    assert lines[:3] == ["@external", "@payable", "def deposit():"]
    assert lines[-1].startswith("    log Deposited(")
    assert "def withdraw" not in text


def test_function_text_reads_a_method_of_the_contract_language_and_dedents_it():
    text = function_text(source("market"), "post")
    assert text.startswith("@public\ndef post(self, side: int, quantity_wh: int")
    assert text.endswith("    return self.add_order(who, side, quantity_wh, quantity_wh, price, slot,"
                         " min_reputation,\n                          OPEN, lock)")


def test_function_text_refuses_a_name_defined_not_exactly_once():
    with pytest.raises(KeyError, match="defines 'no_such' 0 times"):
        function_text(evm.source(), "no_such")
    twice = "def f():\n    pass\n\ndef f():\n    pass\n"
    with pytest.raises(KeyError, match="defines 'f' 2 times"):
        function_text(twice, "f")


def test_show_function_renders_markdown_code_in_the_language_asked():
    shown = show_function(evm.source(), "_amount_for", language="python")
    assert repr(shown) == function_text(evm.source(), "_amount_for")
    assert shown._repr_markdown_().startswith("```python\n@internal\n@pure\ndef _amount_for(")
