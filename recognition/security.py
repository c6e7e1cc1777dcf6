"""Security headers on every response, and secure cookies when served over https."""

from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface

from .errors import DomainError
from .fields import NUL, text_problem

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


SERIALIZER = "recognition.session_serializer"
API_PREFIX = "/api/"
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when the request came over https (or when configured)."""

    def get_signing_serializer(self, app):
        """Flask's, made once per secret (and fallbacks) instead of on every request: a
        serializer keeps nothing between uses."""
        secrets = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = app.extensions.get(SERIALIZER)
        if kept is None or kept[0] != secrets:
            kept = app.extensions[SERIALIZER] = (secrets, super().get_signing_serializer(app))
        return kept[1]

    def open_session(self, app, request):
        """None (Flask's null session, read as empty and never saved) for the API: it
        authenticates by token and keeps nothing between requests, so a cookie a client
        sends along is neither verified nor answered on each call."""
        if request.path.startswith(API_PREFIX):
            return None
        return super().open_session(app, request)

    def get_cookie_secure(self, app) -> bool:
        configured = app.config.get("SESSION_COOKIE_SECURE")
        if configured is None:
            return request.is_secure
        return bool(configured)


# The body types werkzeug reads a form (and files) from.
FORM_TYPES = frozenset(("application/x-www-form-urlencoded", "multipart/form-data"))


def unstorable_text(request) -> dict[str, list[str]]:
    """The inputs (query, form, file names, JSON body, path) holding text no database can
    store: a U+0000 character, or an unpaired surrogate (only JSON can send one:
    ``"\\ud800"``), each with the rule it breaks. A body that is not JSON, or nests too
    deep, is left to the view's parser to refuse."""
    found: dict[str, list[str]] = {}
    pending: list[tuple[str, object]] = []
    if request.query_string:  # none: nothing to parse
        for key, values in request.args.lists():
            pending.extend((key, value) for value in values)
    # Only these two types carry a form (werkzeug parses no other): asking another body
    # for its form would cost a parser's set-up for nothing (a JSON append's tenth).
    if request.mimetype in FORM_TYPES:
        for key, values in request.form.lists():
            pending.extend((key, value) for value in values)
        for key, uploads in request.files.lists():  # a file's name is stored with it (letters)
            pending.extend((key, upload.filename) for upload in uploads if upload.filename)
    pending.append(("", request.view_args or {}))
    if request.is_json and _may_hold_unstorable(request.get_data(cache=True)):
        pending.append(("", request.get_json(silent=True)))
    while pending:  # a loop, not recursion: the JSON parser bounds depth, this need not
        name, value = pending.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                found[name or "body"] = [problem]
        elif isinstance(value, dict):
            for key, inner in value.items():
                key_name = f"{name}.{key}" if name else str(key)
                if problem := text_problem(str(key)):  # a key is text too (answers, scores)
                    found[key_name] = [problem]
                pending.append((key_name, inner))
        elif isinstance(value, list):
            pending.extend((f"{name}.{index}" if name else str(index), inner) for index, inner in enumerate(value))
    # The names go back in the answer, which must itself be encodable.
    return {name.encode("utf-8", "replace").decode(): rules for name, rules in sorted(found.items())}


def _may_hold_unstorable(body: bytes) -> bool:
    """Whether a JSON body, once parsed, can hold a NUL or a surrogate. A JSON string
    cannot hold either raw: NUL only as the escape ``\\u0000``, a surrogate only as an
    escape or as the bytes ED A0-BF (Python's parser decodes with "surrogatepass"); in
    UTF-16 or UTF-32 every structural character has a zero byte. A body with no
    backslash-u, no ED byte and no zero byte holds neither, and is not walked."""
    return b"\\u" in body or b"\xed" in body or b"\x00" in body


def register(app) -> None:
    app.session_interface = SessionInterface()

    @app.before_request
    def refuse_unstorable_text():
        """PostgreSQL cannot store or even compare text holding U+0000 (SQLite can), and
        neither can encode an unpaired surrogate: refuse both at the door, on pages and
        API alike, so both engines give the same answer, a 422 naming the field, instead
        of a 500 from the driver."""
        errors = unstorable_text(request._get_current_object())  # type: ignore[attr-defined]  # not through the proxy
        if errors:
            rules = {rule for broken in errors.values() for rule in broken}
            message = (
                "Text must not contain NUL (U+0000) characters."
                if rules == {NUL}
                else "Text must be valid Unicode without NUL (U+0000) characters."
            )
            raise DomainError(message, errors)

    @app.after_request
    def add_security_headers(response):
        """Each header unless the response set its own. Read once: werkzeug's
        ``setdefault`` scans the headers three times and raises a KeyError for each
        header it adds."""
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()}
        wanted = list(SECURITY_HEADERS)
        if request.is_secure:
            wanted.append(("Strict-Transport-Security", "max-age=31536000"))
        if response.mimetype == "text/html" or request.path.startswith(API_PREFIX):
            wanted.append(("Cache-Control", "no-store"))
        for name, value in wanted:
            if name.lower() not in present:
                headers.add(name, value)
        return response
