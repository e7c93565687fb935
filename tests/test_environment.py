"""pyproject.toml, requirements.lock, environment.yml, the README and .ci/run agree with each other."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement

from trafficking_research.paths import PROJECT_ROOT


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"requirements.lock: '{line}' is not pinned with =="
            pins[name.lower().replace("_", "-")] = version
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for group in project["optional-dependencies"].values() for r in group]
    return [Requirement(r) for r in reqs]


def test_lock_pins_every_declared_dependency_within_its_range() -> None:
    pins = lock_pins()
    for req in declared():
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{req.name} is in pyproject.toml but not pinned in requirements.lock"
        assert req.specifier.contains(pins[name]), f"{req.name}=={pins[name]} breaks pyproject's '{req.specifier}'"


def test_environment_yml_installs_the_lock_and_matching_python() -> None:
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    requires = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    from packaging.specifiers import SpecifierSet

    assert SpecifierSet(requires).contains(python.split("=")[-1] + ".0")
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert "-r requirements.lock" in pip, "environment.yml must install the same pins as pip users"
    conda_pins = [d for d in deps if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert conda_pins == [], f"conda packages outside the lock would drift from it: {conda_pins}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", readme, flags=re.S)
    test_cmd = next(b.strip() for b in blocks if "pytest" in b)
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert test_cmd in ci, f".ci/run does not run the README's test command: {test_cmd}"
