"""The Android packaging: buildozer.spec holds what the app needs, and the files it ships.

No Android build runs here (it needs the SDK, the NDK and an hour); instead the spec is read
with configparser, the files buildozer would copy are selected with its own rules (every file
with an included extension under source.dir, except hidden and excluded folders), and every
module the shipped code imports is checked to be the standard library, our own packages, or
something in ``requirements``.
"""

from __future__ import annotations

import ast
import configparser
import importlib.metadata
import os
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
OUR_PACKAGES = {"mobile", "shared"}
# import name -> python-for-android recipe or PyPI name, where they differ
REQUIREMENT_OF_IMPORT = {"PIL": "pillow", "jnius": "pyjnius"}


@pytest.fixture(scope="module")
def app_section() -> configparser.SectionProxy:
    spec = configparser.ConfigParser(interpolation=None)
    spec.read(ROOT / "buildozer.spec", encoding="utf-8")
    return spec["app"]


def spec_list(section: configparser.SectionProxy, key: str) -> list[str]:
    return [value.strip() for value in section.get(key, "").split(",") if value.strip()]


def requirement_names(section: configparser.SectionProxy) -> set[str]:
    """``kivy==2.3.1`` -> ``kivy``; names normalised the way PyPI does."""
    return {
        normalise(re.split(r"[=<>!~]", entry)[0]) for entry in spec_list(section, "requirements")
    }


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def packaged_files(section: configparser.SectionProxy) -> list[Path]:
    """The files ``buildozer android debug`` copies into the app (its selection rules)."""
    source_dir = (ROOT / section.get("source.dir", ".")).resolve()
    extensions = set(spec_list(section, "source.include_exts"))
    excluded = [
        entry.rstrip("/").lower() + "/" for entry in spec_list(section, "source.exclude_dirs")
    ]
    chosen = []
    for folder, subfolders, names in os.walk(source_dir):
        relative_folder = Path(folder).relative_to(source_dir)
        # pruning walks less than buildozer, which walks everything and skips these
        subfolders[:] = [
            name
            for name in subfolders
            if not name.startswith(".")
            and not any(
                ((relative_folder / name).as_posix().lower() + "/").startswith(e) for e in excluded
            )
        ]
        for name in names:
            extension = Path(name).suffix[1:]
            if name.startswith(".") or (extension and extension not in extensions):
                continue
            chosen.append(relative_folder / name)
    return chosen


def test_requirements_cover_the_app_and_httpx(app_section: configparser.SectionProxy) -> None:
    needed = {"python3", "kivy", "sqlite3", "pillow", "plyer", "httpx", "httpcore", "h11"}
    needed |= {"anyio", "sniffio", "idna", "certifi"}
    assert set() == needed - requirement_names(app_section)


