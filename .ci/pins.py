"""Keep pyproject.toml's dependencies pinned to the versions uv.lock holds.

`python .ci/pins.py pin` writes `name[extras]==<locked version>` for every dependency of the
project (its extras too), so that any installer, not only `uv sync --frozen`, gets exactly the
locked versions; `python .ci/pins.py unpin` turns the pins into `>=` floors so that
`uv lock --upgrade` may move them (`make upgrade` runs unpin, the upgrade, then pin).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
# A requirement in quotes: "name[extras]<spec>" (no environment markers in this project).
REQUIREMENT = re.compile(r'"([A-Za-z0-9_.-]+)(\[[^\]]*\])?([^";]*)"')
SECTIONS = ("[build-system]", "[project]", "[project.optional-dependencies]")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(mode: str) -> int:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {_normal(package["name"]): package["version"] for package in lock["package"]}
    lines = PYPROJECT.read_text(encoding="utf-8").splitlines(keepends=True)
    section = ""
    out = []

    def pinned(match: re.Match[str]) -> str:
        name, extras = match.group(1), match.group(2) or ""
        version = locked.get(_normal(name))
        if version is None:
            return match.group(0)
        return f'"{name}{extras}{"==" if mode == "pin" else ">="}{version}"'

    for line in lines:
        if line.startswith("["):
            section = line.strip()
        elif section in SECTIONS and (
            line.lstrip().startswith(("requires", "dependencies", "mobile", "postgres", "dev", '"'))
        ):
            code, hash_, comment = line.partition("  #")
            line = REQUIREMENT.sub(pinned, code) + hash_ + comment
        out.append(line)
    PYPROJECT.write_text("".join(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("pin", "unpin"):
        sys.exit("usage: python .ci/pins.py pin|unpin")
    sys.exit(main(sys.argv[1]))
