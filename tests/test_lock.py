"""The environment the tests run in is the lock: every package pylock.toml holds for this
platform is installed at the lock's version, and nothing else is installed but the project.
So a fresh machine cannot pass the tests with versions resolved on the day."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

from packaging.markers import Marker

ROOT = Path(__file__).resolve().parents[1]


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_installed_packages_are_the_locks() -> None:
    with (ROOT / "pylock.toml").open("rb") as lock:
        packages = tomllib.load(lock)["packages"]
    locked = {
        normalise(package["name"]): package["version"]
        for package in packages
        if "marker" not in package or Marker(package["marker"]).evaluate()
    }
    installed = {
        normalise(distribution.metadata["Name"]): distribution.version
        for distribution in importlib.metadata.distributions()
    }
    installed.pop("shopscore")
    assert locked == installed
