"""Institutional sign-in: the authorization code flow with PKCE, ``state`` and ``nonce``,
the ID token checked (signature by the provider's published keys, issuer, audience,
expiry, nonce), and the identity matched to one person on the roster.

The provider is found by discovery (``<OIDC_ISSUER>/.well-known/openid-configuration``);
its document and keys are kept per process, and the keys fetched again once when a token
names a key not seen yet (the provider rotated them). Nobody is ever created: an identity
the roster does not know is turned away with whom to ask.

What the browser must remember between leaving for the provider and coming back (the
state, nonce, PKCE verifier, where to go next) is returned by ``begin`` for the page to
keep in the session, and handed back to ``finish``: the service never reads the session.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import func, select

from ...errors import DomainError, Forbidden
from ...extensions import db
from ...people.models import Person
from ..models import Account
from . import rules

# Never "none", never a shared-secret algorithm: the ID token must be signed with one of
# the provider's published keys.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
# An account made for someone who signs in through the university: no password verifies
# against it (it is not a hash), until they set one through a reset or an invitation.
UNUSABLE_PASSWORD = "!institutional-sign-in"


class SignInRefused(DomainError):
    """The provider's answer cannot be accepted (a used or stale state, a refused code, an
    ID token that does not check out). Nobody is signed in."""

    status = 400


class Unmatched(Forbidden):
    """The university knows them; the roster does not."""

    def __init__(self, message: str, looked_for: str):
        super().__init__(message, {"identity": [f"no one on the roster has {looked_for}"]})
        self.looked_for = looked_for


class AccountDisabled(Forbidden):
    pass


class ProviderUnavailable(DomainError):
    status = 503
    retry_after = 60


def is_configured(config: Mapping[str, Any]) -> bool:
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID") and config.get("OIDC_CLIENT_SECRET"))


def issuer_of(config: Mapping[str, Any]) -> str:
    return str(config["OIDC_ISSUER"]).rstrip("/")


# The provider's discovery document and keys, per process --------------------------------

_metadata: dict[str, dict] = {}
_keys: dict[str, KeySet] = {}


def _get_json(url: str, config: Mapping[str, Any]) -> dict:
    try:
        response = requests.get(url, timeout=config["OIDC_TIMEOUT_SECONDS"])
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(
            "The university's sign-in service cannot be reached just now. Try again in a minute.",
            {"provider": [f"{url} did not answer ({type(error).__name__})"]},
        ) from None
    if not isinstance(document, dict):
        raise ProviderUnavailable("The university's sign-in service answered with something unexpected.")
    return document


def provider_metadata(config: Mapping[str, Any]) -> dict:
    issuer = issuer_of(config)
    if issuer not in _metadata:
        document = _get_json(issuer + "/.well-known/openid-configuration", config)
        # OpenID Connect Discovery §4.3: the document must be about the issuer asked for.
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise ProviderUnavailable(
                "The university's sign-in service is not configured as this server expects.",
                {"OIDC_ISSUER": [f"the discovery document names the issuer {document.get('issuer')!r}"]},
            )
        _metadata[issuer] = document
    return _metadata[issuer]


def provider_keys(config: Mapping[str, Any], metadata: dict, refresh: bool = False) -> KeySet:
    uri = metadata["jwks_uri"]
    if refresh or uri not in _keys:
        try:
            _keys[uri] = KeySet.import_key_set(_get_json(uri, config))  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError):
            raise ProviderUnavailable(
                "The university's sign-in service publishes keys this server cannot read."
            ) from None
    return _keys[uri]


def forget_provider() -> None:
    """Drop the kept discovery documents and keys (an operator changed the provider)."""
    _metadata.clear()
    _keys.clear()


# The flow ---------------------------------------------------------------------------


def _client(config: Mapping[str, Any], redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        config["OIDC_CLIENT_ID"],
        config["OIDC_CLIENT_SECRET"],
        scope=config["OIDC_SCOPES"],
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )


def begin(config: Mapping[str, Any], redirect_uri: str, next_url: str | None, now: datetime) -> tuple[str, dict]:
    """The provider's sign-in address to send the browser to, and what to keep until it
    comes back (for ``finish``)."""
    metadata = provider_metadata(config)
    pending = {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "verifier": secrets.token_urlsafe(64),
        "next": next_url,
        "started_at": now.isoformat(),
    }
    with _client(config, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=pending["state"],
            nonce=pending["nonce"],
            code_verifier=pending["verifier"],
        )
    return url, pending


START_AGAIN = "Start again from the sign-in page."


def finish(
    config: Mapping[str, Any],
    pending: Mapping[str, Any] | None,
    args: Mapping[str, str],
    redirect_uri: str,
    now: datetime,
) -> dict:
    """The checked claims of the ID token the provider's answer (``args``, the callback's
    query) leads to. ``pending`` is what ``begin`` returned, taken out of the session so it
    can serve only once."""
    if args.get("error"):
        reason = args.get("error_description") or args["error"]
        raise SignInRefused(
            f"The university's sign-in did not complete ({reason[:200]}). {START_AGAIN}",
            {"error": [reason[:200]]},
        )
    state = args.get("state") or ""
    if not pending or not state or not secrets.compare_digest(str(pending.get("state", "")), state):
        raise SignInRefused(
            "This sign-in was already completed, or was not started in this browser. " + START_AGAIN,
            {"state": ["does not match a sign-in started in this browser, or was already used"]},
        )
    minutes = int(config["OIDC_STATE_MINUTES"])
    if rules.has_expired(datetime.fromisoformat(pending["started_at"]), now, minutes):
        raise SignInRefused(
            f"This sign-in took longer than {minutes} minutes, so it has expired. " + START_AGAIN,
            {"state": [f"expired: a sign-in must be finished within {minutes} minutes"]},
        )
    metadata = provider_metadata(config)
    # RFC 9207: a provider that says who answered must be ours (no mix-up with another).
    if args.get("iss") and args["iss"].rstrip("/") != issuer_of(config):
        raise SignInRefused("The answer came from another sign-in service. " + START_AGAIN, {"iss": ["not ours"]})
    code = args.get("code")
    if not code:
        raise SignInRefused("The university's answer had no sign-in code. " + START_AGAIN, {"code": ["is required"]})
    token = exchange_code(config, metadata, code, pending["verifier"], redirect_uri)
    claims = checked_claims(config, metadata, token.get("id_token"), pending["nonce"], now)
    return with_userinfo(config, metadata, token, claims)


def exchange_code(config: Mapping[str, Any], metadata: dict, code: str, verifier: str, redirect_uri: str) -> dict:
    """The provider's token response for the code, proving with the PKCE verifier that we
    are the ones who started the sign-in."""
    try:
        with _client(config, redirect_uri) as client:
            return dict(
                client.fetch_token(
                    metadata["token_endpoint"],
                    code=code,
                    code_verifier=verifier,
                    timeout=config["OIDC_TIMEOUT_SECONDS"],
                )
            )
    except AuthlibBaseError as error:
        raise SignInRefused(
            "The university did not accept this sign-in's code (it may have been used already, or have expired). "
            + START_AGAIN,
            {"code": [f"refused by the provider: {error.error or 'invalid'}"]},
        ) from None
    except (requests.RequestException, ValueError):
        raise ProviderUnavailable(
            "The university's sign-in service cannot be reached just now. Try again in a minute."
        ) from None


def checked_claims(config: Mapping[str, Any], metadata: dict, id_token: object, nonce: str, now: datetime) -> dict:
    """The ID token's claims once its signature, issuer, audience, times and nonce hold."""
    if not isinstance(id_token, str) or not id_token:
        raise SignInRefused("The university's answer had no ID token. " + START_AGAIN, {"id_token": ["is required"]})
    try:
        try:
            token = jwt.decode(id_token, provider_keys(config, metadata), algorithms=ALGORITHMS)
        except (JoseError, ValueError):  # perhaps signed with a key published since we fetched them
            token = jwt.decode(id_token, provider_keys(config, metadata, refresh=True), algorithms=ALGORITHMS)
        claims = CodeIDToken(
            token.claims,
            token.header,
            options={
                "iss": {"essential": True, "value": issuer_of(config)},
                "aud": {"essential": True, "value": config["OIDC_CLIENT_ID"]},
            },
            params={"nonce": nonce},
        )
        claims.validate(now=_epoch(now), leeway=int(config["OIDC_CLOCK_SKEW_SECONDS"]))
    except (JoseError, AuthlibBaseError, ValueError) as error:
        rule = getattr(error, "description", None) or getattr(error, "error", None) or str(error) or "invalid"
        raise SignInRefused(
            "The university's answer could not be verified, so nobody was signed in. " + START_AGAIN,
            {"id_token": [str(rule)[:200]]},
        ) from None
    return dict(claims)


