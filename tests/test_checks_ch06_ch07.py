"""The chapter 06-07 checks answer the usual wrong turns with the hint that fixes them.

A learner who gets an exercise wrong should read, in the verdict, the hint for the mistake
they actually made. Each test writes one plausible wrong answer and names the hint it must
get. The checkers' own reference answers are held against the library: the stack model
against a trace of the real machine, the selector against ``abi.selector``, and the
planted bug in the prepaid contract against a real call that takes another household's
money, and a rollback against the state root.
"""

from __future__ import annotations

import pytest
from checks_kit import failed_with, named

from minichain.checks import PASSED, check
from minichain.checks.ch06 import (CALLER, CONTRACT, COST_CASES, ENDING_CASES, ENDING_GAS,
                                   STACK_CASES, cost_trace, machine_stack, model_stack,
                                   reference_ending)
from minichain.checks.ch07 import (ALICE, BOB, MODEL_CASES, MODEL_STORY, PREPAID_BUGGY,
                                   SELECTOR_NAMES, START, WHO, Deployed, contract_accepts,
                                   credits_story, model_accepts, prepaid_buggy)
from minichain.encoding import sha256
from minichain.errors import OutOfGas
from minichain.vm.abi import selector
from minichain.vm.assembler import assemble
from minichain.vm.machine import Message, execute


def returning(name, value):
    """A learner's function that returns ``value`` whatever it is given."""
    @named(name)
    def answer(*args):
        return value
    return answer


# --- stack_after ------------------------------------------------------------------------

