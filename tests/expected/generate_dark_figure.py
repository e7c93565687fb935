"""Reference value of the dark_figure notebook's default run: the main-effects total of the simulated scenario.

The simulated table is taken from the package (it is the input); the model is fitted here independently, by direct
maximisation of the Poisson log-likelihood of the incomplete table with scipy.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import optimize


def main_effects_total(counts: dict[tuple[int, ...], int], k: int) -> float:
    cells = [h for h in itertools.product((0, 1), repeat=k) if any(h)]
    X = np.array([[1.0, *h] for h in cells])
    y = np.array([counts.get(h, 0) for h in cells], dtype=float)
    nll = lambda b: float(np.sum(np.exp(X @ b) - y * (X @ b)))  # noqa: E731
    grad = lambda b: X.T @ (np.exp(X @ b) - y)  # noqa: E731
    b = optimize.minimize(nll, np.zeros(k + 1), jac=grad, method="BFGS", options={"gtol": 1e-10}).x
    return float(y.sum() + math.exp(b[0]))


def dark_figure_expected() -> dict[str, dict]:
    from trafficking_research.analyses.dark_figure import scenario_table  # the input: the simulated lists

    table = scenario_table(2000, 2021)
    counts = {tuple(int(v) for v in h): int(c) for h, c in zip(table.histories, table.counts)}
    return {
        "dark_figure.finland_scenario.main_effects.estimate": {
            "value": main_effects_total(counts, len(table.lists)),
            "tolerance": {"rel": 1e-6},
        },
        "dark_figure.finland_scenario.observed": {"value": int(table.n_observed), "tolerance": {"abs": 0}},
    }
