"""Exceptions that carry a message a researcher can act on: which file, row, column or parameter, and which rule."""

from __future__ import annotations


class TraffickingResearchError(Exception):
    """Base class of the package's own errors."""


class DataValidationError(TraffickingResearchError, ValueError):
    """A data file breaks a rule of its schema or of the published accounting identities."""

    def __init__(self, problems: list[str], *, limit: int = 20) -> None:
        self.problems = list(problems)
        shown = self.problems[:limit]
        more = len(self.problems) - len(shown)
        text = "\n".join(f"- {p}" for p in shown)
        if more > 0:
            text += f"\n- ... and {more} more"
        super().__init__(f"{len(self.problems)} data problem(s):\n{text}")


class SeriesError(TraffickingResearchError, ValueError):
    """A series cannot be modelled (too few years, all zeros, bad year range)."""


class ParameterError(TraffickingResearchError, ValueError):
    """A notebook or command parameter is unknown or of the wrong type."""


class NotebookExecutionError(TraffickingResearchError, RuntimeError):
    """A notebook raised while it was executed."""
