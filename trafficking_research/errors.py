"""The package's one exception hierarchy.

Every error the package raises on purpose derives from `TraffickingResearchError` and carries a message a
researcher can act on: which file, row, column or parameter, and which rule. "Could not fit" is said one way:
a `FitError` (or one of its subclasses), which an analysis turns into a recorded reason.

    TraffickingResearchError
    ├── DataValidationError        a data file breaks a rule of its schema or of the accounting identities
    ├── LedgerError                the claims ledger breaks a rule of its format
    ├── ParameterError             a notebook, command or function parameter is unknown or out of range
    ├── FitError                   a model could not be fitted to the data it was given
    │   ├── SeriesError            a series cannot be modelled (too few years, all zeros, ...)
    │   └── ModelNotEstimableError an MSE model gives no usable estimate for a table
    │       ├── EstimateDoesNotExistError
    │       └── ModelNotIdentifiableError
    ├── SelectionError             an MSE model-selection method is unknown or cannot run on a table
    ├── OutputBusyError            another run holds the output folder (and the caller chose not to wait)
    ├── OutputWriteError           writing to the output folder failed (a full disk, a read-only folder)
    └── NotebookExecutionError     a notebook raised while it was executed
"""

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


class LedgerError(TraffickingResearchError, ValueError):
    """The claims ledger breaks a rule of its format; every problem is listed with its place."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} ledger problem(s):\n" + "\n".join(f"- {p}" for p in self.problems))


class ParameterError(TraffickingResearchError, ValueError):
    """A notebook, command or function parameter is unknown, of the wrong type or out of range."""

    def _render_traceback_(self) -> list[str]:
        """In a notebook (IPython, papermill) the error shows as its one-line message, not a traceback."""
        return [f"ParameterError: {self}"]


class FitError(TraffickingResearchError, ValueError):
    """A model could not be fitted to the data it was given; analyses record the message as the reason."""


class SeriesError(FitError):
    """A series cannot be modelled (too few years, all zeros, bad year range)."""


class ModelNotEstimableError(FitError):
    """A log-linear MSE model gives no usable estimate of the dark figure for a table."""

    def __init__(self, table: str, model: str, reason: str) -> None:
        self.table = table
        self.model = model
        self.reason = reason
        super().__init__(f"table '{table}', model '{model}': {reason}")


class EstimateDoesNotExistError(ModelNotEstimableError):
    """The maximum-likelihood estimate does not exist (some parameter runs off to infinity)."""


class ModelNotIdentifiableError(ModelNotEstimableError):
    """The design on the cells that enter the fit is rank deficient, so the parameters are not identified."""


class SelectionError(TraffickingResearchError, ValueError):
    """A model-selection method is unknown, mis-specified or cannot be run on a table."""


class NotebookExecutionError(TraffickingResearchError, RuntimeError):
    """A notebook raised while it was executed."""


class OutputBusyError(TraffickingResearchError):
    """Another run holds the output folder and the caller chose not to wait."""


class OutputWriteError(TraffickingResearchError, OSError):
    """Writing to the output folder failed (a full disk, a folder made read-only during the run)."""
