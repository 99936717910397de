"""The layout rules of docs/architecture.md, checked on the tracked source tree.

`shared` imports nothing outside the standard library; `mobile` and `reports` never import
`server`; `reports` never imports `mobile`. The map in docs/architecture.md names exactly the
folders of the tree, and no file outside docs/ cites a document outside the repository or a
numbered task: a clone explains itself.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Absolute names of every module imported by `source`, the code of module `module`.

    Relative imports are resolved against the module's package, so `from ..server import x`
    inside `reports.charts` counts as an import of `server`.
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            names.add(target)
            if not node.module:  # `from . import charts` imports the submodule charts
                names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def modules_of(folder: str) -> list[tuple[str, Path]]:
    """(dotted module name, path) of every Python file under the top-level `folder`."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found.append((".".join(parts), path))
    return found


def imports_of(path: Path, module: str) -> set[str]:
    return imported_modules(path.read_text("utf-8"), module, path.name == "__init__.py")


def top(name: str) -> str:
    return name.split(".")[0]


def test_shared_imports_only_the_standard_library_and_itself() -> None:
    modules = modules_of("shared")
    assert modules, "shared/ has no Python files"
    allowed = set(sys.stdlib_module_names) | {"shared"}
    offending = {
        f"{module}: {name}"
        for module, path in modules
        for name in imports_of(path, module)
        if top(name) not in allowed
    }
    assert set() == offending


@pytest.mark.parametrize(
    ("folder", "forbidden"), [("mobile", "server"), ("reports", "server"), ("reports", "mobile")]
)
def test_forbidden_dependency(folder: str, forbidden: str) -> None:
    offending = {
        f"{module}: {name}"
        for module, path in modules_of(folder)
        for name in imports_of(path, module)
        if top(name) == forbidden
    }
    assert set() == offending


def test_the_checker_sees_every_form_of_import() -> None:
    source = (
        "import numpy.linalg\n"
        "from server.app import create\n"
        "from ..server import settings\n"
        "from . import charts\n"
        "from .styles import BODY\n"
        "def later():\n"
        "    import mobile\n"
    )
    expected = {
        "numpy.linalg",
        "server.app",
        "server",
        "reports",
        "reports.charts",
        "reports.styles",
        "mobile",
    }
    assert expected == imported_modules(source, "reports.outlet", is_package=False)
    assert {"reports.pdf.fonts"} == imported_modules("from .fonts import x", "reports.pdf", True)


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in listed.split("\0") if name]


def test_no_tracked_file_names_a_path_outside_the_repository() -> None:
    """A clone anywhere else must run: no absolute path into a development machine."""
    outside = re.compile(r"""["'](/(?:work|home|root|Users)/[^"']*)["']""")
    found = []
    for path in tracked_files():
        if path.suffix not in {".py", ".toml", ".cfg", ".md", ".kv", ".spec", ""}:
            continue
        text = path.read_text("utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)}: {match}" for match in outside.findall(text)]
    assert [] == found


# Documents that live outside the repository, and numbered tasks. Written so that this file
# does not match itself.
OUTSIDE_CITATION = re.compile(r"DESIGN(?:\.md| §)|PITFALL[S]|\b[Ii]ssue #?[0-9]+")


def test_no_file_cites_a_document_outside_the_repository_or_a_task_number() -> None:
    """Cite docs/contract.md#<anchor> or say it in plain words instead."""
    found = []
    for path in tracked_files():
        relative = path.relative_to(ROOT)
        if relative.parts[0] == "docs" or path.suffix not in {".py", ".md", ".kv"}:
            continue
        if not path.exists():  # deleted in the working tree, not yet in git
            continue
        lines = path.read_text("utf-8", errors="replace").splitlines()
        found += [
            f"{relative}:{number}: {line.strip()}"
            for number, line in enumerate(lines, 1)
            if OUTSIDE_CITATION.search(line)
        ]
    assert [] == found


def test_the_citation_check_sees_each_form() -> None:
    # Built from parts, so that this file does not cite them itself.
    design, pitfalls, issue = "DESIGN", "PIT" + "FALLS", "Is" + "sue"
    cited = [
        f"see {design}.md",
        f"({design} §5)",
        f"{pitfalls} says",
        "is" + "sue 4",
        f"{issue} #12",
    ]
    plain = ["docs/contract.md#sync", "DESIGNER", "an issue", "issues 4 ways"]
    assert cited == [text for text in cited if OUTSIDE_CITATION.search(text)]
    assert [] == [text for text in plain if OUTSIDE_CITATION.search(text)]


def mapped_folders() -> set[str]:
    """The folders the map of docs/architecture.md names in its first column."""
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    return set(re.findall(r"^\| `([^`]+)/` \|", text, re.MULTILINE))


def test_the_architecture_map_names_exactly_the_folders_of_the_tree() -> None:
    parts = [path.relative_to(ROOT).parts for path in tracked_files()]
    top = {part[0] for part in parts if len(part) > 1}
    features = {f"server/{part[1]}" for part in parts if len(part) > 2 and part[0] == "server"}
    assert top | features == mapped_folders()
