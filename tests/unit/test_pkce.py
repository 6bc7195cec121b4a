"""PKCE pieces (RFC 7636): verifier length and characters, S256 challenge, verification."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from storyline.auth import pkce

UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]+$")


def test_verifier_length_and_charset():
    seen = set()
    for length in (43, 64, 100, 128):
        for _ in range(50):
            v = pkce.new_code_verifier(length)
            assert len(v) == length and UNRESERVED.match(v)
            seen.add(v)
    assert len(seen) == 200  # random
    assert 43 <= len(pkce.new_code_verifier()) <= 128
    for bad in (42, 129, 0):
        with pytest.raises(ValueError):
            pkce.new_code_verifier(bad)


def test_s256_challenge_matches_rfc7636_appendix_b():
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_challenge_is_unpadded_base64url_sha256():
    for _ in range(20):
        v = pkce.new_code_verifier()
        c = pkce.s256_challenge(v)
        assert "=" not in c and "+" not in c and "/" not in c and len(c) == 43
        assert base64.urlsafe_b64decode(c + "=") == hashlib.sha256(v.encode()).digest()
        assert c == create_s256_code_challenge(v)  # Authlib agrees
        assert pkce.CHALLENGE_RE.match(c)


def test_verify():
    v = pkce.new_code_verifier()
    c = pkce.s256_challenge(v)
    assert pkce.verify(v, c, "S256")
    assert not pkce.verify(pkce.new_code_verifier(), c, "S256")
    assert not pkce.verify(v, c, "plain")  # only S256 is accepted
    assert not pkce.verify(None, c, "S256")
    assert not pkce.verify("short", pkce.s256_challenge("short"), "S256")  # not a valid verifier
    assert not pkce.verify(v + "!", pkce.s256_challenge(v + "!"), "S256")
