"""A private virtual display for the real Kivy window: the UI tests' and `make look`'s.

Xvfb chooses a free display itself and writes its number to `-displayfd`: two processes
starting one at once never pick the same (a number chosen by looking for a free lock file could
be taken by the other between the look and the start).
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time


class NoDisplay(RuntimeError):
    """Xvfb is missing or did not start."""


def start_xvfb(size: str = "800x1000") -> tuple[subprocess.Popen[bytes], str]:
    """A started Xvfb of `size` (width x height) and its display (":N")."""
    if shutil.which("Xvfb") is None:
        raise NoDisplay("Xvfb is not installed (apt-get install xvfb)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    told = b""
    deadline = time.monotonic() + 10
    with os.fdopen(read_end, "rb", buffering=0) as reader:
        while not told.endswith(b"\n"):
            ready, _, _ = select.select([reader], [], [], max(0.0, deadline - time.monotonic()))
            chunk = reader.read(16) if ready else b""
            if not chunk:
                server.kill()
                raise NoDisplay("Xvfb did not start")
            told += chunk
    return server, f":{int(told)}"