def matching_claims(config: Mapping[str, Any]) -> tuple[str, ...]:
    if config["OIDC_MATCH_CLAIM"] == "email":
        return ("email", "email_verified")
    return (config["OIDC_ID_CLAIM"],)


def with_userinfo(config: Mapping[str, Any], metadata: dict, token: Mapping[str, Any], claims: dict) -> dict:
    """The claims, completed from the userinfo endpoint when the ID token lacks those the
    roster is matched on (a conformant provider puts scoped claims such as ``email`` only
    there). The ID token's own claims win; userinfo must be about the same subject."""
    if all(name in claims for name in matching_claims(config)):
        return claims
    endpoint, access_token = metadata.get("userinfo_endpoint"), token.get("access_token")
    if not endpoint or not access_token:
        return claims
    try:
        response = requests.get(
            endpoint, headers={"Authorization": f"Bearer {access_token}"}, timeout=config["OIDC_TIMEOUT_SECONDS"]
        )
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError):
        raise ProviderUnavailable(
            "The university's sign-in service did not say who you are just now. Try again in a minute."
        ) from None
    if not isinstance(info, dict) or info.get("sub") != claims.get("sub"):
        raise SignInRefused(
            "The university's answers about who you are disagree, so nobody was signed in. " + START_AGAIN,
            {"userinfo": ["is about another subject than the ID token"]},
        )
    return {**info, **claims}


