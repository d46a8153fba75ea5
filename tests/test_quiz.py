"""Concept questions: registered per chapter, answered by letter or by click, with a why."""

import re
from pathlib import Path

import pytest

from minichain.checks import FAILED, PASSED
from minichain.checks.quiz import QUESTIONS, Question, answer, concept, questions_of, quiz

CHAPTER = 99    # a chapter no course notebook uses, so these tests own it


@pytest.fixture(autouse=True)
def toy_questions():
    concept(CHAPTER, "What does a hash of the same bytes give twice?",
            ["the same digest", "a new digest each time", "it depends on the machine"],
            answer="a", why="SHA-256 is a function: same input, same output, everywhere",
            nudges={"b": "that would be a random number, not a hash",
                    "c": "the digest is defined bit for bit by the standard"})
    concept(CHAPTER, "Which is an integer?", ["1.5", "2"], answer="b", why="2 has no fraction")
    yield
    for key in [key for key in QUESTIONS if key[0] == CHAPTER]:
        del QUESTIONS[key]


def test_questions_are_numbered_in_the_order_a_chapter_registers_them():
    assert [q.number for q in questions_of(CHAPTER)] == [1, 2]
    assert questions_of(CHAPTER)[0].label == "99.1"


def test_the_right_letter_gets_the_why_and_a_wrong_one_its_nudge():
    right = answer(CHAPTER, 1, "a")
    assert (right.status, right.message) == (PASSED, "right: SHA-256 is a function: same "
                                                     "input, same output, everywhere")
    wrong = answer(CHAPTER, 1, "B")
    assert (wrong.status, wrong.message) == (FAILED, "not b): that would be a random number, "
                                                     "not a hash")
    assert answer(CHAPTER, 1, "the same digest").passed
    assert "not a): not this one" in answer(CHAPTER, 2, "a").message


def test_a_choice_that_is_not_offered_is_refused_with_the_letters_to_use():
    with pytest.raises(ValueError, match="with a letter a, b, c, got 'd'"):
        answer(CHAPTER, 1, "d")
    with pytest.raises(ValueError, match="has no question 7; it has \\[1, 2\\]"):
        answer(CHAPTER, 7, "a")
    with pytest.raises(ValueError, match="letters must be among 'ab'"):
        concept(CHAPTER, "?", ["x", "y"], answer="c", why="-")
    with pytest.raises(ValueError, match="answer must index a choice"):
        Question(CHAPTER, 9, "?", ("x", "y"), 2, "-")


def test_the_widget_answers_a_click_and_shows_the_questions_as_text_without_widgets():
    widget = quiz(CHAPTER)
    first = widget.children[0]
    picker, (button, feedback) = first.children[1], first.children[2].children
    button.click()
    assert feedback.value == "pick one of the choices first"
    picker.value = 1
    button.click()
    assert feedback.value == "❌ question 99.1: not b): that would be a random number, not a hash"
    picker.value = 0
    button.click()
    assert feedback.value.startswith("✅ question 99.1: right: SHA-256 is a function")
    text = widget._repr_mimebundle_()["text/plain"]
    assert text.startswith("99.1  What does a hash of the same bytes give twice?\n   a) the same")
    assert "99.2  Which is an integer?\n   a) 1.5\n   b) 2" in text


# --- the chapters' own questions ---------------------------------------------------------------

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
QUIZZED = sorted(int(path.name[:2]) for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")
                 if re.search(r"quiz\(\d+\)", path.read_text()))


def test_each_quiz_cell_asks_for_its_own_chapter():
    for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"):
        for number in re.findall(r"quiz\((\d+)\)", path.read_text()):
            assert int(number) == int(path.name[:2]), path.name
    assert set(range(1, 15)) <= set(QUIZZED)           # every chapter after 00 asks


@pytest.mark.parametrize("chapter", QUIZZED)
def test_each_chapter_asks_three_questions_and_the_right_answer_gets_its_why(chapter):
    questions = questions_of(chapter)
    assert [q.number for q in questions] == [1, 2, 3]
    for question in questions:
        right = answer(chapter, question.number, "abcdefgh"[question.answer])
        assert right.passed and right.message == f"right: {question.why}"
        assert len(question.choices) >= 3 and question.why
        for index, nudge in enumerate(question.nudges):
            if index == question.answer:
                continue
            assert nudge, f"{question.label}: choice {index} has no nudge"
            wrong = question.verdict(index)
            assert not wrong.passed and wrong.message.endswith(nudge)
