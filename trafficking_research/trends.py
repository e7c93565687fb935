"""Trend models for yearly counts: Poisson and negative-binomial log-linear fits, APC, doubling time and joinpoints.

All fits use statsmodels; years without a published figure are left out (never imputed).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from .errors import SeriesError

Z95 = stats.norm.ppf(0.975)


@dataclass
class Trend:
    """A fitted log-linear trend: slope per year on the log scale, its standard error, and fit statistics."""

    model: str
    slope: float
    se: float
    llf: float
    n_params: int
    n_obs: int
    deviance: float
    pearson_chi2: float
    alpha: float | None = None
    fitted: pd.Series = field(default_factory=pd.Series)
    band: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def apc(self) -> float:
        """Annual percent change."""
        return 100.0 * math.expm1(self.slope)

    @property
    def apc_ci(self) -> tuple[float, float]:
        """95% Wald interval of the APC (from the slope's interval)."""
        return (100.0 * float(np.expm1(self.slope - Z95 * self.se)), 100.0 * float(np.expm1(self.slope + Z95 * self.se)))

    @property
    def doubling_time(self) -> float | None:
        """Years for the expected count to double; None when the trend is not upward."""
        return math.log(2) / self.slope if self.slope > 0 else None

    @property
    def doubling_time_ci(self) -> tuple[float | None, float | None]:
        """95% interval of the doubling time; an upper bound of None means the slope's interval reaches zero."""
        low, high = self.slope - Z95 * self.se, self.slope + Z95 * self.se
        return (float(math.log(2) / high) if high > 0 else None, float(math.log(2) / low) if low > 0 else None)

    @property
    def aic(self) -> float:
        return 2 * self.n_params - 2 * self.llf

    @property
    def bic(self) -> float:
        return math.log(self.n_obs) * self.n_params - 2 * self.llf


def prepare(series: pd.Series, name: str, start_year: int, end_year: int) -> pd.Series:
    """The series' years within [start_year, end_year], checked: enough years, whole non-negative counts, not all zero."""
    if start_year > end_year:
        raise SeriesError(f"series '{name}': start year {start_year} is after end year {end_year}")
    s = series.dropna()
    s = s[(s.index >= start_year) & (s.index <= end_year)].sort_index()
    if (s < 0).any() or (s != np.round(s)).any():
        bad = ", ".join(str(y) for y in s.index[(s < 0) | (s != np.round(s))])
        raise SeriesError(f"series '{name}': counts must be whole and non-negative (years {bad})")
    if len(s) < 3:
        years = ", ".join(str(y) for y in s.index) or "none"
        raise SeriesError(
            f"series '{name}': {len(s)} year(s) with data in {start_year}-{end_year} (years: {years}); "
            "a trend needs at least three"
        )
    if (s == 0).all():
        raise SeriesError(f"series '{name}': every count in {start_year}-{end_year} is zero; no trend can be fitted")
    if (s > 0).sum() < 2:
        year = int(s.index[s > 0][0])
        raise SeriesError(f"series '{name}': only {year} has a count above zero in {start_year}-{end_year}; "
                          "a log-linear trend needs two such years (its slope would run to infinity)")
    return s.astype(float)


def _design(years: np.ndarray, origin: int, breaks: tuple[int, ...] = ()) -> np.ndarray:
    t = years - origin
    cols = [np.ones_like(t, dtype=float), t.astype(float)]
    cols += [np.clip(years - b, 0, None).astype(float) for b in breaks]
    return np.column_stack(cols)


def _quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    for w in (ConvergenceWarning, HessianInversionWarning, RuntimeWarning):
        warnings.simplefilter("ignore", w)
    return ctx


def _band(glm_res, X: np.ndarray, years: np.ndarray) -> tuple[pd.Series, pd.DataFrame]:
    pred = glm_res.get_prediction(X).summary_frame(alpha=0.05)
    fitted = pd.Series(pred["mean"].to_numpy(), index=years)
    band = pd.DataFrame({"low": pred["mean_ci_lower"].to_numpy(), "high": pred["mean_ci_upper"].to_numpy()}, index=years)
    return fitted, band


def fit_poisson(s: pd.Series, origin: int | None = None) -> Trend:
    """Log-linear Poisson GLM of the counts on year."""
    years = s.index.to_numpy()
    X = _design(years, origin if origin is not None else int(years[0]))
    res = sm.GLM(s.to_numpy(), X, family=sm.families.Poisson()).fit()
    fitted, band = _band(res, X, years)
    return Trend("Poisson", float(res.params[1]), float(res.bse[1]), float(res.llf), 2, len(s), float(res.deviance),
                 float(res.pearson_chi2), None, fitted, band)


def fit_negbin(s: pd.Series, origin: int | None = None, breaks: tuple[int, ...] = ()) -> Trend:
    """Log-linear NB2 model on year (alpha by maximum likelihood), with optional joinpoints at `breaks`.

    When the likelihood is largest at alpha = 0 (no overdispersion) the NB2 fit is the Poisson fit, reported with
    alpha 0; a fit that fails outright raises SeriesError naming the series.
    """
    years = s.index.to_numpy()
    X = _design(years, origin if origin is not None else int(years[0]), breaks)
    y = s.to_numpy()
    name = "negative binomial" if not breaks else f"negative binomial, joinpoint {', '.join(map(str, breaks))}"
    ctx = _quiet()
    try:
        poisson = sm.GLM(y, X, family=sm.families.Poisson()).fit()
        try:
            model = NegativeBinomial(y, X, loglike_method="nb2")
            nb = model.fit(start_params=np.append(poisson.params, 0.1), disp=False, maxiter=1000, method="bfgs",
                           gtol=1e-9, skip_hessian=True)
            alpha = float(nb.params[-1])
            usable = np.isfinite(alpha) and alpha > 1e-4 and nb.llf >= poisson.llf - 1e-6
            if usable:  # the Hessian is slow and meaningless at the boundary, so it is computed only here
                cov = np.linalg.inv(-model.hessian(nb.params))
                usable = bool(np.all(np.isfinite(cov)) and cov[1, 1] > 0)
        except (np.linalg.LinAlgError, ValueError):
            usable = False
        if not usable:  # boundary: the NB2 likelihood peaks at alpha = 0, where NB2 is Poisson
            fitted, band = _band(poisson, X, years)
            trend = Trend(f"{name} (alpha at 0)", float(poisson.params[1]), float(poisson.bse[1]), float(poisson.llf),
                          X.shape[1] + 1, len(s), float(poisson.deviance), float(poisson.pearson_chi2), 0.0,
                          fitted, band)
            trend.params, trend.cov = np.asarray(poisson.params), np.asarray(poisson.cov_params())  # type: ignore[attr-defined]
            return trend
        glm = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha)).fit()
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise SeriesError(f"series '{s.name}': the {name} model could not be fitted ({exc})") from None
    finally:
        ctx.__exit__(None, None, None)
    fitted, band = _band(glm, X, years)
    trend = Trend(name, float(nb.params[1]), float(np.sqrt(cov[1, 1])), float(model.loglike(nb.params)), X.shape[1] + 1, len(s),
                  float(glm.deviance), float(glm.pearson_chi2), alpha, fitted, band)
    trend.params = np.asarray(nb.params[:-1])  # type: ignore[attr-defined]
    trend.cov = cov[:-1, :-1]  # type: ignore[attr-defined]
    return trend


