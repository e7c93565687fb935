"""Multiple systems estimation (MSE) of hidden victims from overlapping lists.

Log-linear models of the incomplete 2^k table of list memberships are fitted with statsmodels'
Poisson GLM; pairs of lists with no observed overlap are handled as in Chan, Silverman & Vincent
(2021, JASA 116:1297-1306) and models whose estimate does not exist are refused (SparseMSE's
linear-programming check). See `selection.METHODS` for the model-selection methods.
"""

from ...data.capture_tables import SHARED_MSE_DIR, CaptureTable, load_table, load_tables, table_from_frame
from ...errors import EstimateDoesNotExistError, ModelNotEstimableError, ModelNotIdentifiableError, SelectionError
from .design import Design, all_pairs, build_design, model_label, normalize_pairs
from .existence import ModelCheck, check_model, existence_lp, require_estimable
from .intervals import BootstrapResult, ProfileInterval, bootstrap, profile_interval
from .model import MSEFit, fit_model
from .selection import METHODS, aic_stepwise, bic, main_effects, select_model, stepwise
from .simulate import expected_dark_share, history_probabilities, simulate_table

__all__ = [
    "METHODS",
    "SHARED_MSE_DIR",
    "BootstrapResult",
    "CaptureTable",
    "Design",
    "EstimateDoesNotExistError",
    "MSEFit",
    "ModelCheck",
    "ModelNotEstimableError",
    "ModelNotIdentifiableError",
    "ProfileInterval",
    "SelectionError",
    "aic_stepwise",
    "all_pairs",
    "bic",
    "bootstrap",
    "build_design",
    "check_model",
    "existence_lp",
    "expected_dark_share",
    "fit_model",
    "history_probabilities",
    "load_table",
    "load_tables",
    "main_effects",
    "model_label",
    "normalize_pairs",
    "profile_interval",
    "require_estimable",
    "select_model",
    "simulate_table",
    "stepwise",
    "table_from_frame",
]
