"""`make look`: screenshots of every screen of the field app, for people to look at.

Runs the layout walk of the UI tests (``walk_every_screen`` in ``tests.mobile.ui_driver``) in
each language at 360x640 and 720x1280 dp, under a private Xvfb when no DISPLAY is set, and
writes the PNGs to out/look/mobile/ (``LANG-SIZE-NN-screen.png``). Prints any text the walk
found cut and exits 1 then.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.mobile.xvfb import NoDisplay, start_xvfb

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "out" / "look" / "mobile"
SIZES = ("360x640", "720x1280")
LANGUAGES = ("en", "ru", "uk", "pl")


def display() -> tuple[subprocess.Popen[bytes] | None, str]:
    """The desktop's display, else a private Xvfb of our own."""
    if os.environ.get("DISPLAY"):
        return None, os.environ["DISPLAY"]
    try:
        return start_xvfb("800x1400")
    except NoDisplay as missing:
        sys.exit(f"make look needs a display: {missing}")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    xvfb, screen = display()
    cut: list[dict[str, object]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="shopscore-look-") as work:
            for lang in LANGUAGES:
                for size in SIZES:
                    data_dir = Path(work) / f"{lang}-{size}"
                    environment = dict(
                        os.environ,
                        DISPLAY=screen,
                        KIVY_NO_ARGS="1",
                        KIVY_NO_CONSOLELOG="1",
                        KIVY_NO_FILELOG="1",
                        KIVY_HOME=str(Path(work) / "kivy-home"),
                        SHOPSCORE_WINDOW_SIZE=size,
                    )
                    command = [sys.executable, "-m", "tests.mobile.ui_driver"]
                    command += ["walk_every_screen", str(data_dir), str(OUT), lang]
                    subprocess.run(command, cwd=ROOT, env=environment, timeout=300, check=False)
                    result = json.loads((data_dir / "result.json").read_text())
                    if result.get("error"):
                        print(result["error"], file=sys.stderr)
                        return 1
                    cut += [dict(problem, lang=lang, size=size) for problem in result["problems"]]
                    print(f"{lang} {size}: {len(result['screenshots'])} screens")
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)
    for problem in cut:
        print("cut:", problem, file=sys.stderr)
    print(f"screenshots in {OUT.relative_to(ROOT)}/")
    return 1 if cut else 0


if __name__ == "__main__":
    sys.exit(main())
