"""The speed budget in one run: every figure of the README's "Speed" table, beside the old way where it still exists.

Figures (2-core machine budgets in brackets):

- all notebooks' code in one plain Python process, CPU seconds (20), via `notebook_code.py` in a fresh process;
- `growth.run(obs)` with its defaults, CPU seconds (3);
- the fitting engine against statsmodels on the same work: the harmonised draws' NB2 fits, and the joinpoint
  bootstrap's 199 replicates x every break year (the old way: one statsmodels fit at a time);
- `annual_series`, milliseconds per query (2);
- `reproduce --force` wall seconds (15) and `reproduce` with nothing changed (0.2), medians of `--repeat` runs;
- the full calibration study, 2,000 replicates per scenario on 2 workers (60 s);
- with `--tests`, the README's test command (pytest, 180 s).

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/speed.py [--repeat 3] [--tests]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def wall(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def line(what: str, value: float, unit: str, budget: float | None = None, old: float | None = None) -> None:
    text = f"{what:<58}{value:9.3f} {unit:<6}"
    if budget is not None:
        text += f"  budget {budget:g} {'(met)' if value <= budget else '(NOT met)'}"
    if old is not None:
        text += f"  old way {old:.3f} {unit} ({old / value:.0f}x)"
    print(text, flush=True)


def statsmodels_nb2(y, X) -> None:  # noqa: ANN001  (the old way, one fit at a time)
    import numpy as np
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    poisson = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    model = NegativeBinomial(y, X, loglike_method="nb2")
    model.fit(start_params=np.append(poisson.params, 0.1), disp=False, maxiter=1000, method="bfgs", gtol=1e-9)


def engine_figures() -> None:
    import numpy as np
    import statsmodels.api as sm

    import trafficking_research as tr
    from trafficking_research.analyses import growth, harmonised
    from trafficking_research.stats import breaks, trends

    obs = tr.load_observations()
    line("growth.run(obs), defaults", cpu(lambda: growth.run(obs)), "CPU-s", 3)
    queries = 200
    elapsed = cpu(lambda: [tr.annual_series(obs, "admitted", place="finland") for _ in range(queries)])
    line("annual_series, one query", 1000 * elapsed / queries, "ms", 2)

    h = harmonised.harmonise(obs, n_draws=100, seed=2006)
    X = trends.design(np.asarray(h.draws.columns), int(h.draws.columns[0]))
    Y = h.draws.to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = cpu(lambda: [statsmodels_nb2(y, X) for y in Y])
    line("NB2 fits of the 100 harmonised draws", cpu(lambda: trends.fit_many(h.draws, "negbin")), "CPU-s", old=old)

    s = growth.growth_series(obs)["victims admitted"]
    s = s[(s.index >= 2006) & (s.index <= 2020)]
    null = trends.fit_negbin(s)
    years, origin = s.index.to_numpy(), int(s.index[0])
    rng = np.random.default_rng(2021)
    sims = rng.poisson(rng.gamma(1 / null.alpha, null.alpha * null.fitted.to_numpy(), (199, len(s)))).astype(float)
    candidates = [int(k) for k in years[2:-2]]

    def old_way() -> None:
        family = sm.families.NegativeBinomial(alpha=null.alpha)
        for y in sims:
            for X in [trends.design(years, origin)] + [trends.design(years, origin, (k,)) for k in candidates]:
                sm.GLM(y, X, family=family).fit()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = cpu(old_way)
    new = cpu(lambda: breaks.break_loglik(sims, years, origin, candidates, null.alpha, kernel=True))
    line(f"joinpoint bootstrap: 199 replicates x {len(candidates) + 1} designs", new, "CPU-s", old=old)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each reproduce timing (median reported)")
    parser.add_argument("--tests", action="store_true", help="also time the README's test command")
    args = parser.parse_args(argv)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    bindir = Path(sys.executable).parent
    print(f"{os.cpu_count()} cores; medians of {args.repeat} runs where repeated\n", flush=True)

    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "notebook_code.py")],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    for row in out.splitlines():
        print("  " + row)
    total = float(next(r for r in out.splitlines() if r.startswith("total")).split()[1])
    line("all notebooks' code in one process", total, "CPU-s", 20)

    engine_figures()

    work = Path(tempfile.mkdtemp(prefix="tr-speed-"))
    try:
        cli = [str(bindir / "trafficking-research"), "reproduce", "--output", str(work / "results")]
        cold = statistics.median(wall([*cli, "--force"], env) for _ in range(args.repeat))
        line("reproduce --force, wall", cold, "s", 15)
        warm = statistics.median(wall(cli, env) for _ in range(args.repeat))
        line("reproduce with nothing changed, wall", warm, "s", 0.2)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    study = wall([sys.executable, str(ROOT / "benchmarks" / "calibration_study.py"), "2000", "2"], env)
    line("full calibration study, 2,000 replicates per scenario", study, "s", 60)

    if args.tests:
        tests = wall([sys.executable, "-m", "pytest", "-q"], env)
        line("the README's test command (pytest)", tests, "s", 180)
    return 0


if __name__ == "__main__":
    sys.exit(main())
