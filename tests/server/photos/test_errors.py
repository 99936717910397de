"""Photo refusals as the client sees them: problem details with the right status and code."""

from __future__ import annotations

from typing import Any

import pytest

import server.photos
import server.storage
from server.core.problems import server_error_handler
from server.photos import DamagedImage, PhotoError, PhotoTooLarge, UnsupportedImage, inspect
from server.photos.errors import TOO_MANY_PIXELS
from tests.server.photos.images import photo, png_header_only


class CatalogueTranslations:
    """A gettext translations object over a fixed catalogue, as `shared.i18n` returns."""

    def __init__(self, catalogue: dict[str, str]) -> None:
        self.catalogue = catalogue

    def gettext(self, message: str) -> str:
        return self.catalogue.get(message, message)


def problem_for(error: PhotoError) -> tuple[int | None, dict[str, Any]]:
    """The status and body the server's error handler answers `error` with."""
    response = server_error_handler(None, error)  # type: ignore[arg-type] # the request is unused
    return response.status_code, response.content


@pytest.mark.parametrize(
    ("data", "error", "status", "code"),
    [
        (png_header_only(9_000, 5_000), PhotoTooLarge, 413, "photo_too_large"),
        (photo("bomb.gif"), UnsupportedImage, 415, "unsupported_image"),
        (photo("empty.jpg"), DamagedImage, 422, "damaged_image"),
    ],
    ids=["too-large", "unsupported", "damaged"],
)
def test_a_refusal_becomes_a_problem_detail_with_its_status_and_code(
    data: bytes, error: type[PhotoError], status: int, code: str
) -> None:
    with pytest.raises(error) as refused:
        inspect(data)

    answered_status, body = problem_for(refused.value)

    assert status == answered_status
    assert status == body["status"]
    assert str(refused.value) == body["detail"]
    assert [code] == [entry["code"] for entry in body["errors"]]


def test_the_message_is_translated_with_its_values_filled_in() -> None:
    ukrainian = CatalogueTranslations(
        {TOO_MANY_PIXELS: "Фото має {megapixels:.1f} Мп; межа — {limit_megapixels:g} Мп."}
    )
    with pytest.raises(PhotoTooLarge) as refused:
        inspect(png_header_only(9_000, 5_000))

    assert {"megapixels": 45.0, "limit_megapixels": 40.0} == refused.value.params
    assert "Фото має 45.0 Мп; межа — 40 Мп." == refused.value.translated(ukrainian)
    assert "The photo is 45.0 megapixels; the limit is 40 megapixels." == refused.value.translated(
        CatalogueTranslations({})
    )


@pytest.mark.parametrize("module", [server.photos, server.storage])
def test_the_public_api_lists_exactly_what_the_package_exports(module: object) -> None:
    exported = getattr(module, "__all__", ())

    assert sorted(exported) == list(exported)
    assert [] == [symbol for symbol in exported if not hasattr(module, symbol)]
