"""Concept questions with instant feedback: three per chapter, answered by a click (all chapters).

A chapter ends with ``quiz(NN)``: its questions, each with a few choices and a *Check*
button that answers at once, ✅ with a one-line why, or ❌ with a nudge for that choice.
Without widgets (plain Python, a test) ``answer(NN, number, "b")`` gives the same verdict.
Chapters register their questions with ``concept(...)`` in ``minichain/checks/chNN.py``,
next to the chapter's exercises, so the two stay together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minichain.checks import FAILED, PASSED, Verdict, _load_chapters

LETTERS = "abcdefgh"
NUDGE = "not this one; read the choice again against the chapter, then try another"


@dataclass(frozen=True)
class Question:
    """A concept question: one right choice among a few, and why it is right, in one line."""

    chapter: int
    number: int
    prompt: str
    choices: tuple[str, ...]
    answer: int                       # index of the right choice
    why: str
    nudges: tuple[str, ...] = ()      # per choice: what to reconsider ("" for the right one)

    def __post_init__(self) -> None:
        if not 2 <= len(self.choices) <= len(LETTERS):
            raise ValueError(f"question {self.label}: give 2..{len(LETTERS)} choices")
        if not 0 <= self.answer < len(self.choices):
            raise ValueError(f"question {self.label}: answer must index a choice")
        if self.nudges and len(self.nudges) != len(self.choices):
            raise ValueError(f"question {self.label}: one nudge per choice, or none")

    @property
    def label(self) -> str:
        return f"{self.chapter:02d}.{self.number}"

    def verdict(self, choice: int) -> Verdict:
        """✅ with the why for the right choice; ❌ with that choice's nudge otherwise."""
        if choice == self.answer:
            return Verdict(f"question {self.label}", PASSED, f"right: {self.why}")
        nudge = (self.nudges[choice] if self.nudges else "") or NUDGE
        return Verdict(f"question {self.label}", FAILED, f"not {LETTERS[choice]}): {nudge}")

    def text(self) -> str:
        """The question and its lettered choices, as plain text."""
        lines = [f"{self.label}  {self.prompt}"]
        lines += [f"   {LETTERS[i]}) {choice}" for i, choice in enumerate(self.choices)]
        return "\n".join(lines)


QUESTIONS: dict[tuple[int, int], Question] = {}


def concept(chapter: int, prompt: str, choices: list[str] | tuple[str, ...], answer: str,
            why: str, nudges: dict[str, str] | None = None) -> Question:
    """Register the chapter's next question; ``answer`` and ``nudges`` use the letters a, b, c..."""
    number = 1 + sum(1 for (ch, _) in QUESTIONS if ch == chapter)
    letters = LETTERS[:len(choices)]
    if answer not in letters or any(letter not in letters for letter in nudges or {}):
        raise ValueError(f"question {chapter:02d}.{number}: letters must be among {letters!r}")
    question = Question(chapter, number, prompt, tuple(choices), letters.index(answer), why,
                        tuple((nudges or {}).get(letter, "") for letter in letters)
                        if nudges else ())
    QUESTIONS[(chapter, number)] = question
    return question


def questions_of(chapter: int) -> list[Question]:
    """The chapter's questions, in order."""
    _load_chapters()
    return [QUESTIONS[key] for key in sorted(QUESTIONS) if key[0] == chapter]


def _choice_index(question: Question, choice: Any) -> int:
    if isinstance(choice, str) and len(choice) == 1 and choice.lower() in LETTERS[:len(question.choices)]:
        return LETTERS.index(choice.lower())
    if isinstance(choice, str) and choice in question.choices:
        return question.choices.index(choice)
    raise ValueError(f"answer question {question.label} with a letter "
                     f"{', '.join(LETTERS[:len(question.choices)])}, got {choice!r}")


def answer(chapter: int, number: int, choice: Any) -> Verdict:
    """The verdict on ``choice`` (a letter such as ``"b"``, or the choice's text)."""
    _load_chapters()
    question = QUESTIONS.get((chapter, number))
    if question is None:
        raise ValueError(f"chapter {chapter:02d} has no question {number}; it has "
                         f"{[q.number for q in questions_of(chapter)]}")
    return question.verdict(_choice_index(question, choice))


def quiz(chapter: int):
    """The chapter's questions as a widget: pick a choice, press Check, read the verdict."""
    import ipywidgets as widgets          # loaded here: the checks themselves need no widgets

    class Quiz(widgets.VBox):
        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            """The widget, and the questions as text for a viewer without widgets."""
            bundle = super()._repr_mimebundle_(**kwargs)
            if isinstance(bundle, dict):
                bundle["text/plain"] = "\n\n".join(q.text() for q in questions_of(chapter))
            return bundle

    boxes = []
    for question in questions_of(chapter):
        options = [(f"{LETTERS[i]}) {text}", i) for i, text in enumerate(question.choices)]
        picker = widgets.RadioButtons(options=options, value=None,
                                      layout=widgets.Layout(width="auto"))
        button = widgets.Button(description="Check", button_style="info")
        feedback = widgets.HTML()

        def on_click(_: Any, question: Question = question, picker: Any = picker,
                     feedback: Any = feedback) -> None:
            if picker.value is None:
                feedback.value = "pick one of the choices first"
                return
            feedback.value = repr(question.verdict(picker.value))

        button.on_click(on_click)
        boxes.append(widgets.VBox([widgets.HTML(f"<b>{question.label}</b> {question.prompt}"),
                                   picker, widgets.HBox([button, feedback])]))
    return Quiz(boxes)
