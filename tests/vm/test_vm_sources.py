"""Faults in the learner's words: a source line, a function, a label (chapters 06-07).

A receipt records a fault in the machine's words (kind, opcode, pc), the same on every
node. Whoever compiled or assembled the code also knows where each pc came from, so the
same fault can name the contract, the function and the source line (and show it), or the
label of an assembled program. These tests hold both: the words every node records never
change with what this process knows, and the explanation says exactly where.
"""

from __future__ import annotations

import pytest

from minichain.chain import Chain, Genesis
from minichain.errors import DivisionByZero, IntegerOverflow, MarketError, Revert
from minichain.state import State
from minichain.viz.debugger import step_html
from minichain.vm import ContractInterface, compile_contract, deploy_tx
from minichain.vm.assembler import assemble
from minichain.vm.machine import Engine, Message, execute
from minichain.vm.sources import Location, locate, source_map
from minichain.vm.trace import trace_call
from minichain.wallet import Wallet
from vmkit import CALLER, CONTRACT, Sandbox

AVERAGE = '''
class MeterLog:
    total: int
    readings: int

    @public
    def record(self, wh: int):
        require(wh >= 0, "a reading cannot be negative")
        self.total += wh
        self.readings += 1

    @public
    def average(self) -> int:
        return self.total // self.readings

    @public
    def doubled(self, wh: int) -> int:
        return self.scaled(wh, 2)

    def scaled(self, wh: int, by: int) -> int:
        return wh * by
'''


@pytest.fixture(scope="module")
def meter_log():
    return compile_contract(AVERAGE)


def test_a_fault_in_a_compiled_contract_names_contract_function_and_line(meter_log):
    box = Sandbox(meter_log)
    outcome = box.call("average")
    fault = outcome.error
    assert isinstance(fault, DivisionByZero) and fault.op == "DIV"
    assert fault.describe() == f"DivisionByZero: DIV at pc {fault.pc}: division by zero"
    assert fault.where == Location("MeterLog", "average", 14,
                                   "return self.total // self.readings")
    assert fault.explain() == ("DivisionByZero in MeterLog.average, line 14: division by zero"
                               "\n    return self.total // self.readings")


def test_a_fault_in_an_internal_function_names_that_function(meter_log):
    box = Sandbox(meter_log)
    fault = box.call("doubled", 2 ** 254).error
    assert isinstance(fault, IntegerOverflow)
    assert str(fault.where) == "MeterLog.scaled, line 21"


def test_a_revert_names_the_function_that_refused(meter_log):
    box = Sandbox(meter_log)
    fault = box.call("record", -1).error
    assert isinstance(fault, Revert) and str(fault) == "a reading cannot be negative"
    assert str(fault.where) == "MeterLog.record"
    assert fault.explain() == "Revert in MeterLog.record: a reading cannot be negative"


def test_a_fault_in_assembled_code_names_its_label_and_line():
    text = "PUSH 300\nPUSH 0\nshare:\nDIV\nRETURN 1\n"
    result = execute(State(), assemble(text), Message(CALLER, CONTRACT))
    assert result.fault.where == Location("", "share", 4, "DIV")
    assert result.explain() == "DivisionByZero in label share, line 4: division by zero\n    DIV"


def test_what_every_node_records_does_not_depend_on_knowing_the_source(meter_log):
    """Code nobody here compiled gives the same one-line record, only no explanation."""
    known = Sandbox(meter_log).call("average").error
    stranger = bytes(meter_log.code) + bytes([0])          # the same code, one STOP longer
    assert locate(stranger, known.pc) is None and source_map(stranger) is None
    state = State()
    unknown = execute(state, stranger, Message(CALLER, CONTRACT,
                                                data=ContractInterface(meter_log.abi).
                                                encode_call("average"))).fault
    assert unknown.describe() == known.describe() and unknown.where is None
    assert unknown.explain() == unknown.describe()


def test_both_engines_place_a_fault_the_same(meter_log):
    data = ContractInterface(meter_log.abi).encode_call("average")
    fast, steps = (execute(State(), meter_log.code, Message(CALLER, CONTRACT, data=data),
                           engine=engine).fault for engine in (Engine.FAST, Engine.STEPS))
    assert fast == steps and fast.where == steps.where


def test_receipts_explain_and_the_debugger_shows_the_line(meter_log):
    alice, sealer = Wallet.from_seed("alice"), Wallet.from_seed("grid-operator")
    chain = Chain(Genesis(balances=((alice.address, 10 ** 9),), authorities=(sealer.address,)))
    time = chain.head.header.timestamp
    receipts = []
    for transactions in ([deploy_tx(meter_log, alice, nonce=0)], None):
        if transactions is None:
            log = ContractInterface(meter_log.abi, receipts[0].contract_address)
            transactions = [log.call_tx(alice, "average", nonce=1)]
        time += 15
        block, _ = chain.build_block(sealer.key, transactions, time)
        chain.add_block(block)
        receipts += chain.receipts[block.hash]
    failed = receipts[1]
    assert failed.record()["error"] == failed.error.describe()     # what the root commits to
    assert failed.explain().startswith("DivisionByZero in MeterLog.average, line 14")
    trace = trace_call(chain.state.copy(), meter_log.code,
                       Message(alice.address, log.address, data=log.encode_call("average")))
    assert trace.source == AVERAGE and trace.steps[-1].line == 14     # found by itself
    assert "MeterLog.average, line 14" in step_html(trace, len(trace) - 1)


def test_market_client_raises_the_contracts_own_refusal_with_its_place():
    from minichain.contracts.client import sunny_street
    street = sunny_street(nodes=False)
    market = street.market
    bob = street.households["bob"]
    with pytest.raises(Revert) as refused:
        market.clear(10 ** 6, bob)
    assert repr(refused.value) == 'Revert("the slot\'s gate is still open")'
    assert refused.value.explain() == "Revert in Market.clear: the slot's gate is still open"
    assert not isinstance(refused.value, MarketError)
