"""The fitting engine (`stats.batchfit`, behind `trends` and `shares`) against statsmodels, the reference.

On the real growth series and on 240 random series (NB2 counts from alpha 0 to 0.5, short and long, a fifth with alpha
near 0 so that the likelihood peaks at the boundary) every estimate the package reports must agree with statsmodels'
fit of the same model: coefficients, their covariance, alpha, log-likelihood, deviance, Pearson statistic and the
pointwise band. Series that have no finite maximum fail the same way in both: statsmodels' estimates run off, the
engine raises SeriesError naming the series.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.discrete.discrete_model import NegativeBinomial

from trafficking_research import load_observations
from trafficking_research.analyses.growth import growth_series
from trafficking_research.config import ALPHA, FIRST_YEAR
from trafficking_research.errors import SeriesError
from trafficking_research.stats import batchfit, shares, trends

RANDOM_SERIES = 240


def reference_nb2(y: np.ndarray, X: np.ndarray) -> dict:
    """statsmodels' NB2 maximum likelihood (BFGS from the Poisson fit, polished by Newton off the boundary), or its Poisson fit at
    the boundary, with the same boundary rule as the package."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pois = sm.GLM(y, X, family=sm.families.Poisson()).fit(tol=1e-13)
        model = NegativeBinomial(y, X, loglike_method="nb2")
        nb = model.fit(start_params=np.append(pois.params, 0.1), disp=False, method="bfgs", maxiter=1000, gtol=1e-9)
        if nb.params[-1] > 1e-3:  # off the boundary, Newton's method polishes BFGS's last digits
            nb = model.fit(start_params=nb.params, disp=False, method="newton", maxiter=50)
    alpha = float(nb.params[-1])
    if not (np.isfinite(alpha) and alpha > batchfit.BOUNDARY_ALPHA and nb.llf >= pois.llf - 1e-6):
        return {"alpha": 0.0, "params": pois.params, "llf": pois.llf, "glm": pois}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        glm = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha)).fit(tol=1e-13)
    cov = np.linalg.inv(-model.hessian(nb.params))
    return {"alpha": alpha, "params": nb.params[:-1], "llf": nb.llf, "glm": glm, "cov": cov[:-1, :-1]}


def assert_matches_reference(fit: trends.TrendFit, y: np.ndarray, X: np.ndarray, rtol: float = 1e-5) -> None:
    ref = reference_nb2(y, X)
    assert fit.alpha == pytest.approx(ref["alpha"], rel=1e-4, abs=1e-7)
    np.testing.assert_allclose(fit.params, ref["params"], rtol=rtol, atol=1e-7)
    assert fit.llf == pytest.approx(ref["llf"], rel=1e-8)
    glm = ref["glm"]
    assert fit.deviance == pytest.approx(glm.deviance, rel=rtol, abs=1e-7)
    assert fit.pearson_chi2 == pytest.approx(glm.pearson_chi2, rel=rtol, abs=1e-7)
    np.testing.assert_allclose(fit.cov, ref.get("cov", glm.cov_params()), rtol=1e-4)
    band = glm.get_prediction(X).summary_frame(alpha=ALPHA)
    np.testing.assert_allclose(fit.band["low"], band["mean_ci_lower"], rtol=1e-4)
    np.testing.assert_allclose(fit.band["high"], band["mean_ci_upper"], rtol=1e-4)


