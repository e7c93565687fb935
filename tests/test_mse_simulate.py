"""The simulator: marginals and dependence as asked, seeded draws, and estimates against the truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from trafficking_research.data.capture_tables import all_histories
from trafficking_research.errors import ParameterError
from trafficking_research.stats.mse import (
    expected_dark_share,
    fit_model,
    history_probabilities,
    profile_interval,
    select_model,
    simulate_table,
)


def _full(k: int) -> np.ndarray:
    """All 2^k histories, all-zero first, in the simulator's order."""
    return np.vstack([np.zeros((1, k), dtype=int), all_histories(k)])


def test_independent_lists_have_product_probabilities() -> None:
    p = np.array([0.3, 0.25, 0.2])
    prob = history_probabilities(p)
    expected = [np.prod(np.where(h == 1, p, 1 - p)) for h in _full(3)]
    assert prob == pytest.approx(expected, rel=1e-12)
    assert expected_dark_share(p) == pytest.approx(0.7 * 0.75 * 0.8)


def test_dependence_keeps_marginals_and_sets_the_odds_ratio() -> None:
    p = np.array([0.3, 0.25, 0.2])
    prob = history_probabilities(p, {(0, 1): np.log(3.0)})
    h = _full(3)
    assert h.T @ prob == pytest.approx(p, abs=1e-12)
    cell = {(a, b): prob[(h[:, 0] == a) & (h[:, 1] == b)].sum() for a in (0, 1) for b in (0, 1)}
    assert cell[1, 1] * cell[0, 0] / (cell[1, 0] * cell[0, 1]) == pytest.approx(3.0, rel=1e-10)
    # List C stays independent of A and of B.
    assert prob[(h[:, 0] == 1) & (h[:, 2] == 1)].sum() == pytest.approx(0.3 * 0.2, rel=1e-10)
    assert prob[(h[:, 1] == 1) & (h[:, 2] == 1)].sum() == pytest.approx(0.25 * 0.2, rel=1e-10)


def test_draws_are_seeded_and_hide_the_dark_figure() -> None:
    a = simulate_table(5000, (0.3, 0.2, 0.1, 0.15), {(0, 2): 0.8}, seed=42)
    b = simulate_table(5000, (0.3, 0.2, 0.1, 0.15), {(0, 2): 0.8}, seed=42)
    c = simulate_table(5000, (0.3, 0.2, 0.1, 0.15), {(0, 2): 0.8}, seed=43)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert not np.array_equal(a.counts, c.counts)
    assert a.lists == ("A", "B", "C", "D") and len(a.counts) == 15
    dark_share = expected_dark_share((0.3, 0.2, 0.1, 0.15), {(0, 2): 0.8})
    sd = np.sqrt(5000 * dark_share * (1 - dark_share))
    assert abs(5000 - a.n_observed - 5000 * dark_share) < 4 * sd


def test_positive_dependence_biases_main_effects_down_and_the_true_model_recovers_n() -> None:
    table = simulate_table(100_000, (0.3, 0.25, 0.2), {(0, 1): np.log(3.0)}, seed=1)
    main = fit_model(table)
    true_model = fit_model(table, ["A:B"])
    assert main.total < 0.85 * 100_000
    ci = profile_interval(true_model)
    assert ci.lower <= 100_000 <= ci.upper
    assert abs(true_model.total - 100_000) < 0.03 * 100_000
    assert select_model(table, "stepwise").pairs == ((0, 1),)


def test_profile_interval_covers_n_in_about_95_percent_of_draws() -> None:
    # 200 seeded draws of N = 1000 on three independent lists (p = 0.3, 0.25, 0.2; about 420 unseen).
    # If the true coverage is 95%, the number of covering intervals is Binomial(200, 0.95): its 0.1%
    # and 99.9% quantiles, 179 and 198, are the band (coverage 0.895-0.99).
    n_total, draws = 1000, 200
    low, high = binom.ppf([0.001, 0.999], draws, 0.95)
    covered = 0
    for seed in np.random.SeedSequence(2024).spawn(draws):
        ci = profile_interval(fit_model(simulate_table(n_total, (0.3, 0.25, 0.2), seed=seed)))
        covered += ci.lower <= n_total <= ci.upper
    assert (low, high) == (179, 198)
    assert low <= covered <= high


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ParameterError, match=r"capture probabilities must be at least two numbers in \(0, 1\)"):
        simulate_table(100, (0.5, 1.2))
    with pytest.raises(ParameterError, match="log odds ratio >= 0"):
        simulate_table(100, (0.5, 0.2), {(0, 1): -1.0})
    with pytest.raises(ParameterError, match="positive integer"):
        simulate_table(10.5, (0.5, 0.2))
