"""OpenID Connect relying party: discovery, the authorization-code flow with PKCE, ID token checks.

Any provider given by its issuer URL works (Keycloak, OpenStackID, Ipsilon, ...): nothing here is
provider-specific. Authlib builds the protocol messages and checks the ID token's claims (iss, aud
— a string or a list —, exp, iat, nonce, azp, at_hash); joserfc, Authlib's JOSE library, checks
the signature against the provider's JWKS. httpx carries the requests.

Discovery documents and key sets are cached per process (one `Providers` per app); a key set is
fetched again when a token names a key it does not hold (key rotation).
"""

from __future__ import annotations

import base64
import hmac
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from storyline.auth import pkce
from storyline.config import OidcProvider, Settings

METADATA_TTL = 3600  # seconds a discovery document is trusted before it is fetched again
LEEWAY = 60  # seconds of clock skew accepted on exp / iat
ASYMMETRIC = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}


class LoginFailed(Exception):
    """The login cannot go on. `error` is an RFC 6749 authorization error code for the client."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass
class _Cached:
    value: dict[str, Any]
    fetched: float


def _client_basic(client_id: str, secret: str) -> str:
    """HTTP Basic credentials as RFC 6749 §2.3.1 wants them: each part form-urlencoded first."""
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode()


class Provider:
    """One configured OpenID Connect provider."""

    def __init__(self, config: OidcProvider, timeout: float) -> None:
        self.config = config
        self.name = config.name
        self.issuer = config.issuer
        self.client_id = config.client_id
        self.timeout = timeout
        self._lock = threading.Lock()
        self._metadata: _Cached | None = None
        self._jwks: KeySet | None = None

    # ---- discovery ---------------------------------------------------------------------------

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=self.timeout, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise LoginFailed("temporarily_unavailable",
                              f"The identity provider {self.name} cannot be reached ({what}).") from exc
        if response.status_code != 200:
            raise LoginFailed("temporarily_unavailable",
                              f"The identity provider {self.name} answered {response.status_code} ({what}).")
        try:
            data = response.json()
        except ValueError as exc:
            raise LoginFailed("server_error", f"The identity provider {self.name} sent no JSON ({what}).") from exc
        if not isinstance(data, dict):
            raise LoginFailed("server_error", f"The identity provider {self.name} sent no JSON object ({what}).")
        return data

    def metadata(self) -> dict[str, Any]:
        """The discovery document, checked: its issuer must be exactly the configured one."""
        with self._lock:
            cached = self._metadata
            if cached is not None and time.monotonic() - cached.fetched < METADATA_TTL:
                return cached.value
        data = self._get_json(self.issuer.rstrip("/") + "/.well-known/openid-configuration", "discovery")
        if data.get("issuer") != self.issuer:
            raise LoginFailed(
                "server_error",
                f"The identity provider {self.name} calls itself {data.get('issuer')!r}, "
                f"not the configured issuer {self.issuer!r}.")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = data.get(key)
            if not isinstance(value, str) or not value.startswith(("https://", "http://")):
                raise LoginFailed("server_error",
                                  f"The identity provider {self.name} has no usable {key} in its discovery document.")
        with self._lock:
            self._metadata = _Cached(data, time.monotonic())
        return data

    def _key_set(self, refresh: bool = False) -> KeySet:
        with self._lock:
            if self._jwks is not None and not refresh:
                return self._jwks
        data = self._get_json(self.metadata()["jwks_uri"], "signing keys")
        try:
            keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise LoginFailed("server_error", f"The identity provider {self.name} sent unusable signing keys.") from exc
        with self._lock:
            self._jwks = keys
        return keys

    # ---- the flow ----------------------------------------------------------------------------

    def authorization_url(self, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser: code flow, our state and nonce, PKCE S256 always."""
        endpoint = self.metadata()["authorization_endpoint"]
        url: str = prepare_grant_uri(
            endpoint, client_id=self.client_id, response_type="code", redirect_uri=redirect_uri,
            scope=" ".join(self.config.scopes), state=state, nonce=nonce,
            code_challenge=pkce.s256_challenge(code_verifier), code_challenge_method="S256",
        )
        return url

    def _auth_method(self, metadata: dict[str, Any]) -> str:
        if not self.config.client_secret:
            return "none"
        supported = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" not in supported and "client_secret_post" in supported:
            return "client_secret_post"
        return "client_secret_basic"

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """Redeem the provider's code (with the PKCE verifier) for its tokens."""
        metadata = self.metadata()
        extra: dict[str, str] = {"code": code, "code_verifier": code_verifier}
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        method = self._auth_method(metadata)
        if method == "client_secret_basic":
            headers["Authorization"] = _client_basic(self.client_id, self.config.client_secret)
        else:
            extra["client_id"] = self.client_id
            if method == "client_secret_post":
                extra["client_secret"] = self.config.client_secret
        body = prepare_token_request("authorization_code", redirect_uri=redirect_uri, **extra)
        try:
            response = httpx.post(metadata["token_endpoint"], content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise LoginFailed("temporarily_unavailable",
                              f"The identity provider {self.name} cannot be reached (token).") from exc
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise LoginFailed("server_error",
                              f"The identity provider {self.name} answered {response.status_code} without JSON (token).")
        if "error" in data or response.status_code != 200:
            detail = data.get("error_description") or data.get("error") or response.status_code
            raise LoginFailed("access_denied", f"The identity provider {self.name} refused the code: {detail}.")
        if not isinstance(data.get("id_token"), str):
            raise LoginFailed("server_error", f"The identity provider {self.name} sent no ID token.")
        return data

    def validate_id_token(self, id_token: str, nonce: str, access_token: str | None = None,
                          now: int | None = None) -> dict[str, Any]:
        """The ID token's claims, once its signature (JWKS), iss, aud, exp, iat and nonce are right."""
        algorithms = [a for a in self.metadata().get("id_token_signing_alg_values_supported", ["RS256"])
                      if a in ASYMMETRIC] or ["RS256"]
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=algorithms)
            except InvalidKeyIdError:
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=algorithms)
        except LoginFailed:
            raise
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise LoginFailed("access_denied",
                              f"The ID token from {self.name} has no valid signature ({exc.__class__.__name__}).") from exc
        claims = CodeIDToken(
            token.claims, token.header,
            {"iss": {"essential": True, "value": self.issuer},
             "aud": {"essential": True, "value": self.client_id},
             "sub": {"essential": True}, "exp": {"essential": True}},
            {"nonce": nonce, "client_id": self.client_id, "access_token": access_token},
        )
        try:
            claims.validate(now=now, leeway=LEEWAY)
        except (JoseError, AuthlibBaseError, ValueError, TypeError) as exc:
            raise LoginFailed("access_denied",
                              f"The ID token from {self.name} was refused: {_describe(exc)}.") from exc
        # Authlib checks these too; they are the heart of the flow, so they are checked here as well.
        aud = claims.get("aud")
        if claims.get("iss") != self.issuer:
            raise LoginFailed("access_denied", f"The ID token from {self.name} was refused: wrong issuer.")
        if self.client_id not in (aud if isinstance(aud, list) else [aud]):
            raise LoginFailed("access_denied", f"The ID token from {self.name} was refused: wrong audience.")
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
            raise LoginFailed("access_denied", f"The ID token from {self.name} was refused: nonce mismatch.")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise LoginFailed("access_denied", f"The ID token from {self.name} has no subject.")
        return dict(claims)

    def userinfo(self, access_token: str, subject: str) -> dict[str, Any]:
        """Claims from the userinfo endpoint, when the ID token lacks some (its `sub` must match)."""
        endpoint = self.metadata().get("userinfo_endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
            return {}
        try:
            response = httpx.get(endpoint, timeout=self.timeout,
                                 headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"})
            data = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("sub") != subject:
            return {}
        return data

    def login_claims(self, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> dict[str, Any]:
        """The whole return leg: code exchange, ID token checks, userinfo to complete the claims."""
        tokens = self.exchange_code(code, redirect_uri, code_verifier)
        access_token = tokens.get("access_token") if isinstance(tokens.get("access_token"), str) else None
        claims = self.validate_id_token(tokens["id_token"], nonce, access_token)
        if access_token and not (claims.get("email") and _has_name(claims)):
            extra = self.userinfo(access_token, claims["sub"])
            claims = {**extra, **{k: v for k, v in claims.items() if v is not None}}
        return claims


def _has_name(claims: dict[str, Any]) -> bool:
    return any(isinstance(claims.get(k), str) and claims[k].strip()
               for k in ("name", "given_name", "family_name", "preferred_username", "nickname"))


def _describe(exc: Exception) -> str:
    claim = getattr(exc, "claim", None) or getattr(exc, "claim_name", None)
    error = getattr(exc, "error", None)
    if error in ("expired_token",):
        return "expired"
    if claim:
        return f"{'missing' if error == 'missing_claim' else 'invalid'} claim '{claim}'"
    return getattr(exc, "description", None) or exc.__class__.__name__


class Providers:
    """The configured providers of one app, by name; the first is the default."""

    def __init__(self, settings: Settings) -> None:
        self.by_name = {p.name: Provider(p, settings.oidc_http_timeout) for p in settings.oidc_providers}
        self.default = settings.oidc_providers[0].name if settings.oidc_providers else None

    def get(self, name: str | None) -> Provider | None:
        if not name:
            name = self.default
        return self.by_name.get(name) if name else None


_registry_lock = threading.Lock()


def providers_for(state: Any) -> Providers:
    """The app's provider registry (on `app.state`), made on first use from its settings."""
    with _registry_lock:
        registry = getattr(state, "oidc_providers", None)
        if registry is None:
            registry = Providers(state.settings)
            state.oidc_providers = registry
        return registry


__all__ = ["LoginFailed", "Provider", "Providers", "providers_for"]
