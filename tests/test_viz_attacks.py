"""The attack lab's ladder picture, tested as data: one bar per deposit for what Mallory
forfeits and what she gains, coloured by whether the ladder pays, the break-even marked."""

from __future__ import annotations

from minichain.attacks.front_running import ladder_attack, ladder_break_even
from minichain.viz.attacks import ladder_figure
from minichain.viz.style import COLOURS

RUNS = [(0, 0, 50_000), (1_000, 9_000, 41_000), (5_556, 50_004, -4)]


def test_one_pair_of_bars_per_deposit_coloured_by_the_sign_of_the_gain():
    figure = ladder_figure(RUNS, break_even=5_556)
    forfeits, gains = figure.data
    assert list(forfeits.x) == ["0", "1,000", "5,556"] == list(gains.x)
    assert list(forfeits.y) == [0, 9_000, 50_004] and list(gains.y) == [50_000, 41_000, -4]
    assert list(gains.marker.color) == [COLOURS["overload"]] * 2 + [COLOURS["ok"]]
    note, = figure.layout.annotations
    assert (note.x, note.text) == ("5,556", "break-even deposit")
    assert figure.layout.barmode == "group"


def test_the_bars_are_the_library_runs():
    break_even = ladder_break_even()
    lot = ladder_attack(break_even)
    assert (break_even, lot.forfeited, lot.gain("mallory")) == RUNS[-1]


def test_no_runs_say_so():
    figure = ladder_figure([])
    assert figure.data == () and "no ladder runs" in figure.layout.annotations[0].text
