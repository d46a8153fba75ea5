"""A rounding leak, both ways: hypothesis finds it in prepaid_buggy and shrinks it to the
smallest deal; prepaid_fixed keeps the property for every deal; the exploit drains Bob's
refund from the buggy contract and gets nothing from the fixed one (chapter 13).
"""

from __future__ import annotations

from hypothesis import HealthCheck, find, given, settings, strategies as st

from minichain import cast
from minichain.attacks.rounding import (TINY_PRICE, conserves, exploit, prepaid_lab,
                                        search_leak, settle_deal)
from minichain.contracts import source

DEALS = st.tuples(st.integers(1, 2_000), st.integers(cast.FEED_IN, cast.RETAIL)).flatmap(
    lambda qp: st.tuples(st.just(qp[0]), st.just(qp[1]), st.integers(0, qp[0])))


def test_the_two_contracts_differ_only_in_the_refund():
    fixed, buggy = source("prepaid_fixed"), source("prepaid_buggy")
    body = lambda text: text[text.index("from minichain.vm.lang"):]       # noqa: E731
    changed = [(a, b) for a, b in zip(body(fixed).splitlines(), body(buggy).splitlines())
               if a != b]
    assert changed[0] == ("        refund = self.locked[deal] - paid                   "
                          "# the rest: one rounding", "        q = self.quantity[deal]")


def test_hypothesis_finds_the_leak_and_shrinks_it_to_one_wh_undelivered():
    leaking = find(DEALS, lambda deal: not conserves("prepaid_buggy", *deal),
                   settings=settings(max_examples=200, database=None, deadline=None,
                                     suppress_health_check=list(HealthCheck)))
    quantity, price, delivered = leaking
    assert (quantity, delivered) == (1, 0) and price % 1000 != 0


@settings(max_examples=40, deadline=None, database=None)
@given(DEALS)
def test_the_fixed_contract_pays_out_exactly_what_each_deal_locked(deal):
    assert conserves("prepaid_fixed", *deal)


@settings(max_examples=25, deadline=None, database=None)
@given(st.lists(DEALS, min_size=1, max_size=6))
def test_the_fixed_contract_holds_exactly_its_open_deals_after_any_settlements(deals):
    lab, prepaid = prepaid_lab("prepaid_fixed")
    for quantity, price, delivered in deals:
        deal = settle_deal(lab, prepaid, "bob", quantity, price, delivered)
        assert deal.paid + deal.refund == deal.locked and deal.paid >= 0 <= deal.refund
    assert lab.state.balance(prepaid.address) == 0 == prepaid.read(lab.state, "held")


def test_a_seeded_search_finds_it_too_and_nothing_in_the_fixed_contract():
    leak = search_leak("prepaid_buggy", seed=1)
    assert leak is not None and leak.leak == 1
    assert (leak.quantity_wh, leak.price, leak.delivered_wh) == (1335, 179513, 429)
    assert search_leak("prepaid_fixed", seed=1, tries=50) is None


def test_the_exploit_empties_bobs_refund_and_fails_on_the_fixed_contract():
    assert TINY_PRICE * 1 // 1000 == 80                   # 80.001 µ€ rounded down
    buggy = exploit("prepaid_buggy", deals=40)
    assert (buggy.mallory_gain, buggy.held_before_bob, buggy.bob_locked) == (40, 660, 700)
    assert not buggy.bob_refunded
    assert buggy.reason.endswith("the contract holds 660 µ€, cannot send 701 µ€")
    fixed = exploit("prepaid_fixed", deals=40)
    assert (fixed.mallory_gain, fixed.held_before_bob, fixed.bob_refunded) == (0, 700, True)


def test_only_the_arbiter_confirms():
    lab, prepaid = prepaid_lab("prepaid_fixed")
    opened = lab.send("bob", prepaid, "open", lab.address("alice"), 10, cast.RETAIL,
                      value=3_200)
    before = lab.state.copy()
    refused = lab.send(cast.ATTACKER, prepaid, "confirm", prepaid.output("open", opened), 0)
    assert str(refused.error) == "only the arbiter confirms"
    before.increment_nonce(lab.address(cast.ATTACKER))
    assert lab.state.root() == before.root()
