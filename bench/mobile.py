"""Benchmark of the field app (its speed goals): run `.venv/bin/python bench/mobile.py`.

Under Xvfb with the real Kivy window (a private Xvfb is started when DISPLAY is not set):
1. Cold start to a drawn assignment list of 500 assignments, from process launch to the frame
   that shows the list, next to a bare Kivy window start (a Label) measured in the same run;
   goal: under 1 s.
2. Opening a 200-item checklist (start visit, build the first page, first frame drawn), once
   the start-up work the app does in the background after its first frame is over (the
   auditor reads the list before tapping: the visit screens are built and a card of every
   kind is made once); goal: under 150 ms.
3. Resident memory after filling 20 audits with 5 photos each (12-megapixel JPEGs shrunk on
   the "phone", thumbnails shown, submitted); goal: under 200 MB.

Wall-clock figures on a shared two-core machine swing with the load of other processes, so
the CPU time the process used is printed beside each, and each figure is printed next to the
bare Kivy window's in the same run. Each timing is the median of three fresh processes. Exits 1
if a goal is missed. Takes about 30-60 s on two idle cores.
"""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START_GOAL_S = 1.0
CHECKLIST_GOAL_S = 0.15
RSS_GOAL_MB = 200
ASSIGNMENTS = 500
FILLED_AUDITS = 20
PHOTOS_PER_AUDIT = 5
RUNS = 3
READING_PAUSE_S = 0.5  # after the background start-up work, before the tap


def phone_photo(path: Path) -> None:
    """A 12-megapixel JPEG like a phone camera's, made from the shared iPhone photo."""
    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    with Image.open(
        Path(__file__).resolve().parent.parent / "tests/fixtures/photos/iphone11.heic"
    ) as source:
        source.convert("RGB").resize((4032, 3024)).save(path, "JPEG", quality=92)


def seed(data_dir: Path) -> None:
    """500 assignments: the first 20 on the every-kind checklist, the rest on 200 items."""
    from mobile.store import Store
    from tests.mobile.sample_data import every_kind_template, long_template, sync_payload

    payload = sync_payload(long_template(200), assignment_count=ASSIGNMENTS)
    short = every_kind_template()
    payload["templates"].append(short)
    for assignment in payload["assignments"][:FILLED_AUDITS]:
        assignment["template"] = {"key": short["key"], "version": short["version"]}
    store = Store(data_dir)
    store.apply_pull(payload)
    store.set_settings(token="offline", server="http://127.0.0.1:9")
    store.close()


# ---------------------------------------------------------------------------------------------
# children: each measurement runs in a fresh process with its own Kivy window


def child_bare(_data_dir: Path, launched: float) -> dict[str, Any]:
    from kivy.app import App
    from kivy.core.window import Window
    from kivy.uix.label import Label

    result: dict[str, Any] = {}

    class Bare(App):  # type: ignore[misc]  # Kivy is untyped
        def build(self) -> Label:
            return Label(text="Shopscore")

        def on_start(self) -> None:
            def drawn(*_args: Any) -> None:
                Window.unbind(on_flip=drawn)
                result["start_s"] = time.time() - launched
                result["start_cpu_s"] = cpu_s()
                result["rss_mb"] = resident_mb()
                self.stop()

            Window.bind(on_flip=drawn)

    Bare().run()
    return result


