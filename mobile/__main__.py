"""``python -m mobile``: run the field app (on the desktop: ``make mobile``).

On Linux and the BSDs the app needs a graphical display; without one the window system would
wait for it until killed, so the command says what to do and stops before starting Kivy.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

ANDROID_VARIABLES = ("ANDROID_ARGUMENT", "P4A_BOOTSTRAP")
NO_DISPLAY = (
    "The field app needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set.\n"
    "Run `make mobile` on a desktop session, or under a virtual display: xvfb-run make mobile"
)


def missing_display(environ: Mapping[str, str], platform: str) -> str | None:
    """What to do when the app cannot open a window here; None when it can."""
    # Phones (python-for-android sets these variables), macOS and Windows always have a screen.
    if environ.get("KIVY_BUILD") in ("android", "ios") or any(
        name in environ for name in ANDROID_VARIABLES
    ):
        return None
    if platform in ("darwin", "win32", "cygwin"):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return NO_DISPLAY


def run() -> int:
    problem = missing_display(os.environ, sys.platform)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    from mobile.app import main

    main()
    return 0


if __name__ == "__main__":
    sys.exit(run())