@dataclass
class Overdispersion:
    """Pearson chi-square per degree of freedom of the Poisson fit, and the LR test of NB against Poisson."""

    pearson_ratio: float
    lr_statistic: float
    p_value: float


def overdispersion(poisson: Trend, negbin: Trend) -> Overdispersion:
    """Dispersion of the Poisson fit and the boundary LR test (half chi-square(1)) for alpha > 0."""
    ratio = poisson.pearson_chi2 / (poisson.n_obs - poisson.n_params)
    lr = max(0.0, 2 * (negbin.llf - poisson.llf))
    return Overdispersion(ratio, lr, 0.5 * float(stats.chi2.sf(lr, 1)))


@dataclass
class Joinpoint:
    """The best single break year, its fit, and the bootstrap test of a break against none."""

    break_year: int
    model: Trend
    lr_statistic: float
    p_value: float
    n_boot: int
    candidates: pd.DataFrame
    aapc: float
    aapc_ci: tuple[float, float]
    slopes: tuple[float, float]


def _glm_nb_llf(y: np.ndarray, X: np.ndarray, alpha: float) -> float:
    family = sm.families.Poisson() if alpha <= 1e-6 else sm.families.NegativeBinomial(alpha=alpha)
    return float(sm.GLM(y, X, family=family).fit().llf)


