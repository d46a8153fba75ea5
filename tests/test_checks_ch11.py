"""The chapter 11 checks answer the usual wrong turns with the hint that fixes them.

A learner who gets an exercise wrong should read, in the verdict, the hint for the mistake
they actually made. Each test writes one plausible wrong answer and names the hint it must
get. The checkers' reference answers are held against the library the simulator uses:
``kpis.self_sufficiency`` and ``kpis.baseline_bill`` on the chapter's day,
``grid.LineLoading.overloaded`` on a feeder with thin cables, and a node's own canonical
chain for the chain read out of its store.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from checks_kit import failed_with, named

from minichain.checks import PASSED, check
from minichain.checks.ch11 import (AGENT_HOUSEHOLD, CONGESTION_CASES, STORE_CASES,
                                   baseline_reference, chain_in_store_reference, chapter_day,
                                   congested_reference, day_with_agent, self_consumption_slots,
                                   self_sufficiency_reference, street_pairs, truthful_bill)
from minichain.day import kpis
from minichain.day.agents import OrderIntent, Truthful
from minichain.microgrid.grid import line_flows, line_loadings, make_feeder
from minichain.market.orders import BUY, SELL
from minichain import cast
from minichain.market.units import amount_for


# --- the references agree with the library ---------------------------------------------------

def test_the_self_sufficiency_reference_is_the_kpi_of_the_chapters_day():
    day = chapter_day()
    assert self_sufficiency_reference(street_pairs(day)) == \
        kpis.permille(kpis.self_sufficiency(day)) == 716


@pytest.mark.parametrize("name", ["alice", "bob", "frank", "heidi"])
def test_the_baseline_reference_is_the_kpi_for_every_kind_of_home(name):
    day = chapter_day()
    imports, exports = self_consumption_slots(day, name)
    assert baseline_reference(imports, exports, cast.RETAIL, cast.FEED_IN) == kpis.baseline_bill(day, name)


def test_the_congestion_reference_names_an_overloaded_line_of_a_thin_feeder():
    feeder = make_feeder(["alice", "bob", "carol", "dave"], main_capacity_w=3_000)
    flows = line_flows(feeder, {"alice": 400, "bob": 300, "carol": -100, "dave": 900})
    capacities = {line: feeder.capacity_wh(line) for line in feeder.lines}
    worst = congested_reference(flows, capacities)
    over = {l.line: Fraction(abs(l.flow_wh), l.capacity_wh) for l in line_loadings(feeder, flows)
            if l.overloaded}
    assert worst == "bus-1" and over[worst] == max(over.values()) == Fraction(1500, 750)
    assert congested_reference({line: 0 for line in capacities}, capacities) is None


def test_the_congestion_cases_cover_none_a_tie_and_a_negative_flow():
    answers = [congested_reference(flows, caps) for _, flows, caps in CONGESTION_CASES]
    assert answers == [None, "bob", "carol", "dave", "alice", None, "alice"]


# --- self_sufficiency ----------------------------------------------------------------------

def test_self_sufficiency_averaging_per_slot_shares_is_told_to_sum_first():
    @named("self_sufficiency")
    def average(slots):
        shares = [max(0, l - i) / l for l, i in slots if l]
        if not shares:
            return None
        return round(1000 * sum(shares) / len(shares))
    failed_with(average, "three slots", "sum the load and the imports")


def test_self_sufficiency_rounding_down_is_told_to_round_half_up():
    @named("self_sufficiency")
    def truncate(slots):
        load = sum(l for l, _ in slots)
        return None if not load else max(0, load - sum(i for _, i in slots)) * 1000 // load
    failed_with(truncate, "half a per mille", "round half up")


def test_self_sufficiency_as_a_fraction_or_percentage_is_told_per_mille():
    @named("self_sufficiency")
    def fraction(slots):
        load = sum(l for l, _ in slots)
        return None if not load else max(0, load - sum(i for _, i in slots)) / load
    failed_with(fraction, "not a fraction of one")

    @named("self_sufficiency")
    def percent(slots):
        load = sum(l for l, _ in slots)
        return None if not load else round(100 * max(0, load - sum(i for _, i in slots)) / load)
    failed_with(percent, "not in per cent")


def test_self_sufficiency_without_a_floor_is_told_it_cannot_be_negative():
    @named("self_sufficiency")
    def unclamped(slots):
        load = sum(l for l, _ in slots)
        local = load - sum(i for _, i in slots)
        return None if not load else (2000 * local + load) // (2 * load)
    failed_with(unclamped, "more imported than used", "max(0, load - imports)")


def test_self_sufficiency_dividing_by_zero_is_told_to_return_none():
    @named("self_sufficiency")
    def divides(slots):
        load = sum(l for l, _ in slots)
        local = max(0, load - sum(i for _, i in slots))
        return (2000 * local + load) // (2 * load)
    failed_with(divides, "divided by zero", "return None")


def test_self_sufficiency_of_the_imported_share_is_told_it_is_the_rest():
    @named("self_sufficiency")
    def imported_share(slots):
        load = sum(l for l, _ in slots)
        return None if not load else (2000 * sum(i for _, i in slots) + load) // (2 * load)
    failed_with(imported_share, "came from the utility")


# --- congested_line -----------------------------------------------------------------------

def test_congested_line_ignoring_the_sign_is_told_about_flows_to_the_homes():
    @named("congested_line")
    def signed(flows, capacities):
        over = [l for l in capacities if flows[l] > capacities[l]]
        return max(over, key=lambda l: flows[l] / capacities[l]) if over else None
    failed_with(signed, "heat pump", "abs(flow)")


def test_congested_line_by_largest_flow_is_told_to_compare_loadings():
    @named("congested_line")
    def largest(flows, capacities):
        if not any(abs(flows[l]) > capacities[l] for l in capacities):
            return None
        return max(capacities, key=lambda l: abs(flows[l]))
    failed_with(largest, "Bob's connection", "four times thinner")


def test_congested_line_counting_a_full_line_is_told_full_is_allowed():
    @named("congested_line")
    def at_capacity(flows, capacities):
        over = [l for l in capacities if abs(flows[l]) >= capacities[l]]
        return max(over, key=lambda l: abs(flows[l]) / capacities[l]) if over else None
    failed_with(at_capacity, "exactly full", "exactly its capacity")


def test_congested_line_returning_the_first_overloaded_is_told_to_find_the_worst():
    @named("congested_line")
    def first(flows, capacities):
        return next((l for l in capacities if abs(flows[l]) > capacities[l]), None)
    failed_with(first, "Dave's thin line is fuller", "most overloaded")


def test_congested_line_that_never_says_none_is_told_to():
    @named("congested_line")
    def always(flows, capacities):
        return max(capacities, key=lambda l: abs(flows[l]) / capacities[l])
    failed_with(always, "ordinary noon", "return None")


def test_congested_line_taking_the_last_on_a_tie_is_told_the_first():
    @named("congested_line")
    def last_on_tie(flows, capacities):
        over = [l for l in capacities if abs(flows[l]) > capacities[l]]
        if not over:
            return None
        best = max(Fraction(abs(flows[l]), capacities[l]) for l in over)
        return [l for l in over if Fraction(abs(flows[l]), capacities[l]) == best][-1]
    failed_with(last_on_tie, "a tie", "comes first")


# --- baseline_bill ------------------------------------------------------------------------

def test_baseline_bill_rounded_once_a_day_is_told_to_pay_each_slot():
    @named("baseline_bill")
    def once(imports, exports, retail, feed_in):
        return amount_for(sum(imports), retail) - amount_for(sum(exports), feed_in)
    failed_with(once, "do not come to whole µ€", "once per slot")


def test_baseline_bill_with_the_sign_reversed_is_told_what_a_bill_is():
    @named("baseline_bill")
    def earned(imports, exports, retail, feed_in):
        return sum(amount_for(x, feed_in) - amount_for(i, retail)
                   for i, x in zip(imports, exports))
    failed_with(earned, "0.5 kWh exported", "imports cost (+)")


def test_baseline_bill_with_swapped_tariffs_is_told_which_is_which():
    @named("baseline_bill")
    def swapped(imports, exports, retail, feed_in):
        return sum(amount_for(i, feed_in) - amount_for(x, retail)
                   for i, x in zip(imports, exports))
    failed_with(swapped, "imports are paid at retail")


def test_baseline_bill_in_floats_is_told_to_use_whole_micro_euros():
    @named("baseline_bill")
    def floats(imports, exports, retail, feed_in):
        return sum(i * retail / 1000 - x * feed_in / 1000 for i, x in zip(imports, exports))
    failed_with(floats, "money is whole µ€", "never floats")


def test_baseline_bill_rounding_a_float_is_caught_by_a_large_amount():
    @named("baseline_bill")
    def int_of_float(imports, exports, retail, feed_in):
        return sum(int(i * retail / 1000) - int(x * feed_in / 1000)
                   for i, x in zip(imports, exports))
    failed_with(int_of_float, "a country's yearly use", "about 16 digits", "never floats")


def test_baseline_bill_without_exports_is_told_they_earn():
    @named("baseline_bill")
    def imports_only(imports, exports, retail, feed_in):
        return sum(amount_for(i, retail) for i in imports)
    failed_with(imports_only, "exports earn money too")


# --- my_agent -----------------------------------------------------------------------------

def test_the_checkers_day_gives_truthful_carol_a_bill_to_beat():
    assert truthful_bill() == -4_032_592
    assert kpis.baseline_bill(day_with_agent(Truthful()), AGENT_HOUSEHOLD) == -3_013_680


def test_an_agent_that_trades_nothing_is_told_to_return_orders():
    failed_with(named("my_agent")(lambda view: []), "posted no orders", "OrderIntent(SELL")


def test_a_copy_of_truthful_is_told_to_change_the_prices():
    @named("my_agent")
    def copy(view):
        return Truthful().orders(view)
    failed_with(copy, "exactly what truthful bidding earns", "change the prices")


def test_a_greedy_agent_is_told_that_nobody_buys():
    @named("my_agent")
    def greedy(view):
        balance = view.residual()
        if balance.export_wh:
            return [OrderIntent(SELL, balance.export_wh, view.tariffs.retail - 1)]
        if balance.import_wh:
            return [OrderIntent(BUY, balance.import_wh, view.tariffs.feed_in + 1)]
        return []
    failed_with(greedy, "Wh traded", "nobody buys")


def test_an_agent_outside_the_tariff_band_is_told_what_the_market_accepts():
    @named("my_agent")
    def too_dear(view):
        balance = view.residual()
        return [OrderIntent(SELL, balance.export_wh, 99)] if balance.export_wh else []
    failed_with(too_dear, "refused your agent's orders", "between view.tariffs.feed_in")


def test_shading_towards_the_last_price_beats_truthful_bidding():
    @named("my_agent")
    def near_the_market(view):
        balance, last = view.residual(), view.last_price
        if balance.export_wh:
            price = view.tariffs.feed_in if last is None else max(view.tariffs.feed_in, last - 1)
            return [OrderIntent(SELL, balance.export_wh, price)]
        return Truthful().orders(view)
    assert check(near_the_market).status == PASSED
    assert kpis.bill(day_with_agent(near_the_market), AGENT_HOUSEHOLD) < truthful_bill()


# --- chain_in_store -----------------------------------------------------------------------

def test_the_store_reference_reads_the_nodes_own_chain_out_of_a_real_store():
    stored, head = STORE_CASES[-1][1]()
    chain = chain_in_store_reference(list(stored), head)
    assert chain[-1] == head and stored[0][2] is None and chain[0] == stored[0][1]
    assert len(stored) > len(chain), "the real store also keeps a block that lost a race"
    assert [number for number, block_hash, _ in stored if block_hash in chain] == \
        list(range(len(chain)))


def test_the_store_cases_cover_a_lost_race_a_reorg_the_genesis_alone_and_a_gap():
    answers = [chain_in_store_reference(*make()) for _, make in STORE_CASES[:-1]]
    assert answers == [["g", "a", "b"], ["g", "a", "b", "c"], ["g", "a", "b"], ["g"],
                       ["g", "a", "y", "z", "w"], None]


def test_a_store_read_as_it_is_is_told_to_follow_the_parent_links():
    @named("chain_in_store")
    def whole_file(stored, head):
        return [block_hash for _, block_hash, _ in stored]
    failed_with(whole_file, "lost a race is stored too", "follow the parent links")


def test_a_chain_head_first_is_told_to_reverse():
    @named("chain_in_store")
    def head_first(stored, head):
        parent_of = {h: p for _, h, p in stored}
        chain = []
        while head is not None:
            chain.append(head)
            head = parent_of[head]
        return chain
    failed_with(head_first, "three blocks in a row", "genesis first")


def test_a_chain_without_the_genesis_is_told_to_include_it():
    @named("chain_in_store")
    def no_genesis(stored, head):
        parent_of = {h: p for _, h, p in stored}
        chain = []
        while parent_of[head] is not None:
            chain.append(head)
            head = parent_of[head]
        return chain[::-1]
    failed_with(no_genesis, "include it")


def test_one_block_per_number_is_told_that_numbers_do_not_say_which():
    @named("chain_in_store")
    def first_per_number(stored, head):
        first = {}
        for number, block_hash, _ in stored:
            first.setdefault(number, block_hash)
        return [first[n] for n in sorted(first)]
    failed_with(first_per_number, "losing block was written first", "parent links do")


def test_half_a_chain_when_a_block_is_missing_is_told_to_return_none():
    @named("chain_in_store")
    def what_it_found(stored, head):
        parent_of = {h: p for _, h, p in stored}
        chain = []
        while head in parent_of:
            chain.append(head)
            head = parent_of[head]
        return chain[::-1]
    failed_with(what_it_found, "block b is missing", "return None")