def _epoch(now: datetime) -> int:
    """Seconds since 1970 of ``now`` (naive UTC, as ``clock.utcnow`` gives it)."""
    return int((now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp())


# Who they are on the roster -------------------------------------------------------------


def person_for(config: Mapping[str, Any], claims: Mapping[str, object], now: datetime) -> Person:
    """The one person the claims name, with an account (made for them, with no usable
    password, if they had none: the roster says they belong, the university vouches for
    who they are). Flushes, never commits."""
    contact = config["OIDC_HELP_CONTACT"]
    try:
        key = rules.roster_key(claims, config["OIDC_MATCH_CLAIM"], config["OIDC_ID_CLAIM"])
    except rules.ClaimProblem as problem:
        raise Unmatched(
            f"You signed in at the university, but {problem.rule}, so this department's roster cannot "
            f"tell who you are. Ask {contact} for help.",
            problem.rule.removeprefix("the university "),
        ) from None
    if key.column == "email":
        statement = select(Person).where(func.lower(Person.email) == key.value)
    else:
        statement = select(Person).where(Person.institutional_id == key.value)
    person = db.session.scalar(statement)
    if person is None:
        raise Unmatched(
            f"You signed in at the university, but no one on the department's roster has {key.described}. "
            f"If you work in the department, ask {contact} to add you to the roster (or to correct it).",
            key.described,
        )
    account = db.session.get(Account, person.id)
    if account is not None and account.disabled:
        raise AccountDisabled(
            f"You signed in at the university, but your account here is disabled. Ask {contact} "
            "if you think it should not be.",
            {"account": ["is disabled"]},
        )
    if account is None:
        db.session.add(Account(person_id=person.id, password_hash=UNUSABLE_PASSWORD, created_at=now))
        db.session.flush()
    return person
