"""Security headers on every response, and secure cookies when served over https."""

from __future__ import annotations

from flask import request
from flask.sessions import SecureCookieSessionInterface

from .errors import DomainError

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when the request came over https (or when configured)."""

    def get_cookie_secure(self, app) -> bool:
        configured = app.config.get("SESSION_COOKIE_SECURE")
        if configured is None:
            return request.is_secure
        return bool(configured)


def fields_with_nul(request) -> list[str]:
    """Names of the inputs (query, form, JSON body, path) holding a U+0000 character."""
    found: list[str] = []

    def walk(name: str, value) -> None:
        if isinstance(value, str):
            if "\x00" in value:
                found.append(name)
        elif isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{name}.{key}" if name else str(key), inner)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{name}.{index}" if name else str(index), inner)

    for source in (request.args, request.form):
        for key, values in source.lists():
            for value in values:
                walk(key, value)
    walk("", request.view_args or {})
    if request.is_json:
        walk("", request.get_json(silent=True))
    return sorted(set(found))


def register(app) -> None:
    app.session_interface = SessionInterface()

    @app.before_request
    def refuse_nul_characters():
        """PostgreSQL cannot store or even compare text holding U+0000 (SQLite can): refuse
        it at the door, so both engines give the same answer, a 422 naming the field,
        instead of a 500 from the driver."""
        fields = fields_with_nul(request)
        if fields:
            raise DomainError(
                "Text must not contain NUL (U+0000) characters.",
                {field: ["must not contain NUL characters"] for field in fields},
            )

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html" or request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        return response
