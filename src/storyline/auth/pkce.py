"""PKCE (RFC 7636): code verifiers and S256 challenges.

Storyline always sends an S256 challenge to its OpenID Connect providers, and checks the challenges
its own clients send to /v1/openid/authorize when they redeem the code at /v1/openid/token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

# unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~", 43 to 128 characters (RFC 7636 §4.1)
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
CHALLENGE_RE = VERIFIER_RE
METHODS = ("S256",)


def new_code_verifier(length: int = 64) -> str:
    """A random verifier of `length` (43..128) unreserved characters."""
    if not 43 <= length <= 128:
        raise ValueError("a PKCE code verifier has 43 to 128 characters")
    # token_urlsafe uses A-Z a-z 0-9 - _ : all unreserved. 4 characters per 3 bytes.
    value = secrets.token_urlsafe(length)[:length]
    assert VERIFIER_RE.match(value)
    return value


def s256_challenge(verifier: str) -> str:
    """BASE64URL(SHA-256(ASCII(verifier))) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(verifier: str | None, challenge: str, method: str) -> bool:
    """Whether `verifier` answers `challenge` (method S256 only)."""
    if method not in METHODS or not verifier or not VERIFIER_RE.match(verifier):
        return False
    return hmac.compare_digest(s256_challenge(verifier), challenge)


__all__ = ["CHALLENGE_RE", "METHODS", "VERIFIER_RE", "new_code_verifier", "s256_challenge", "verify"]