def child_app(data_dir: Path, launched: float, fill: bool) -> dict[str, Any]:
    from kivy.clock import Clock
    from kivy.core.window import Window

    from mobile.app import ShopscoreApp

    app = ShopscoreApp(data_dir=data_dir, start_sync=False)
    result: dict[str, Any] = {}

    def after_next_frame(callback: Any) -> None:
        def drawn(*_args: Any) -> None:
            Window.unbind(on_flip=drawn)
            Clock.schedule_once(lambda _dt: callback(), 0)

        Window.bind(on_flip=drawn)

    def list_drawn() -> None:
        rows = app.screen("assignments").ids.list
        if not rows.data or not rows.layout_manager.children:
            after_next_frame(list_drawn)
            return
        result["start_s"] = time.time() - launched
        result["start_cpu_s"] = cpu_s()
        result["rows"] = len(rows.data)
        result["rss_start_mb"] = resident_mb()
        Clock.schedule_once(lambda _dt: wait_for_background_start(time.perf_counter()), 0)

    def wait_for_background_start(since: float) -> None:
        """The auditor reads the list while the app builds screens and sets up sync."""
        if not app._sync_ready.is_set():
            Clock.schedule_once(lambda _dt: wait_for_background_start(since), 0.05)
            return
        result["background_start_s"] = time.perf_counter() - since
        result["rss_ready_mb"] = resident_mb()
        Clock.schedule_once(lambda _dt: open_checklist(), READING_PAUSE_S)

    def open_checklist() -> None:
        began = time.perf_counter()
        began_cpu = cpu_s()
        from mobile.session import start_visit  # the tap's own cost, as in the app

        session = start_visit(app.store, FILLED_AUDITS + 1)
        app.go("checklist", session=session)

        def opened() -> None:
            result["checklist_s"] = time.perf_counter() - began
            result["checklist_cpu_s"] = cpu_s() - began_cpu
            result["rss_checklist_mb"] = resident_mb()
            result["checklist_items"] = len(session.checklist)
            if fill:
                Clock.schedule_once(lambda _dt: fill_audits(), 0)
            else:
                app.stop()

        after_next_frame(opened)

    def fill_audits(number: int = 1) -> None:
        """One audit per frame or so, as an auditor would: the UI gets frames in between."""
        from mobile.session import start_visit

        photo = data_dir / "phone-photo.jpg"
        screen = app.screen("checklist")
        session = start_visit(app.store, number)
        app.go("checklist", session=session)
        screen.answer("greeted", True)
        screen.answer("wait", 45)
        screen.answer("friendly", 5)
        screen.comment("friendly", "Очень приветливы")
        screen.show_section(1)
        screen.answer("clean", "spotless")
        screen.answer("offers", ["loyalty", "bag"])
        screen.answer("queue", 1)
        screen.answer("recommend", 10)
        for _ in range(PHOTOS_PER_AUDIT):
            screen.attach_photo("shelf", photo)
        session.submit()
        result.setdefault("rss_curve", []).append(round(resident_mb()))
        if number < FILLED_AUDITS:
            Clock.schedule_once(lambda _dt: fill_audits(number + 1), 0.05)
        else:
            app.go("outbox")
            after_next_frame(finish)

    def finish() -> None:
        result["rss_mb"] = resident_mb()
        result["submitted"] = sum(1 for record in app.store.audits() if record.state != "draft")
        result["photos"] = sum(1 for entry in app.store.outbox() if entry.kind == "photo")
        app.stop()

    Clock.schedule_once(lambda _dt: after_next_frame(list_drawn), 0)
    app.run()
    return result


