"""The Android camera: ACTION_IMAGE_CAPTURE through a FileProvider content URI.

Imported only on Android (it needs pyjnius and the android package of python-for-android).
A ``file://`` URI would raise FileUriExposedException on Android 7+, which is why plyer's
camera is not used.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from android import activity
from jnius import autoclass, cast

from mobile.camera import CodeCallback, PhotoCallback, scan_with_pictures

REQUEST_IMAGE_CAPTURE = 0x5C0


class AndroidCamera:
    """Asks the system camera app for one picture written to a file of ours; reads a QR code
    from such a picture (the setup link)."""

    can_scan = True

    def __init__(self) -> None:
        self._pending: tuple[Path, PhotoCallback] | None = None
        activity.bind(on_activity_result=self._on_activity_result)

    def take_picture(self, target_dir: Path, on_done: PhotoCallback) -> None:
        python_activity = autoclass("org.kivy.android.PythonActivity")
        intent_class = autoclass("android.content.Intent")
        media_store = autoclass("android.provider.MediaStore")
        file_provider = autoclass("androidx.core.content.FileProvider")
        java_file = autoclass("java.io.File")

        target_dir.mkdir(parents=True, exist_ok=True)
        path = target_dir / f"capture-{uuid.uuid4()}.jpg"
        context = python_activity.mActivity
        uri = file_provider.getUriForFile(
            context, f"{context.getPackageName()}.fileprovider", java_file(str(path))
        )
        intent = intent_class(media_store.ACTION_IMAGE_CAPTURE)
        intent.putExtra(media_store.EXTRA_OUTPUT, cast("android.os.Parcelable", uri))
        intent.addFlags(intent_class.FLAG_GRANT_WRITE_URI_PERMISSION)
        self._pending = (path, on_done)
        context.startActivityForResult(intent, REQUEST_IMAGE_CAPTURE)

    def scan_code(self, target_dir: Path, on_done: CodeCallback) -> None:
        scan_with_pictures(self, target_dir, on_done)

    def _on_activity_result(self, request_code: int, result_code: int, _intent: Any) -> None:
        if request_code != REQUEST_IMAGE_CAPTURE or self._pending is None:
            return
        path, on_done = self._pending
        self._pending = None
        result_ok = -1  # android.app.Activity.RESULT_OK
        on_done(path if result_code == result_ok and path.exists() else None)