def _best_break(y: np.ndarray, years: np.ndarray, origin: int, candidates: list[int], alpha: float) -> tuple[int, float, dict]:
    lls = {k: _glm_nb_llf(y, _design(years, origin, (k,)), alpha) for k in candidates}
    best = max(lls, key=lambda k: (lls[k], -k))
    return best, lls[best], lls


def joinpoint(s: pd.Series, min_segment: int = 3, n_boot: int = 199, seed: int = 2021) -> Joinpoint:
    """Joinpoint log-linear NB model: the break year maximising the likelihood, with a parametric bootstrap test.

    Candidates leave at least `min_segment` observed years on each side. Under the no-break NB fit, `n_boot` series
    are simulated and the best break searched again in each (alpha held at the null fit's value), so the p-value
    accounts for the break year having been chosen.
    """
    years = s.index.to_numpy()
    origin = int(years[0])
    candidates = [int(k) for k in years if (years < k).sum() >= min_segment - 1 and (years > k).sum() >= min_segment - 1]
    candidates = [k for k in candidates if (years <= k).sum() >= min_segment and (years >= k).sum() >= min_segment]
    positive = s.to_numpy() > 0
    # each segment needs two years above zero, or its slope runs to minus infinity
    candidates = [k for k in candidates if positive[years <= k].sum() >= 2 and positive[years >= k].sum() >= 2]
    if not candidates:
        raise SeriesError(
            f"series '{s.name}': {len(s)} years leave no break year with {min_segment} years on each side, "
            "two of them above zero"
        )
    null = fit_negbin(s, origin)
    alpha = null.alpha or 0.0
    y = s.to_numpy()
    X0 = _design(years, origin)
    null_llf = _glm_nb_llf(y, X0, alpha)
    best, best_llf, lls = _best_break(y, years, origin, candidates, alpha)
    lr = max(0.0, 2 * (best_llf - null_llf))
    rng = np.random.default_rng(seed)
    mu = null.fitted.to_numpy()
    exceed = 0
    for _ in range(n_boot):
        # NB2 draw: gamma-Poisson mixture with mean mu and variance mu + alpha mu^2
        lam = rng.gamma(shape=1 / alpha, scale=alpha * mu) if alpha > 1e-6 else mu
        ysim = rng.poisson(lam).astype(float)
        if ysim.sum() == 0:
            continue
        ctx = _quiet()
        try:
            n_llf = _glm_nb_llf(ysim, X0, alpha)
            _, b_llf, _ = _best_break(ysim, years, origin, candidates, alpha)
        except (np.linalg.LinAlgError, ValueError):
            continue  # a degenerate draw (e.g. zeros on one side) counts as not exceeding
        finally:
            ctx.__exit__(None, None, None)
        exceed += 2 * (b_llf - n_llf) >= lr - 1e-9
    p_value = (exceed + 1) / (n_boot + 1)
    model = fit_negbin(s, origin, (best,))
    b, c = model.params[1], model.params[2]  # type: ignore[attr-defined]
    span = years[-1] - years[0]
    w = (years[-1] - best) / span
    avg = b + w * c
    cov = model.cov  # type: ignore[attr-defined]
    var = cov[1, 1] + w * w * cov[2, 2] + 2 * w * cov[1, 2]
    se = math.sqrt(max(var, 0.0))
    if not (math.isfinite(avg) and math.isfinite(se)):
        raise SeriesError(f"series '{s.name}': the joinpoint model at {best} did not converge to finite slopes")
    aapc = 100 * float(np.expm1(avg))
    aapc_ci = (100 * float(np.expm1(avg - Z95 * se)), 100 * float(np.expm1(avg + Z95 * se)))
    table = pd.DataFrame({"break_year": list(lls), "log_likelihood": list(lls.values())})
    return Joinpoint(best, model, lr, p_value, n_boot, table, aapc, aapc_ci, (float(b), float(b + c)))


