"""The data package validates with Frictionless, an independent implementation of the same specification."""

from __future__ import annotations

from frictionless import Package, validate

from trafficking_research.paths import DATA_DIR


def test_package_is_valid_frictionless() -> None:
    report = validate(str(DATA_DIR / "datapackage.json"))
    errors = [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors] + [
        f"{e.type}: {e.message}" for e in report.errors
    ]
    assert report.valid, "\n".join(errors[:20])


def test_frictionless_sees_every_row_and_the_licence() -> None:
    package = Package(str(DATA_DIR / "datapackage.json"))
    assert package.licenses and package.licenses[0]["name"] == "CC-BY-4.0"
    obs = package.get_resource("observations")
    with open(DATA_DIR / "observations.csv", encoding="utf-8") as handle:
        lines = sum(1 for _ in handle) - 1
    assert len(obs.read_rows()) == lines