def cpu_s() -> float:
    """CPU seconds this process used so far (all threads, user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


# ---------------------------------------------------------------------------------------------
# the parent: Xvfb, seeding, launching children, the report


def run_child(kind: str, data_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    launched = time.time()
    completed = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(data_dir), repr(launched)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"child {kind} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def start_xvfb() -> tuple[subprocess.Popen[bytes] | None, str]:
    if os.environ.get("DISPLAY"):
        return None, os.environ["DISPLAY"]
    number = next(n for n in range(150, 400) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "800x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("Xvfb did not start")
        time.sleep(0.05)
    return server, f":{number}"


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-mobile-"))
    xvfb, display = start_xvfb()
    env = dict(os.environ)
    env.update(
        DISPLAY=display,
        KIVY_NO_ARGS="1",
        KIVY_NO_CONSOLELOG="1",
        KIVY_NO_FILELOG="1",
        KIVY_HOME=str(workdir / "kivy-home"),
        PYTHONPATH=str(ROOT),
    )
    try:
        runs: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for run in range(RUNS):
            data_dir = workdir / f"phone{run}"
            seed(data_dir)
            runs.append((run_child("bare", data_dir, env), run_child("app", data_dir, env)))
        filled_dir = workdir / "filled"
        seed(filled_dir)
        phone_photo(filled_dir / "phone-photo.jpg")
        filled = run_child("fill", filled_dir, env)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)
        shutil.rmtree(workdir, ignore_errors=True)
    return report(runs, filled)


def report(runs: list[tuple[dict[str, Any], dict[str, Any]]], filled: dict[str, Any]) -> int:
    def median(run_index: int, key: str) -> float:
        return float(statistics.median(pair[run_index][key] for pair in runs))

    bare_s, bare_cpu_s, bare_rss = (
        median(0, "start_s"),
        median(0, "start_cpu_s"),
        median(0, "rss_mb"),
    )
    start_s, start_cpu_s = median(1, "start_s"), median(1, "start_cpu_s")
    open_s, open_cpu_s = median(1, "checklist_s"), median(1, "checklist_cpu_s")
    print(
        f"cold start to a drawn list of {ASSIGNMENTS} assignments: {start_s:.2f} s wall, "
        f"{start_cpu_s:.2f} s CPU (goal < {START_GOAL_S} s); bare Kivy window: {bare_s:.2f} s "
        f"wall, {bare_cpu_s:.2f} s CPU; ratio {start_s / bare_s:.2f} wall, "
        f"{start_cpu_s / bare_cpu_s:.2f} CPU; app's own share {start_s - bare_s:.2f} s"
    )
    print(
        f"  background start-up after the list (screens built, sync set up): "
        f"{median(1, 'background_start_s'):.2f} s"
    )
    print(
        f"opening a 200-item checklist: {open_s * 1000:.0f} ms wall, {open_cpu_s * 1000:.0f} ms "
        f"CPU (goal < {CHECKLIST_GOAL_S * 1000:.0f} ms); "
        f"{open_s / bare_s:.2f} of a bare Kivy window start"
    )
    curve = filled["rss_curve"]
    print(
        f"RSS after {filled['submitted']} audits x {PHOTOS_PER_AUDIT} photos "
        f"({filled['photos']} photos queued): {filled['rss_mb']:.0f} MB "
        f"(goal < {RSS_GOAL_MB} MB); bare Kivy window: {bare_rss:.0f} MB, ratio "
        f"{filled['rss_mb'] / bare_rss:.2f}; after start: {filled['rss_start_mb']:.0f} MB "
        f"(+{filled['rss_start_mb'] - bare_rss:.0f} MB over bare); "
        f"growth per audit over the last 10: {(curve[-1] - curve[-11]) / 10:.1f} MB"
    )
    print(f"  RSS after each audit (MB): {curve}")
    missed = [
        name
        for name, value, goal in (
            ("start", start_s, START_GOAL_S),
            ("checklist", open_s, CHECKLIST_GOAL_S),
            ("memory", filled["rss_mb"], RSS_GOAL_MB),
        )
        if value >= goal
    ]
    if missed:
        print("GOAL MISSED: " + ", ".join(missed))
    return 1 if missed else 0


def child_main(kind: str, data_dir: str, launched: str) -> None:
    from kivy.config import Config

    Config.set("graphics", "width", "400")
    Config.set("graphics", "height", "760")
    started = float(launched)
    if kind == "bare":
        result = child_bare(Path(data_dir), started)
    else:
        result = child_app(Path(data_dir), started, fill=kind == "fill")
    sys.stdout = io.TextIOWrapper(sys.__stdout__.buffer) if sys.__stdout__ else sys.stdout
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(*sys.argv[2:5])
    else:
        sys.exit(main())