def comparison_table(models: list[Trend]) -> pd.DataFrame:
    """AIC, BIC, deviance and parameters of fitted models, best AIC first."""
    rows = [{"model": m.model, "parameters": m.n_params, "log_likelihood": m.llf, "AIC": m.aic, "BIC": m.bic,
             "deviance": m.deviance, "APC %": m.apc} for m in models]
    return pd.DataFrame(rows).sort_values("AIC").reset_index(drop=True)


def implied_exits(stock: pd.Series, admitted: pd.Series) -> pd.DataFrame:
    """Exits implied by stock and flow: stock(t-1) + admitted(t) - stock(t), for years where all three are published.

    Also the stock divided by the year's admissions, the implied mean time in the system in years (Little's law; a
    lower bound of sorts while the system grows).
    """
    rows = []
    for year in sorted(set(stock.index) & set(admitted.index)):
        if year - 1 not in stock.index:
            continue
        exits = stock[year - 1] + admitted[year] - stock[year]
        rows.append({"year": int(year), "stock_previous": stock[year - 1], "admitted": admitted[year],
                     "stock": stock[year], "implied_exits": exits, "stock_per_admission_years": stock[year] / admitted[year]})
    return pd.DataFrame(rows)


def reconcile_cumulative(yearly: pd.Series, totals: pd.Series, first_year: int = 2006) -> pd.DataFrame:
    """Each published cumulative total against the sum of the published yearly figures up to its year.

    The residual is what the years without a yearly figure must hold between them if both sources are right.
    """
    rows = []
    for year, total in totals.items():
        span = range(first_year, int(year) + 1)
        have = [y for y in span if y in yearly.index]
        missing = [y for y in span if y not in yearly.index]
        summed = float(yearly.loc[have].sum())
        rows.append({"year": int(year), "published_total": float(total), "sum_of_yearly": summed,
                     "residual": float(total) - summed, "years_with_data": len(have),
                     "years_missing": ", ".join(map(str, missing)) or "none",
                     "residual_per_missing_year": (float(total) - summed) / len(missing) if missing else None})
    return pd.DataFrame(rows)


def compare_series(a: pd.Series, b: pd.Series, a_name: str, b_name: str, tolerance: float = 0.05) -> pd.DataFrame:
    """Year-by-year comparison of two series; a year is flagged when they differ by more than `tolerance` (relative)."""
    years = sorted(set(a.index) | set(b.index))
    rows = []
    for y in years:
        va, vb = a.get(y, np.nan), b.get(y, np.nan)
        diff = va - vb if not (np.isnan(va) or np.isnan(vb)) else np.nan
        flag = bool(abs(diff) > tolerance * max(va, vb)) if not np.isnan(diff) else False
        rows.append({"year": int(y), a_name: va, b_name: vb, "difference": diff, "flagged": flag})
    return pd.DataFrame(rows)