def test_real_growth_series_match_statsmodels() -> None:
    obs = load_observations()
    compared = 0
    for label, s in growth_series(obs).items():
        data = s[(s.index >= FIRST_YEAR) & (s.index <= 2020)].astype(float)
        data.name = label
        if len(data) < 4:
            continue
        X = trends.design(data.index.to_numpy(), int(data.index[0]))
        assert_matches_reference(trends.fit_negbin(data), data.to_numpy(), X)
        pois = trends.fit_poisson(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = sm.GLM(data.to_numpy(), X, family=sm.families.Poisson()).fit(tol=1e-13)
        np.testing.assert_allclose(pois.params, ref.params, rtol=1e-8)
        np.testing.assert_allclose(pois.cov, ref.cov_params(), rtol=1e-6)
        assert pois.deviance == pytest.approx(ref.deviance, rel=1e-8)
        compared += 1
    assert compared >= 3


def random_series(rng: np.random.Generator) -> pd.Series:
    n = int(rng.integers(5, 16))
    years = np.arange(2006, 2006 + n)
    level, slope = rng.uniform(1.5, 5.0), rng.uniform(-0.15, 0.3)
    alpha = 0.0 if rng.random() < 0.2 else rng.uniform(0.001, 0.5)
    mu = np.exp(level + slope * (years - years[0]))
    y = batchfit.draw_nb2(rng, mu[None, :], alpha)[0]
    return pd.Series(y, index=years, name=f"random (n={n}, alpha={alpha:.3f})")


def test_random_series_match_statsmodels() -> None:
    rng = np.random.default_rng(20261202)
    boundary = off = 0
    for _ in range(RANDOM_SERIES):
        s = random_series(rng)
        if (s > 0).sum() < 2:
            continue
        fit = trends.fit_negbin(s)
        X = trends.design(s.index.to_numpy(), int(s.index[0]))
        assert_matches_reference(fit, s.to_numpy(), X)
        boundary += fit.alpha == 0
        off += fit.alpha > 0
    assert boundary >= 40 and off >= 120, (boundary, off)  # both regimes are exercised


def test_batched_fits_equal_single_fits() -> None:
    rng = np.random.default_rng(7)
    years = np.arange(2010, 2021)
    draws = pd.DataFrame(
        batchfit.draw_nb2(rng, np.tile(np.exp(3 + 0.2 * (years - 2010)), (50, 1)), 0.05), columns=years
    )
    batched = trends.fit_many(draws, "negbin")
    for i in (0, 17, 49):
        single = trends.fit_negbin(draws.iloc[i].rename("draw"))
        np.testing.assert_allclose(batched[i].params, single.params, rtol=1e-12)
        assert batched[i].apc_ci == pytest.approx(single.apc_ci, rel=1e-12)


def test_no_finite_maximum_fails_like_statsmodels() -> None:
    # zeros after a break: the hinge slope of a joinpoint at 2014 runs to minus infinity
    s = pd.Series([10.0, 14, 19, 25, 0, 0, 0], index=range(2010, 2017), name="collapsing series")
    X = trends.design(s.index.to_numpy(), 2010, (2013,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM(s.to_numpy(), X, family=sm.families.Poisson()).fit()
    assert ref.params[2] < -15  # statsmodels' estimate runs off towards minus infinity
    with pytest.raises(SeriesError, match="collapsing series.*no finite maximum"):
        trends.fit_negbin(s, breaks=(2013,))


def test_logit_share_trend_matches_statsmodels() -> None:
    rng = np.random.default_rng(3)
    for _ in range(60):
        n = int(rng.integers(3, 15))
        years = list(range(2008, 2008 + n))
        totals = rng.integers(20, 300, n)
        p = 1 / (1 + np.exp(-(rng.uniform(-2, 1) + rng.uniform(-0.2, 0.2) * np.arange(n))))
        counts = rng.binomial(totals, p)
        fit = shares.fit_share_trend(pd.Series(counts, index=years), pd.Series(totals, index=years))
        X = sm.add_constant(np.arange(n, dtype=float))
        ref = sm.GLM(np.column_stack([counts, totals - counts]), X, family=sm.families.Binomial()).fit(tol=1e-13)
        assert fit.odds_ratio == pytest.approx(np.exp(ref.params[1]), rel=1e-8)
        assert fit.binomial_ci[0] == pytest.approx(np.exp(ref.params[1] - 1.959963984540054 * ref.bse[1]), rel=1e-8)
        assert fit.dispersion == pytest.approx(ref.pearson_chi2 / (n - 2), rel=1e-8)
