"""The auditors' phone setup links on the dashboard's administration page
(docs/contract.md#phone-setup): the link names the server's public address and the auditor's
e-mail, and its QR code, read back by zbar, says exactly the link."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image, ImageDraw

from server.dashboard.setup_links import QUIET_ZONE, qr_modules, qr_svg, setup_link
from server.dashboard.web import SESSION_COOKIE
from tests.server.api import Api

SCALE = 6


def rasterised(svg: str, path: Path) -> Path:
    """The SVG written by `qr_svg` drawn as a PNG, from its own path data."""
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))  # type: ignore[union-attr]
    image = Image.new("L", (size * SCALE, size * SCALE), 255)
    draw = ImageDraw.Draw(image)
    for x, y, run in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        left, top, width = int(x), int(y), int(run)
        draw.rectangle(
            [left * SCALE, top * SCALE, (left + width) * SCALE - 1, (top + 1) * SCALE - 1], fill=0
        )
    image.save(path)
    return path


def decoded(path: Path) -> str:
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (apt-get install zbar-tools) reads the QR code back")
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", str(path)], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_the_link_names_server_and_email_percent_encoded() -> None:
    link = setup_link("https://shop.example.com", "anna+field@example.com")
    assert link.startswith("shopscore://setup?")
    query = parse_qs(urlsplit(link).query)
    assert {"server": ["https://shop.example.com"], "email": ["anna+field@example.com"]} == query


def test_the_qr_code_reads_back_as_the_link(tmp_path: Path) -> None:
    link = setup_link("https://shopscore.example.com", "łucja.wiśniewska@example.com")
    svg = qr_svg(link, 'Kod QR "łącza"')
    assert 'aria-label="Kod QR &quot;łącza&quot;"' in svg
    assert len(svg) < 10_000  # one path, not a rectangle per module
    modules = qr_modules(link)
    assert f'viewBox="0 0 {len(modules) + 2 * QUIET_ZONE} ' in svg
    assert link == decoded(rasterised(svg, tmp_path / "qr.png"))


async def test_admins_see_each_auditors_setup_link_and_qr_code(api: Api, tmp_path: Path) -> None:
    admin = await api.admin()
    await api.create_user(admin, "anna.kowalska@example.test", "auditor")
    await api.create_user(admin, "rita.reviewer@example.test", "reviewer")
    token = admin["Authorization"].removeprefix("Bearer ")

    page = await api.client.get("/admin", headers={"Cookie": f"{SESSION_COOKIE}={token}"})

    assert 200 == page.status_code
    server = api.context.settings.public_url
    link = setup_link(server, "anna.kowalska@example.test")
    assert f'<a href="{html.escape(link)}">{html.escape(link)}</a>' in page.text
    assert "rita.reviewer%40example.test" not in page.text  # reviewers set up no phone
    (svg,) = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="qr".*?</svg>',
                        page.text)  # fmt: skip
    assert link == decoded(rasterised(svg, tmp_path / "page-qr.png"))
