"""The contract machine and its language (chapters 06-07).

The public API in one place:

* machine: ``load(code)`` -> ``Program``, ``execute(state, code, Message(...), block,
  engine)`` -> ``Result`` (``Engine.FAST`` as on chain, or ``Engine.STEPS``)
* assembly: ``assemble(text)``, ``disassemble(code)``
* language: ``compile_contract(source)`` -> ``CompiledContract`` (code, abi, assembly)
* calls: ``encode_call(name, *args)``, ``ContractInterface(abi, address)``, ``deploy_tx``
* on chain: ``contract_address(sender, nonce)``, ``deploy_data(code, init_call)``,
  ``simulate_call(state, to, data)``
* debugger: ``trace_call(...)`` -> ``Trace`` of ``Step`` records
"""

from minichain.vm.abi import (ContractABI, DecodedEvent, EventABI, FunctionABI, encode_call,
                              selector)
from minichain.vm.assembler import assemble, disassemble
from minichain.vm.compiler import CompiledContract, compile_contract
from minichain.vm.interface import ContractInterface, deploy_tx
from minichain.vm.machine import Engine, Message, Result, execute
from minichain.vm.program import Program, load
from minichain.vm.runtime import contract_address, deploy_data, simulate_call
from minichain.vm.trace import Step, Trace, trace_call

__all__ = ["ContractABI", "DecodedEvent", "EventABI", "FunctionABI", "encode_call", "selector",
           "assemble", "disassemble", "CompiledContract", "compile_contract",
           "ContractInterface", "deploy_tx", "Engine", "Message", "Program", "Result", "execute", "load",
           "contract_address", "deploy_data", "simulate_call", "Step", "Trace", "trace_call"]
