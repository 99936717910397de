"""The phone's side of setup links (docs/contract.md#phone-setup): it reads what the dashboard
writes, refuses what is not a setup link, and knows the server the app was built for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobile.setup_link import Setup, built_in_server, parse_setup_link
from server.dashboard.setup_links import setup_link


def test_the_phone_reads_the_link_the_dashboard_writes() -> None:
    link = setup_link("https://shopscore.example.com:8443", "łucja+pole@example.com")
    assert Setup("https://shopscore.example.com:8443", "łucja+pole@example.com") == (
        parse_setup_link(link)
    )
    # as pasted from a message: spaces and a line break around it
    assert parse_setup_link(f"  {link}\n") is not None
    assert Setup("http://10.0.0.5:8000") == parse_setup_link(
        "shopscore://setup?server=http%3A%2F%2F10.0.0.5%3A8000%2F"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "https://shopscore.example.com",
        "shopscore://login?server=https%3A%2F%2Fshop.example.com",
        "shopscore://setup?email=anna%40example.com",
        "shopscore://setup?server=ftp%3A%2F%2Fshop.example.com",
        "shopscore://setup?server=shop.example.com",
        "hello shopscore://setup?server=https%3A%2F%2Fshop.example.com",
    ],
)
def test_anything_else_is_not_a_setup_link(text: str) -> None:
    assert parse_setup_link(text) is None


def test_the_built_in_server_comes_from_the_environment_or_the_build(tmp_path: Path) -> None:
    build = tmp_path / "build.json"
    assert "" == built_in_server({}, build)  # built for no server: a setup link is needed
    build.write_text(json.dumps({"server": "https://field.example.com/"}))
    assert "https://field.example.com" == built_in_server({}, build)
    desktop = {"SHOPSCORE_SERVER": "http://127.0.0.1:8000"}
    assert "http://127.0.0.1:8000" == built_in_server(desktop, build)
    assert "" == built_in_server({"SHOPSCORE_SERVER": "127.0.0.1:8000"}, tmp_path / "none.json")
    build.write_text("not json")
    assert "" == built_in_server({}, build)