def interpreter(order=False, truncate=False, dup_off=False, swap_off=False, top_first=False):
    """A learner's stack machine with (at most) the mistakes switched on."""
    @named("stack_after")
    def stack_after(program):
        stack = []
        for line in program:
            name, *rest = line.split()
            n = int(rest[0]) if rest else 0
            if name == "PUSH":
                stack.append(n)
            elif name == "POP":
                stack.pop()
            elif name == "DUP":
                stack.append(stack[-n - 1] if dup_off else stack[-n])
            elif name == "SWAP":
                other = -n if swap_off else -1 - n
                stack[-1], stack[other] = stack[other], stack[-1]
            elif name == "ISZERO":
                stack.append(int(stack.pop() == 0))
            else:
                b, a = stack.pop(), stack.pop()
                if order:
                    a, b = b, a
                if name == "DIV":
                    stack.append(int(a / b) if truncate else a // b)
                    continue
                stack.append({"ADD": a + b, "SUB": a - b, "MUL": a * b, "MOD": a % b,
                              "LT": int(a < b), "GT": int(a > b), "EQ": int(a == b)}[name])
        return stack[::-1] if top_first else stack
    return stack_after


def test_the_stack_model_agrees_with_the_real_machine_on_every_case():
    for _, program in STACK_CASES:
        assert model_stack(program) == machine_stack(program)
    assert machine_stack(["PUSH 2", "PUSH 5", "SUB"]) == [-3]


def test_a_correct_interpreter_passes():
    assert check(interpreter()).status == PASSED


def test_popping_the_operands_in_the_wrong_order_gets_the_a_minus_b_hint():
    failed_with(interpreter(order=True), "(Alice's payment): expected [240000], got [0]",
                "SUB pushes a - b")


def test_dividing_towards_zero_gets_the_floor_hint():
    failed_with(interpreter(truncate=True), "expected [-4], got [-3]", "-7 // 2 is -4")


def test_dup_and_swap_off_by_one_are_named():
    failed_with(interpreter(dup_off=True), "raised IndexError", "DUP n copies stack[-n]")
    failed_with(interpreter(swap_off=True), "stack[-1 - n]")


def test_the_stack_top_first_is_refused():
    failed_with(interpreter(top_first=True), "top word LAST")


def test_a_stack_as_text_is_refused():
    failed_with(returning("stack_after", "[300]"), "list of ints, bottom first")


# --- sum_call_data_asm -------------------------------------------------------------------

LOOP = """
    PUSH 0
    STORE 0
    PUSH {start}
    STORE 1
loop:
    JUMPDEST
    LOAD 1
    CALLDATASIZE{minus}
    LT
    ISZERO
    JUMPI done
    LOAD 0
    LOAD 1
    CALLDATA
    ADD
    STORE 0
    LOAD 1
    PUSH {step}
    ADD
    STORE 1
    JUMP loop
done:
    JUMPDEST
    LOAD 0
    {end}
"""


def loop(start=0, step=1, minus="", end="RETURN 1"):
    return returning("sum_call_data_asm", LOOP.format(start=start, step=step, minus=minus,
                                                      end=end))


def test_the_reference_loop_passes():
    assert check(loop()).status == PASSED


def test_a_loop_that_never_moves_on_runs_out_of_gas_and_is_told_so():
    failed_with(loop(step=0), "ran out of all 100,000 gas", "your loop never ends")


def test_reading_only_the_first_word_gets_the_every_word_hint():
    failed_with(returning("sum_call_data_asm", "PUSH 0\nCALLDATA\nRETURN 1"),
                "expected 2450, got 1200", "EVERY word")


def test_starting_at_word_one_gets_the_numbered_from_zero_hint():
    failed_with(loop(start=1), "expected 2450, got 1250", "numbered from 0")


def test_stopping_one_word_early_is_named():
    failed_with(loop(minus="\n    PUSH 1\n    SUB"), "expected 2450, got 2000",
                "stops one word early")


def test_ending_with_stop_gets_the_return_hint():
    failed_with(loop(end="STOP"), "expected one output word, got []", "RETURN 1")


def test_returning_the_number_of_words_is_named():
    failed_with(returning("sum_call_data_asm", "CALLDATASIZE\nRETURN 1"), "number of words")


def test_assembly_that_does_not_assemble_shows_the_assemblers_message():
    failed_with(returning("sum_call_data_asm", "PUSH 0\nJUMP nowhere\n"),
                "does not assemble", "label 'nowhere'")


def test_a_jump_to_a_label_without_jumpdest_is_refused_by_the_machine():
    failed_with(returning("sum_call_data_asm", "top:\nPUSH 0\nJUMP top\n"),
                "the machine refuses your code: BadJump", "JUMPDEST")


def test_a_loop_that_pushes_every_round_overflows_the_stack():
    growing = "top:\nJUMPDEST\nPUSH 1\nJUMP top\n"
    failed_with(returning("sum_call_data_asm", growing), "StackError",
                "leave the stack as it found it")


# --- costliest_line -------------------------------------------------------------------------

def traced(pick):
    """A learner's answer that picks a line from a trace by the rule ``pick``."""
    @named("costliest_line")
    def costliest_line(program, gas):
        return pick(cost_trace(program, gas))
    return costliest_line


def by_total(trace):
    totals = {}
    for step in trace.steps:
        totals[step.line] = totals.get(step.line, 0) + step.cost
    return max(totals, key=totals.get)


def test_the_cases_have_one_clear_answer_that_differs_from_the_usual_mistakes():
    most_run_differs = dearest_differs = False
    for _, text, gas in COST_CASES:
        trace = cost_trace(text, gas)
        totals, runs = {}, {}
        for step in trace.steps:
            totals[step.line] = totals.get(step.line, 0) + step.cost
            runs[step.line] = runs.get(step.line, 0) + 1
        best, second = sorted(totals.values(), reverse=True)[:2]
        assert best > second
        answer = max(totals, key=totals.get)
        most_run_differs |= runs[answer] < max(runs.values())
        dearest_differs |= max(trace.steps, key=lambda s: s.cost).line != answer
    assert most_run_differs and dearest_differs
    out_of_gas = cost_trace(COST_CASES[2][1], COST_CASES[2][2])
    assert isinstance(out_of_gas.result.fault, OutOfGas)


def test_adding_up_the_gas_per_line_passes():
    assert check(traced(by_total)).status == PASSED


def test_the_most_executed_line_gets_the_weigh_by_gas_hint():
    def most_run(trace):
        counts = {}
        for step in trace.steps:
            counts[step.line] = counts.get(step.line, 0) + 1
        return max(counts, key=counts.get)
    failed_with(traced(most_run), "runs most often", "step.cost")


def test_the_single_most_expensive_instruction_gets_the_add_up_hint():
    failed_with(traced(lambda trace: max(trace.steps, key=lambda s: s.cost).line),
                "one write, thirty reads", "costliest single instruction")


def test_a_zero_based_line_number_is_named():
    failed_with(traced(lambda trace: by_total(trace) - 1), "numbered from 1")


def test_the_instruction_instead_of_its_line_is_refused():
    failed_with(traced(lambda trace: "SSTORE"), "line NUMBER")


def test_the_pc_instead_of_the_line_is_named():
    def pc_of_costliest(trace):
        totals = {}
        for step in trace.steps:
            totals[step.pc] = totals.get(step.pc, 0) + step.cost
        return max(totals, key=totals.get)
    failed_with(traced(pc_of_costliest), "code offset (pc)")


# --- selector_of -------------------------------------------------------------------------

def digest_answer(transform):
    @named("selector_of")
    def selector_of(name):
        return transform(name.encode())
    return selector_of


def test_the_reference_selector_is_the_librarys():
    right = digest_answer(lambda n: int.from_bytes(sha256(b"minichain function:" + n)[:4], "big"))
    assert check(right).status == PASSED
    assert [right(n) for n in SELECTOR_NAMES] == [selector(n) for n in SELECTOR_NAMES]


@pytest.mark.parametrize("transform, fragment", [
    (lambda n: int.from_bytes(sha256(n)[:4], "big"), "WITH the domain"),
    (lambda n: int.from_bytes(sha256(b"minichain function: " + n)[:4], "big"), "no space"),
    (lambda n: int.from_bytes(sha256(b"minichain function:" + n)[:4], "little"), "big-endian"),
    (lambda n: int.from_bytes(sha256(b"minichain function:" + n), "big"), "FIRST FOUR"),
    (lambda n: int.from_bytes(sha256(b"minichain function:" + n)[-4:], "big"), "not the last"),
    (lambda n: sha256(b"minichain function:" + n)[:4], "as a number"),
    (lambda n: sha256(b"minichain function:" + n)[:4].hex(), "not its hex text"),
], ids=["no domain", "space", "little-endian", "whole hash", "last bytes", "bytes", "hex"])
def test_selector_mistakes_get_their_hints(transform, fragment):
    failed_with(digest_answer(transform), "selector_of('add')", fragment)


# --- meter_log_source ---------------------------------------------------------------------

METER_LOG = '''
class MeterLog:
    meter: address
    total: int

    def __init__(self{init_args}):
        self.meter = msg.sender

    @public
    def record(self, wh: int) -> int:
        {owner_check}
        {reading_check}
        self.total += wh
        return {returned}

    @public
    def total_wh(self) -> int:
        return self.total
'''


def meter_log(owner_check='require(msg.sender == self.meter, "only the meter")',
              reading_check='require(wh >= 0, "no negative readings")', returned="self.total",
              init_args=""):
    return returning("meter_log_source", METER_LOG.format(
        owner_check=owner_check, reading_check=reading_check, returned=returned,
        init_args=init_args))


def test_the_reference_meter_log_passes():
    assert check(meter_log()).status == PASSED


def test_refusing_a_zero_reading_gets_the_dark_quarter_hour_hint():
    failed_with(meter_log(reading_check='require(wh > 0, "positive")'),
                "the meter calls record(0): refused", "wh >= 0")


def test_accepting_a_negative_reading_is_caught():
    failed_with(meter_log(reading_check="pass"), "record(-5): accepted",
                "refuse a negative reading")


def test_letting_anyone_record_is_caught():
    failed_with(meter_log(owner_check="pass"), "Alice calls record(500): accepted",
                "only the meter may record")


def test_checking_the_owner_backwards_locks_out_the_meter():
    failed_with(meter_log(owner_check='require(msg.sender != self.meter, "not the meter")'),
                "the meter calls record(1200): refused", "must be able to record")


def test_assert_is_a_compile_error_with_its_line_and_hint():
    failed_with(meter_log(reading_check="assert wh >= 0"), "does not compile: line 12, column 9",
                "use require")


def test_returning_the_reading_instead_of_the_total_is_caught():
    failed_with(meter_log(returned="wh"), "record(0): expected it to return 1200, got 0",
                "the total of every reading")


def test_a_constructor_with_an_argument_cannot_be_deployed_as_asked():
    failed_with(meter_log(init_args=", meter: address"), "cannot be deployed without arguments",
                "msg.sender")


def test_a_record_that_is_not_public_is_named():
    source = METER_LOG.format(owner_check="pass", reading_check="pass", returned="self.total",
                              init_args="").replace("    @public\n    def record", "    def record")
    failed_with(returning("meter_log_source", source), "record: expected record(wh: int) -> int",
                "@public")


def test_not_returning_text_is_refused():
    failed_with(returning("meter_log_source", None), "did you forget `return`?")


# --- fix_the_bug ------------------------------------------------------------------------------

CHECK = 'require(amount <= self.total, "not enough deposited")'


def fixed_with(line):
    return returning("fix_the_bug", PREPAID_BUGGY.replace(CHECK, line))


def test_the_planted_bug_lets_bob_take_alices_money():
    prepaid = Deployed(prepaid_buggy(), ALICE)
    prepaid.call(ALICE, "deposit", value=100)
    prepaid.call(BOB, "deposit", value=50)
    taken = prepaid.call(BOB, "withdraw", 80)
    assert taken.success and prepaid.state.balance(BOB.address) == START + 30
    assert prepaid.interface.query(prepaid.state, "deposit_of", BOB.address) == -30


def test_the_unchanged_contract_gets_the_own_deposit_hint():
    failed_with(returning("fix_the_bug", PREPAID_BUGGY), "Bob calls withdraw(80): expected it "
                "to be refused, it was accepted", "self.deposits[msg.sender]")


def test_the_fix_and_an_equivalent_fix_both_pass():
    assert check(fixed_with('require(amount <= self.deposits[msg.sender], "no")')).passed
    assert check(fixed_with('require(self.deposits[msg.sender] - amount >= 0, "no")')).passed


def test_a_strict_comparison_keeps_a_whole_deposit_locked_in():
    failed_with(fixed_with('require(amount < self.deposits[msg.sender], "no")'),
                "Bob calls withdraw(50): expected it to be accepted", "<=, not <")


def test_changing_the_interface_is_refused():
    renamed = PREPAID_BUGGY.replace("def deposit_of(", "def balance_of(")
    failed_with(returning("fix_the_bug", renamed), "deposit_of: expected", "keep the decorator")
    unpaid = PREPAID_BUGGY.replace("@payable", "@public")
    failed_with(returning("fix_the_bug", unpaid), "@payable deposit() -> int")


# --- payments: events, and a failed call keeps none ----------------------------------------

def payments_reader(address=True, order=True, every_topic=False, first_only=False):
    """A learner's payments() with (at most) the mistakes switched on."""
    @named("payments")
    def payments(result):
        found = []
        for log in result.logs:
            if log.topic != "Paid" and not every_topic:
                continue
            seller, wh, amount = (list(log.data) + [0, 0, 0])[:3]
            seller = f"0x{seller:040x}" if address else seller
            found.append((seller, wh, amount) if order else (seller, amount, wh))
        return found[:1] if first_only else found
    return payments


def test_reading_the_paid_logs_passes():
    assert check(payments_reader()).status == PASSED


def test_a_seller_left_as_a_number_gets_the_address_hint():
    failed_with(payments_reader(address=False), "address string", "040x")


def test_swapped_data_words_get_the_pushed_order_hint():
    failed_with(payments_reader(order=False), "order they were pushed")


def test_a_note_counted_as_a_payment_gets_the_topic_hint():
    failed_with(payments_reader(every_topic=True), "topic is 'Paid'")


def test_only_the_first_payment_gets_the_every_one_hint():
    failed_with(payments_reader(first_only=True), "several Paid events")


def test_inventing_payments_for_a_failed_call_gets_the_rolled_back_hint():
    @named("payments")
    def remembers(result):
        return payments_reader()(result) or [("0x" + "a1" * 20, 1_200, 240_000)]
    failed_with(remembers, "failed keeps none of its events")


# --- how_it_ended: revert or halt, proven by the state root ----------------------------------

def ending_reader(root_after=False, assumed=False, one_slot=False, revert_for_all=False,
                  gas_left=False):
    """A learner's how_it_ended() with (at most) the mistakes switched on."""
    @named("how_it_ended")
    def how_it_ended(state, code, gas):
        before, slot = state.root(), state.storage_get(CONTRACT, 0)
        result = execute(state, code, Message(CALLER, CONTRACT, gas=gas))
        if result.success:
            ending = "success"
        else:
            ending = "revert" if result.reverted or revert_for_all else "halt"
        unchanged = state.root() == before
        if root_after:
            before = state.root()
            unchanged = state.root() == before
        if assumed:
            unchanged = not result.success
        if one_slot:
            unchanged = state.storage_get(CONTRACT, 0) == slot
        used = gas - result.gas_used if gas_left else result.gas_used
        return ending, used, unchanged
    return how_it_ended


def test_measuring_the_root_before_and_after_passes():
    assert check(ending_reader()).status == PASSED


def test_the_reference_sees_a_revert_and_a_halt_roll_back_and_a_write_stand():
    endings = {what: reference_ending(assemble(text), ENDING_GAS)
               for what, text in ENDING_CASES}
    assert endings["writes 42 to slot 0, then stops"] == ("success", 2_002, False)
    assert endings["writes 42 to slot 0, then refuses"] == ("revert", 2_003, True)
    assert endings["writes 42 to slot 0, then loops for ever"] == ("halt", 10_000, True)
    assert endings["only emits an event"] == ("success", 122, True)     # events are not state
    assert endings["writes 5 to slot 1"] == ("success", 2_002, False)


def test_a_root_taken_after_the_call_gets_the_before_hint():
    failed_with(ending_reader(root_after=True), "root BEFORE the call")


def test_a_rollback_assumed_from_success_gets_the_event_hint():
    failed_with(ending_reader(assumed=True), "measure, don't assume", "events live in")


def test_comparing_one_slot_gets_the_whole_state_hint():
    failed_with(ending_reader(one_slot=True), "root of the whole state")


def test_calling_every_failure_a_revert_gets_the_exceptional_halt_hint():
    failed_with(ending_reader(revert_for_all=True), "exceptional halt", "burns all the gas")


def test_the_gas_left_instead_of_the_gas_used_is_named():
    failed_with(ending_reader(gas_left=True), "not the gas left over")


def test_a_word_that_is_not_an_ending_is_refused():
    @named("how_it_ended")
    def shouts(state, code, gas):
        ending, used, unchanged = ending_reader()(state, code, gas)
        return ending.upper(), used, unchanged
    failed_with(shouts, "'success', 'revert' or 'halt'")


def test_forgetting_to_return_gets_the_return_hint():
    failed_with(returning("how_it_ended", None), "forget `return`")


# --- credits_from_events: a token's balances from its events -------------------------------

def events_reader(approvals=False, sent=True, skip_deploy=False):
    """A learner's credits_from_events() with (at most) the mistakes switched on."""
    @named("credits_from_events")
    def credits_from_events(credits, receipts, who):
        total = 0
        for receipt in receipts[1:] if skip_deploy else receipts:
            for event in credits.events(receipt):
                if event.name == "Approval" and approvals and event["spender"] == who:
                    total += event["amount"]
                if event.name != "Transfer":
                    continue
                total += event["amount"] if event["receiver"] == who else 0
                total -= event["amount"] if event["sender"] == who and sent else 0
        return total
    return credits_from_events


def test_the_story_has_a_refused_collection_and_the_events_add_up_to_balance_of():
    credits, receipts, balances = credits_story()
    assert [receipt.success for receipt in receipts].count(False) == 1
    assert not receipts[4].success and receipts[4].logs == ()
    assert {WHO.get(a, "co-op"): b for a, b in balances.items()} == {
        "Alice": 100, "Bob": 830, "Carol": 70, "co-op": 99_000}


def test_adding_up_the_transfers_passes():
    assert check(events_reader()).status == PASSED


def test_counting_an_approval_as_credits_gets_the_moves_nothing_hint():
    failed_with(events_reader(approvals=True), "<Bob>", "an Approval moves no credits")


def test_counting_only_what_was_received_gets_the_subtract_hint():
    failed_with(events_reader(sent=False), "<Alice>", "subtract what `who` sent")


def test_skipping_the_deploy_misses_the_mint():
    failed_with(events_reader(skip_deploy=True), "<the energy co-op>", "minted the supply")


def test_the_balance_without_a_return_gets_the_return_hint():
    failed_with(returning("credits_from_events", None), "forget `return`")


# --- prepaid_model: the audit's model ---------------------------------------------------------

def modeller(own=True, at_most=True, zero_withdraw=False, zero_deposit=False, subtract=True):
    """A learner's prepaid_model() with (at most) the mistakes switched on."""
    @named("prepaid_model")
    def prepaid_model(calls):
        left, answers = {}, []
        for who, function, amount in calls:
            if function == "deposit":
                ok = amount > 0 or zero_deposit
                left[who] = left.get(who, 0) + (amount if ok else 0)
            else:
                limit = left.get(who, 0) if own else sum(left.values())
                ok = ((amount > 0 or zero_withdraw)
                      and (amount <= limit if at_most else amount < limit))
                if ok and subtract:
                    left[who] = left.get(who, 0) - amount
            answers.append(ok)
        return answers
    return prepaid_model


def test_a_model_written_from_the_description_passes():
    assert check(modeller()).status == PASSED


def test_the_model_agrees_with_the_fix_and_disagrees_with_the_buggy_contract_every_time():
    for what, calls in MODEL_CASES:
        assert contract_accepts(calls) == model_accepts(calls), what
        assert contract_accepts(calls, fixed=False) != model_accepts(calls), what
    story = contract_accepts(MODEL_STORY, fixed=False)
    assert story[2] is True                 # the buggy contract pays Bob 80 of his 50


def test_a_model_copied_from_the_buggy_code_gets_the_description_hint():
    message = failed_with(modeller(own=False), "agrees with PREPAID_BUGGY", "OWN deposit")
    assert "call 3: bob withdraw(80): the contract refuses, your model accepts" in message


def test_a_strict_limit_gets_the_whole_deposit_hint():
    failed_with(modeller(at_most=False), "(<=, not <)")


def test_accepting_a_zero_withdrawal_is_named():
    failed_with(modeller(zero_withdraw=True), "0 is refused")


def test_accepting_a_zero_deposit_is_named():
    failed_with(modeller(zero_deposit=True), "a deposit of 0 is refused")


def test_forgetting_to_subtract_a_withdrawal_is_named():
    failed_with(modeller(subtract=False), "subtract the amount")


def test_answers_that_are_not_booleans_or_too_few_are_refused():
    failed_with(returning("prepaid_model", None), "forget `return`")
    failed_with(returning("prepaid_model", [1, 0, 1]), "list of booleans")
    failed_with(returning("prepaid_model", [True]), "one True or False for every call")


# --- state_writes: the syntax tree ----------------------------------------------------------

def writes_reader(**switches):
    """A learner's state_writes() built from the checker's reference with parts switched."""
    from minichain.checks.ch07 import _state_writes

    @named("state_writes")
    def state_writes(source):
        return _state_writes(source, **switches)
    return state_writes


def test_walking_the_assignments_passes():
    assert check(writes_reader()).status == PASSED


@pytest.mark.parametrize("switches, fragment", [
    (dict(augmented=False), "ast.AugAssign"),
    (dict(subscripts=False), "ast.Subscript"),
    (dict(tuples=False), "ast.Tuple"),
    (dict(locals_too=True), "a local such as width"),
    (dict(reads=True), "not every self.<name> it mentions"),
])
def test_each_missed_kind_of_assignment_gets_its_hint(switches, fragment):
    failed_with(writes_reader(**switches), fragment)


def test_leaving_out_methods_that_write_nothing_gets_the_every_method_hint():
    from minichain.checks.ch07 import _state_writes

    @named("state_writes")
    def only_writers(source):
        return {m: names for m, names in _state_writes(source).items() if names}
    failed_with(only_writers, "every method of the contract is a key")
