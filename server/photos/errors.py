"""Why a photo upload is refused: errors the server's one handler turns into problem details.

Each refusal is a `server.core.errors.ServerError` of the right HTTP kind (`PhotoTooLarge` is a
`PayloadTooLarge`, 413; `UnsupportedImage` an `UnsupportedMediaType`, 415; `DamagedImage` and
`PhotoHashMismatch` are `Invalid`, 422), so `server.core.problems` answers with the right status
and no route needs to translate them. Each also carries a stable `code` and a message a person
can act on: an English template marked for translation plus its parameters, so it can be shown
in the caller's language with `error.translated(translation(lang))`; `error.detail` (and
`str(error)`) is the English text.
"""

from __future__ import annotations

from typing import Any, Protocol

from server.core.errors import Invalid, PayloadTooLarge, ServerError, UnsupportedMediaType

__all__ = [
    "DamagedImage",
    "PhotoError",
    "PhotoHashMismatch",
    "PhotoTooLarge",
    "UnsupportedImage",
]


def _(message: str) -> str:
    """Mark `message` for extraction by Babel; it is translated where it is shown."""
    return message


class _Translations(Protocol):
    def gettext(self, message: str, /) -> str: ...


class PhotoError(ServerError):
    """Base of every reason a photo is refused; the HTTP status comes from the second base."""

    code = "photo_error"

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        message = template.format(**params)
        super().__init__(message, [{"item": None, "code": self.code, "message": message}])

    def translated(self, translations: _Translations) -> str:
        """The message in the language of `translations` (a gettext translations object)."""
        return translations.gettext(self.template).format(**self.params)


class PhotoTooLarge(PhotoError, PayloadTooLarge):
    """The file has too many bytes, or the image too many pixels (including decompression bombs)."""

    code = "photo_too_large"


class UnsupportedImage(PhotoError, UnsupportedMediaType):
    """The content is not a JPEG, PNG, WebP or HEIC image (whatever the file is called)."""

    code = "unsupported_image"


class DamagedImage(PhotoError, Invalid):
    """The content looks like a supported image but is empty, truncated or corrupt."""

    code = "damaged_image"


class PhotoHashMismatch(PhotoError, Invalid):
    """The bytes received do not have the SHA-256 the phone declared (a broken upload)."""

    code = "photo_hash_mismatch"


# Message templates, kept together so translators see them side by side.
EMPTY_FILE = _("The photo file is empty. Take or choose the photo again and resend it.")
TOO_MANY_BYTES = _(
    "The photo is {megabytes:.1f} MB; the limit is {limit_megabytes:g} MB. Send a smaller photo."
)
TOO_MANY_PIXELS = _(
    "The photo is {megapixels:.1f} megapixels; the limit is {limit_megapixels:g} megapixels."
)
NOT_AN_IMAGE = _(
    "The file is not a photo in a supported format. Send a JPEG, PNG, WebP or HEIC image."
)
DAMAGED = _(
    "The {format} photo is damaged or incomplete and cannot be read. "
    "Take or choose the photo again and resend it."
)
HASH_MISMATCH = _(
    "The photo arrived damaged: its SHA-256 is {actual}, but {declared} was declared. "
    "Send it again."
)
BAD_DECLARED_HASH = _("The declared SHA-256 {declared!r} is not 64 hexadecimal digits.")
