"""Keep pyproject.toml's dependencies pinned to the versions uv.lock holds.

`python .ci/pins.py pin` writes `name[extras]==<locked version>` for every requirement of the
build system, the project and its extras, so that any installer, not only `uv sync --frozen`,
gets exactly the locked versions; `python .ci/pins.py unpin` turns the pins into `>=` floors so
that `uv lock --upgrade` may move them (`make upgrade` runs unpin, the upgrade, then pin).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
# name, [extras], the rest (its version specifiers; this project uses no environment markers)
REQUIREMENT = re.compile(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?(.*)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(project: dict[str, Any]) -> list[str]:
    """Every requirement string of the build system, the project and its extras."""
    return [
        *project["build-system"]["requires"],
        *project["project"]["dependencies"],
        *(item for extra in project["project"]["optional-dependencies"].values() for item in extra),
    ]


def main(mode: str) -> int:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {normalise(package["name"]): package["version"] for package in lock["package"]}
    text = PYPROJECT.read_text(encoding="utf-8")
    for requirement in requirements(tomllib.loads(text)):
        match = REQUIREMENT.fullmatch(requirement)
        version = locked.get(normalise(match.group(1))) if match else None
        if match is None or version is None:
            continue
        operator = "==" if mode == "pin" else ">="
        written = f"{match.group(1)}{match.group(2) or ''}{operator}{version}"
        text = text.replace(f'"{requirement}"', f'"{written}"')
    PYPROJECT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("pin", "unpin"):
        sys.exit("usage: python .ci/pins.py pin|unpin")
    sys.exit(main(sys.argv[1]))
