"""The `trafficking-research` command: reproduce the analysis, list notebooks and parameters, check the data."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Any

from .errors import TraffickingResearchError
from .paths import RESULTS_DIR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trafficking-research", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="execute the notebooks into an output folder with a report")
    rep.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="notebook names (default: all)")
    rep.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a notebook parameter (repeatable)",
    )
    rep.add_argument("--params", type=Path, metavar="FILE.yaml", help="YAML mapping of parameter names to values")
    rep.add_argument(
        "--output", type=Path, default=RESULTS_DIR, metavar="DIR", help="output folder (default: results/)"
    )
    rep.add_argument("--jobs", type=int, default=None, metavar="N", help="notebooks run at once (default: one per CPU)")
    rep.add_argument("--force", action="store_true", help="re-run even notebooks whose inputs are unchanged")
    rep.add_argument(
        "--update-notebooks",
        action="store_true",
        help="after a default run, copy the executed notebooks over notebooks/ (their committed outputs)",
    )
    rep.add_argument(
        "--no-wait",
        action="store_true",
        help="if another run is writing to the output folder, stop at once (exit 2) instead of waiting",
    )
    sub.add_parser("list", help="the notebooks and their parameters (as `reproduce` reads them)")
    data = sub.add_parser("data", help="check or re-hash the data package")
    data.add_argument("action", choices=["check", "rehash"], help="check: validate; rehash: record new file hashes")
    data.add_argument("--data-dir", type=Path, default=None, help="data folder (default: the package's data/)")
    return parser


def _version() -> str:
    """The version of the package that is running (an editable install's metadata can lag behind its source)."""
    from . import __version__

    return __version__


def _read_params_file(path: Path) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        raise TraffickingResearchError(f"--params: file '{path}' does not exist")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TraffickingResearchError(f"--params: '{path}' is not valid YAML ({exc})") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
        raise TraffickingResearchError(f"--params: '{path}' must be a mapping of parameter names to values")
    return loaded


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from .pipeline.notebook_files import drop_injected_parameters, write_notebook
    from .pipeline.runner import raise_for_failures, reproduce

    if args.jobs is not None and args.jobs < 1:
        raise TraffickingResearchError(f"--jobs must be at least 1, got {args.jobs}")
    given: dict[str, Any] = _read_params_file(args.params) if args.params else {}
    given.update({name: value for name, value in args.parameter})
    if args.update_notebooks and given:
        raise TraffickingResearchError("--update-notebooks commits the default run: give no parameters with it")
    quiet_bar = bool(os.environ.get("CI")) or not sys.stderr.isatty()
    report = reproduce(
        args.notebooks,
        given,
        args.output,
        args.jobs,
        args.force,
        log=lambda line: print(line, flush=True),
        progress=not quiet_bar,
        wait=not args.no_wait,
    )
    raise_for_failures(report)
    if args.update_notebooks:
        import json

        from .paths import NOTEBOOK_DIR

        for o in report.outcomes:
            executed = report.output / o.notebook / f"{o.notebook}.ipynb"
            nb = drop_injected_parameters(json.loads(executed.read_text(encoding="utf-8")))
            write_notebook(nb, NOTEBOOK_DIR / f"{o.notebook}.ipynb")
            print(f"updated notebooks/{o.notebook}.ipynb")
    print(f"results in {report.output} ({len(report.outcomes)} notebook(s))")
    return 0


def _cmd_list() -> int:
    from .analyses.declarations import declaration
    from .pipeline.notebooks import RESERVED, notebook_names, notebook_parameters

    for name in notebook_names():
        notebook_parameters(name)  # the cell must state what the declaration says, as `reproduce` requires
    for name in notebook_names():
        print(name)
        lines = declaration(name).describe()
        for param, (head, what) in zip(declaration(name).params, zip(lines[::2], lines[1::2]), strict=True):
            note = " (set by reproduce: --output)" if param.name in RESERVED else ""
            print(f"  {head}{note}\n  {what}")
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    from .data.context import load_context
    from .data.datapackage import read_descriptor, rehash
    from .data.observations import load_data

    if args.action == "rehash":
        try:
            changed = rehash(args.data_dir)
        except OSError as exc:  # a read-only data folder, say
            where = f" '{exc.filename}'" if exc.filename else ""
            raise TraffickingResearchError(f"data rehash: cannot write{where}: {exc.strerror or exc}") from None
        print("re-hashed: " + (", ".join(changed) if changed else "nothing changed"))
        return 0
    obs, sources = load_data(args.data_dir)
    print(f"ok: {len(obs)} observations from {obs['source_id'].nunique()} sources ({len(sources)} listed)")
    descriptor = read_descriptor(args.data_dir)
    if {"context", "population"} <= {r["name"] for r in descriptor["resources"]}:
        context, population = load_context(args.data_dir)
        print(
            f"ok: {len(context)} context cells for {context['country'].nunique()} countries, "
            f"{len(population)} population figures"
        )
    return 0


def _stopped_message(args: argparse.Namespace, how: str) -> str:
    if args.command != "reproduce":
        return f"{how}: stopped"
    folder = args.output.expanduser().resolve()
    return (
        f"{how}: the run stopped and its unfinished work was removed; every result in '{folder}' is complete "
        "(notebooks finished before the stop are new, the others as before)"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point; package errors become a one-line message and an exit status.

    2: bad input or a busy output folder (nothing was done); 1: a notebook failed or the output folder could not be
    written; 130: interrupted by Ctrl-C; 143: terminated by SIGTERM.
    """
    from .pipeline.processes import Terminated, install_sigterm_handler

    args = _parser().parse_args(argv)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        install_sigterm_handler()
    except ValueError:  # not the main thread (called from a thread of another program): leave signals alone
        previous = None
    try:
        if args.command == "reproduce":
            return _cmd_reproduce(args)
        if args.command == "list":
            return _cmd_list()
        return _cmd_data(args)
    except TraffickingResearchError as exc:
        from .errors import NotebookExecutionError, OutputWriteError

        print(f"error: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, (NotebookExecutionError, OutputWriteError)) else 2
    except Terminated:
        print(_stopped_message(args, "terminated (SIGTERM)"), file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print(_stopped_message(args, "interrupted (Ctrl-C)"), file=sys.stderr)
        return 128 + signal.SIGINT
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
