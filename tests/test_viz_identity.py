"""The chapter 08 figures, read as data: the picture says what the registry and the readings say.

The registry picture is drawn from a real street: Alice attested by the grid operator, Bob
revoked by the co-op, Erin applied and waiting. Every line in the figure must join the
nodes the registry joins, in the colour of what happened. The day of readings is checked
slot by slot: the bars are the readings, the strips are the guess and the truth.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from minichain.chain import GENESIS_TIME
from minichain.contracts.client import APPLIED, HOUSEHOLD, REVOKED, sunny_street
from minichain.viz.identity import (ASLEEP, AWAY, EDGE_STYLES, HOME, OCCUPANCY, Registration,
                                    agreement, clock, guess_occupancy, identity_edges,
                                    identity_figure, identity_positions, read_registrations,
                                    readings_day_figure, segments, slot_clock)
from minichain.wallet import Wallet
from market_fixtures import toy_street

AUTHORITIES = ["grid operator", "municipality", "energy co-op"]


@pytest.fixture(scope="module")
def registrations() -> tuple[Registration, ...]:
    street = toy_street(("alice", "bob"))
    market = street.market
    erin, erin_meter = Wallet.from_seed("erin"), Wallet.from_seed("erin-meter")
    co_op = street.authorities[2]
    market.apply(erin, erin_meter.address, 3, at=GENESIS_TIME + 1_200)
    market.revoke(co_op, street.address("bob"), at=GENESIS_TIME + 3_600)
    names = {wallet.address: name for name, wallet in
             zip(AUTHORITIES, street.authorities)}
    for name in ("alice", "bob", "erin"):
        names[Wallet.from_seed(name).address] = name
        names[Wallet.from_seed(f"{name}-meter").address] = f"{name}-meter"
    return read_registrations(market, [Wallet.from_seed(n).address for n in
                                       ("alice", "bob", "erin")], names)


def test_the_registry_is_read_back_with_names_and_times(registrations):
    alice, bob, erin = registrations
    # sunny_street deploys the registry (block 1), opens the market (block 2) and registers
    # house i with authority i % 3 in block 3, at GENESIS_TIME + 15
    assert alice == Registration("alice", HOUSEHOLD, "alice-meter", 1, "grid operator",
                                 GENESIS_TIME + 15)
    assert bob == Registration("bob", REVOKED, "bob-meter", 1, "municipality", GENESIS_TIME + 15,
                               "energy co-op", GENESIS_TIME + 3_600)
    assert erin == Registration("erin", APPLIED, "erin-meter", 3)


def test_clocks_read_the_chain_time_of_day():
    assert clock(GENESIS_TIME + 35 * 60) == "00:35"
    assert clock(GENESIS_TIME + 86_400 + 3_600 + 60) == "01:01"
    assert [slot_clock(s) for s in (0, 1, 73, 96)] == ["00:00", "00:15", "18:15", "24:00"]


def test_positions_put_one_household_per_row_and_each_bus_between_its_houses(registrations):
    positions = identity_positions(registrations, AUTHORITIES)
    assert [positions[("household", n)] for n in ("alice", "bob", "erin")] == [
        (1.0, 0.0), (1.0, -1.0), (1.0, -2.0)]
    assert positions[("meter", "erin-meter")] == (2.0, -2.0)
    assert [positions[("authority", a)] for a in AUTHORITIES] == [
        (0.0, 0.0), (0.0, -1.0), (0.0, -2.0)]
    assert positions[("bus", "bus 1")] == (3.0, -0.5)           # Alice and Bob
    assert positions[("bus", "bus 3")] == (3.0, -2.0)


def test_edges_follow_each_status(registrations):
    edges = identity_edges(registrations)
    assert edges["attested"] == [(("authority", "grid operator"), ("household", "alice"),
                                  "attested 00:00")]
    assert edges["revoked"] == [(("authority", "energy co-op"), ("household", "bob"),
                                 "revoked 01:00")]
    assert edges["bound"] == [(("household", "alice"), ("meter", "alice-meter"), "bound")]
    assert edges["unbound"] == [(("household", "bob"), ("meter", "bob-meter"), "unbound"),
                                (("meter", "bob-meter"), ("bus", "bus 1"), "")]
    assert edges["applied"] == [(("household", "erin"), ("meter", "erin-meter"), "applied"),
                                (("meter", "erin-meter"), ("bus", "bus 3"), "")]
    assert edges["bus"] == [(("meter", "alice-meter"), ("bus", "bus 1"), "")]


def test_the_figure_draws_the_revocation_red_and_dashed_from_the_co_op_to_bob(registrations):
    figure = identity_figure(registrations, AUTHORITIES)
    lines = {trace.name: trace for trace in figure.data if trace.mode == "lines"}
    revoked = lines["revoked by an authority"]
    assert (revoked.line.color, revoked.line.dash) == ("#d73027", "dash")
    assert list(revoked.x) == [0.0, 1.0, None] and list(revoked.y) == [-2.0, -1.0, None]
    attested = lines["attested by an authority"]
    assert list(attested.x) == [0.0, 1.0, None] and list(attested.y) == [0.0, 0.0, None]
    # a kind with no line stays out of the legend
    assert [t.name for t in figure.data if t.mode == "lines" and t.showlegend] == [
        "attested by an authority", "revoked by an authority", "meter bound",
        "applied, not yet attested", "meter unbound"]
    assert set(lines) == {style[0] for style in EDGE_STYLES.values()}
    labels = {a.text for a in figure.layout.annotations}
    assert {"attested 00:00", "revoked 01:00", "bound", "unbound", "applied"} <= labels
    households = next(t for t in figure.data if t.name == "households")
    assert list(households.text) == ["alice", "bob", "erin"]
    assert list(households.marker.color) == ["#1a9850", "#d73027", "#e8710a"]
    meters = next(t for t in figure.data if t.name == "smart meters")
    assert dict(zip(meters.text, meters.marker.color)) == {
        "alice-meter": "#1a9850", "bob-meter": "#969696", "erin-meter": "#969696"}
    assert figure.layout.font.size >= 16 and figure.layout.title.text


def test_a_household_that_never_applied_is_left_out_of_the_picture():
    never = Registration("zoe", 0, "", 0)
    alone = Registration("amy", HOUSEHOLD, "amy-meter", 2, "municipality", GENESIS_TIME)
    positions = identity_positions([never, alone], ["municipality"])
    assert ("household", "zoe") not in positions
    assert positions[("authority", "municipality")] == (0.0, 0.0)
    assert positions[("bus", "bus 2")] == (3.0, 0.0)


# --- a day of readings --------------------------------------------------------------------

def test_the_guess_reads_busy_slots_as_home_and_quiet_ones_by_the_clock():
    day = [20] * 96
    day[28] = 41                          # 07:00: 21 Wh above the quietest: someone is up
    day[29] = 40                          # exactly the margin above: still quiet
    day[90] = 300                         # 22:30
    guess = guess_occupancy(day)
    assert guess[28] == HOME and guess[29] == AWAY and guess[90] == HOME
    assert guess[27] == ASLEEP            # 06:45 is night (until 07:00)
    assert guess[88] == ASLEEP            # 22:00 is night again
    assert guess[50] == AWAY
    assert segments(guess) == [(0, 28, ASLEEP), (28, 29, HOME), (29, 88, AWAY),
                               (88, 90, ASLEEP), (90, 91, HOME), (91, 96, ASLEEP)]
    assert guess_occupancy([]) == ()
    assert guess_occupancy([5, 100], margin_wh=94, night=(0, 0)) == (AWAY, HOME)
    assert guess_occupancy([5, 5, 5], night=(1, 2)) == (AWAY, ASLEEP, AWAY)


def test_agreement_counts_equal_slots_and_refuses_days_of_different_length():
    assert agreement([HOME, AWAY, ASLEEP], [HOME, HOME, ASLEEP]) == 2
    with pytest.raises(ValueError, match="equal days"):
        agreement([HOME], [HOME, AWAY])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(OCCUPANCY), max_size=40))
def test_segments_cover_the_day_in_runs_of_one_state(states):
    runs = segments(states)
    assert [s for start, end, state in runs for s in [state] * (end - start)] == list(states)
    assert all(a[1] == b[0] and a[2] != b[2] for a, b in zip(runs, runs[1:]))


def test_the_day_figure_shows_the_readings_and_the_two_strips():
    imports = [20 + slot for slot in range(96)]
    exports = [0] * 40 + [100] * 16 + [0] * 40
    guess = guess_occupancy(imports, margin_wh=50)
    truth = [HOME] * 96
    figure = readings_day_figure(imports, exports, guess, truth, title="a day")
    bars = [t for t in figure.data if t.type == "bar" and t.x[0] is not None]
    assert [t.name for t in bars] == ["import from the grid (Wh)", "export to the grid (Wh)"]
    assert list(bars[0].y) == imports
    assert list(bars[1].y) == [-wh for wh in exports]
    assert bars[0].x[0] == 0.125 and bars[0].width == 0.25
    strip = next(t for t in figure.data if t.type == "heatmap")
    assert list(strip.y) == ["what really happened", "guessed from the chain"]
    codes = {state: OCCUPANCY.index(state) for state in OCCUPANCY}
    assert [list(row) for row in strip.z] == [[codes[s] for s in truth],
                                             [codes[s] for s in guess]]
    assert figure.layout.title.text == "a day"
    assert list(figure.layout.xaxis2.ticktext)[:3] == ["00:00", "03:00", "06:00"]


def test_the_day_figure_without_a_guess_has_one_row_and_hides_an_empty_export():
    figure = readings_day_figure([10] * 8, [0] * 8)
    assert [t.type for t in figure.data] == ["bar"]
    assert list(figure.layout.xaxis.ticktext) == ["00:00", "01:00", "02:00"]


@pytest.mark.parametrize("kwargs, message", [
    ({"export_wh": [0] * 5}, "same slots"),
    ({"guess": [HOME] * 5}, "guessed from the chain: expected 4 slots"),
    ({"truth": ["home", "out", "home", "home"]}, "unknown states \\['out'\\]"),
])
def test_the_day_figure_refuses_days_that_do_not_fit(kwargs, message):
    with pytest.raises(ValueError, match=message):
        readings_day_figure([10] * 4, **kwargs)
