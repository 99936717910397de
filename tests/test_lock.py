"""The environment the tests run in is the lock: every package uv.lock holds for this platform
(with every extra) is installed at the lock's version, and nothing else is installed but the
project. So a fresh machine cannot pass the tests with versions resolved on the day."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_here() -> dict[str, str]:
    """What uv.lock installs on this platform, read by uv itself (no resolution: --frozen)."""
    exported = subprocess.run(
        [str(UV), "export", "--frozen", "--all-extras", "--no-emit-project", "--no-hashes",
         "--no-header", "--no-annotate", "--format", "requirements.txt"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    locked = {}
    for line in exported.splitlines():
        requirement, _semicolon, marker = line.partition(";")
        name, equals, version = requirement.strip().partition("==")
        assert equals, f"not an exact pin: {line!r}"
        if not marker.strip() or Marker(marker).evaluate():
            locked[normalise(name)] = version
    return locked


def test_the_installed_packages_are_the_locks() -> None:
    installed = {
        normalise(distribution.metadata["Name"]): distribution.version
        for distribution in importlib.metadata.distributions()
    }
    installed.pop("shopscore")
    locked = locked_here()
    assert len(locked) > 150  # the whole tree, not a part of it
    assert locked == installed


def test_pyproject_pins_every_dependency_to_the_lock() -> None:
    """Any installer, not only `uv sync --frozen`, gets the lock's versions: every requirement
    of pyproject.toml (build system, project, extras) is `==` the version uv.lock holds."""
    spec = importlib.util.spec_from_file_location("pins", ROOT / ".ci" / "pins.py")
    assert spec is not None
    assert spec.loader is not None
    pins = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pins)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    versions = {pins.normalise(package["name"]): package["version"] for package in lock["package"]}
    loose = []
    for requirement in pins.requirements(project):
        match = pins.REQUIREMENT.fullmatch(requirement)
        name = pins.normalise(match.group(1))
        if match.group(3) != f"=={versions.get(name)}":
            loose.append(f"{requirement} (lock: {versions.get(name)})")
    assert [] == loose, "run: python .ci/pins.py pin && uv lock"
