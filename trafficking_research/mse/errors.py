"""Errors of multiple systems estimation: a model that cannot give an estimate for a given table."""

from __future__ import annotations

from trafficking_research.errors import TraffickingResearchError


class ModelNotEstimableError(TraffickingResearchError, ValueError):
    """A log-linear model gives no usable estimate of the dark figure for a table."""

    def __init__(self, table: str, model: str, reason: str) -> None:
        """Keep the table's and the model's names, and say both in the message."""
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
