"""What every lesson's "check your understanding" questions are made of (the Quiz widget shows them)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["QuizQuestion"]


@dataclass(frozen=True)
class QuizQuestion:
    """A multiple-choice question: the choices, the index of the right one, and feedback for each choice."""

    question: str
    choices: tuple[str, ...]
    feedback: tuple[str, ...]  # feedback[i] is shown when choice i is picked
    answer: int