def test_every_pure_python_dependency_of_httpx_is_a_requirement(
    app_section: configparser.SectionProxy,
) -> None:
    """python-for-android installs only what is listed: walk httpx's dependency tree."""
    listed = requirement_names(app_section)
    missing, seen, todo = set(), set(), ["httpx"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in listed:
            missing.add(name)
        for text in importlib.metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(normalise(requirement.name))
    assert set() == missing


# What python-for-android builds from its own recipes, at the versions of the pinned release.
RECIPES = {"python3", "sqlite3", "pillow", "pyjnius", "android", "pyzbar", "libzbar"}


def locked_versions() -> dict[str, str]:
    with (ROOT / "uv.lock").open("rb") as lock:
        return {
            normalise(package["name"]): package["version"]
            for package in tomllib.load(lock)["package"]
        }


def test_the_app_is_built_from_pinned_versions_only(
    app_section: configparser.SectionProxy,
) -> None:
    """Nothing resolves at build time: every requirement the lock holds is pinned to the lock's
    version (the one the tests ran), the rest are recipes of a pinned python-for-android
    release."""
    assert re.fullmatch(r"v\d{4}\.\d{2}\.\d{2}", app_section.get("p4a.branch", "")), (
        "p4a.branch must name a python-for-android release"
    )
    locked = locked_versions()
    for entry in spec_list(app_section, "requirements"):
        name, _equals, version = entry.partition("==")
        name = normalise(name)
        if name in RECIPES:
            continue
        assert name in locked, f"{entry}: neither in uv.lock nor a recipe"
        assert version == locked[name], f"{entry}: uv.lock holds {locked[name]}"


def test_camera_location_and_internet_are_permitted(
    app_section: configparser.SectionProxy,
) -> None:
    permissions = set(spec_list(app_section, "android.permissions"))
    assert set() == {"CAMERA", "ACCESS_FINE_LOCATION", "INTERNET"} - permissions


def test_setup_links_open_the_app_and_its_qr_code_can_be_read(
    app_section: configparser.SectionProxy,
) -> None:
    """docs/contract.md#phone-setup: the manifest sends shopscore://setup links to the app,
    one activity takes them, and zbar reads the code from a camera picture."""
    filters = (ROOT / app_section.get("android.manifest.intent_filters")).read_text()
    assert '<data android:scheme="shopscore" android:host="setup" />' in filters
    assert "android.intent.category.BROWSABLE" in filters
    assert "singleTask" == app_section.get("android.manifest.launch_mode")
    assert {"pyzbar", "libzbar"} <= requirement_names(app_section)
    assert "CAMERA" in spec_list(app_section, "android.permissions")
    files = {path.as_posix() for path in packaged_files(app_section)}
    expected = {"mobile/android/intent_filters.xml", "mobile/qr.py", "mobile/android_link.py"}
    assert set() == expected - files


def test_the_app_shared_code_catalogues_and_fonts_are_shipped(
    app_section: configparser.SectionProxy,
) -> None:
    assert "." == app_section.get("source.dir")
    assert set() == {"py", "kv", "mo", "ttf", "json"} - set(
        spec_list(app_section, "source.include_exts")
    )
    files = {path.as_posix() for path in packaged_files(app_section)}
    expected = {"main.py", "mobile/app.py", "mobile/screens/checklist.kv", "shared/scoring.py"}
    expected |= {"mobile/fonts/DejaVuSans.ttf", "shared/starters/store-visit.json"}
    expected |= {
        f"shared/locale/{lang}/LC_MESSAGES/shopscore.mo" for lang in ("en", "ru", "uk", "pl")
    }
    expected |= {path.relative_to(ROOT).as_posix() for path in (ROOT / "mobile").rglob("*.kv")}
    assert set() == expected - files
    shipped_tops = {path.split("/")[0] for path in files if "/" in path}
    for left_out in ("server", "reports", "tests", "bench", ".venv", "var", "out"):
        assert left_out not in shipped_tops


def imported_modules(path: Path) -> set[str]:
    """Top-level names imported by a file, except optional imports (inside try/ImportError)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    optional: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(handler.type, ast.Name)
            and handler.type.id in ("ImportError", "ModuleNotFoundError")
            for handler in node.handlers
        ):
            optional |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_runtime_import_is_stdlib_ours_or_a_requirement(
    app_section: configparser.SectionProxy,
) -> None:
    listed = requirement_names(app_section)
    unmet: dict[str, list[str]] = {}
    for relative in packaged_files(app_section):
        if relative.suffix != ".py":
            continue
        for name in imported_modules(ROOT / relative):
            requirement = normalise(REQUIREMENT_OF_IMPORT.get(name, name))
            if name in sys.stdlib_module_names or name in OUR_PACKAGES or requirement in listed:
                continue
            unmet.setdefault(name, []).append(relative.as_posix())
    assert {} == unmet


def test_the_import_walk_sees_an_unlisted_module(tmp_path: Path) -> None:
    """The check above can fail: a plain import of something unlisted is reported."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import json\nfrom httpx import Client\ntry:\n    import pillow_heif\n"
        "except ImportError:\n    pass\nimport numpy.linalg\n"
    )
    assert {"json", "httpx", "numpy"} == imported_modules(sample)
