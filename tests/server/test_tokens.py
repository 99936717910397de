"""Bearer tokens: verified ones are remembered, but never past their expiry or their bound."""

from __future__ import annotations

import time

import jwt
import pytest

from server.auth.tokens import VERIFIED_TOKENS_KEPT, Tokens
from server.core.errors import Unauthorized

SECRET = "token-test-secret-" + "k" * 32


def test_a_token_reads_the_same_every_time() -> None:
    tokens = Tokens(SECRET, lifetime_minutes=5)
    token = tokens.issue(41, 3)
    assert (41, 3) == tokens.read(token)
    assert (41, 3) == tokens.read(token)


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    tokens = Tokens(SECRET, lifetime_minutes=5)
    expires = int(time.time()) + 2  # a second or more ahead: still valid when first read
    token = jwt.encode({"sub": "7", "gen": 0, "exp": expires}, SECRET, algorithm="HS256")
    assert (7, 0) == tokens.read(token)
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(Unauthorized):
        tokens.read(token)
    with pytest.raises(Unauthorized):
        tokens.read(token)


def test_a_token_signed_with_another_key_is_refused_even_with_the_same_claims() -> None:
    tokens = Tokens(SECRET, lifetime_minutes=5)
    good = tokens.issue(5, 1)
    assert (5, 1) == tokens.read(good)
    forged = Tokens("another-secret-" + "z" * 32, lifetime_minutes=5).issue(5, 1)
    with pytest.raises(Unauthorized):
        tokens.read(forged)
    with pytest.raises(Unauthorized):
        tokens.read(good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1])


def test_the_memory_of_verified_tokens_is_bounded() -> None:
    tokens = Tokens(SECRET, lifetime_minutes=5)
    first = tokens.issue(1, 0)
    tokens.read(first)
    for user_id in range(2, VERIFIED_TOKENS_KEPT + 10):
        tokens.read(tokens.issue(user_id, 0))
    assert VERIFIED_TOKENS_KEPT == len(tokens._verified)
    assert first not in tokens._verified
    assert (1, 0) == tokens.read(first)  # forgotten, so verified again
