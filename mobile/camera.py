"""Getting a photo from the device: a small interface with a desktop and an Android backend.

The checklist asks a ``Camera`` for a picture and gets a file path (or None when the auditor
cancels) through a callback. On the desktop the picture comes from a file chooser; on Android
from the system camera through an intent (plyer's camera crashes with FileUriExposedException
on recent Android, so it is not used). The Android module is imported only on Android.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

PhotoCallback = Callable[[Path | None], None]


class Camera(Protocol):
    """Something that can hand the app one picture file."""

    def take_picture(self, target_dir: Path, on_done: PhotoCallback) -> None:
        """Start taking or choosing a picture; call ``on_done`` with its path or None."""


class DesktopFilePicker:
    """Chooses an existing image file in a Kivy file chooser popup (desktop and tests)."""

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


def default_camera() -> Camera:
    """The camera for the platform the app runs on."""
    from kivy.utils import platform

    if platform == "android":  # pragma: no cover - exercised on a device only
        from mobile.android_camera import AndroidCamera

        return AndroidCamera()
    return DesktopFilePicker(os.environ.get("SHOPSCORE_PHOTO_DIR"))
