"""Getting a photo from the device: a small interface with a desktop and an Android backend.

The checklist asks a ``Camera`` for a picture and gets a file path (or None when the auditor
cancels) through a callback. On the desktop the picture comes from a file chooser; on Android
from the system camera through an intent (plyer's camera crashes with FileUriExposedException
on recent Android, so it is not used). The Android module is imported only on Android.

A camera that ``can_scan`` also reads a QR code (the setup link on the login screen): it takes
a picture the same way and decodes it with zbar (``mobile.qr``) off the UI thread. The desktop
has no camera to scan with: there the auditor pastes the link.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

PhotoCallback = Callable[[Path | None], None]
CodeCallback = Callable[[str | None], None]


class Camera(Protocol):
    """Something that can hand the app one picture file, and perhaps read a QR code."""

    can_scan: bool

    def take_picture(self, target_dir: Path, on_done: PhotoCallback) -> None:
        """Start taking or choosing a picture; call ``on_done`` with its path or None."""

    def scan_code(self, target_dir: Path, on_done: CodeCallback) -> None:
        """Read a QR code; call ``on_done`` with its text, or None (cancelled, none found)."""


def scan_with_pictures(camera: Camera, target_dir: Path, on_done: CodeCallback) -> None:
    """A scan made of a picture: take it, decode it in a thread, answer on the UI thread."""
    import threading

    from kivy.clock import Clock

    from mobile.qr import read_qr

    def decode(path: Path | None) -> None:
        text = read_qr(path) if path is not None else None
        if path is not None:
            path.unlink(missing_ok=True)  # a picture of a code is not a photo of the visit
        Clock.schedule_once(lambda _dt: on_done(text))

    camera.take_picture(
        target_dir,
        lambda path: threading.Thread(target=decode, args=(path,), daemon=True).start(),
    )


class DesktopFilePicker:
    """Chooses an existing image file in a Kivy file chooser popup (desktop and tests)."""

    can_scan = False

    def __init__(self, start_dir: str | os.PathLike[str] | None = None) -> None:
        self.start_dir = Path(start_dir) if start_dir else Path.home()

    def take_picture(self, target_dir: Path, on_done: PhotoCallback) -> None:
        from kivy.uix.boxlayout import BoxLayout
        from kivy.uix.button import Button
        from kivy.uix.filechooser import FileChooserListView
        from kivy.uix.popup import Popup

        from mobile.i18n import current_gettext

        _ = current_gettext()
        chooser = FileChooserListView(
            path=str(self.start_dir),
            filters=["*.jpg", "*.jpeg", "*.png", "*.webp", "*.heic", "*.JPG", "*.HEIC"],
        )
        layout = BoxLayout(orientation="vertical", spacing="8dp")
        layout.add_widget(chooser)
        buttons = BoxLayout(size_hint_y=None, height="48dp", spacing="8dp")
        cancel = Button(text=_("Cancel"))
        choose = Button(text=_("Use this photo"))
        buttons.add_widget(cancel)
        buttons.add_widget(choose)
        layout.add_widget(buttons)
        popup = Popup(title=_("Choose a photo"), content=layout, size_hint=(0.95, 0.95))

        def finish(path: Path | None) -> None:
            popup.dismiss()
            on_done(path)

        cancel.bind(on_release=lambda *_args: finish(None))
        choose.bind(
            on_release=lambda *_args: finish(
                Path(chooser.selection[0]) if chooser.selection else None
            )
        )
        popup.open()

    def scan_code(self, target_dir: Path, on_done: CodeCallback) -> None:
        on_done(None)  # no camera: the login screen offers pasting the link instead


def default_camera() -> Camera:
    """The camera for the platform the app runs on."""
    from kivy.utils import platform

    if platform == "android":  # pragma: no cover - exercised on a device only
        from mobile.android_camera import AndroidCamera

        return AndroidCamera()
    return DesktopFilePicker(os.environ.get("SHOPSCORE_PHOTO_DIR"))
