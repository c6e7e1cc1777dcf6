"""One error shape for the API, a readable page for people.

API errors are ``{"code": <status>, "message": "...", "errors": {<field>: [<rule>, ...]}}``.
Services raise the exceptions below; they know nothing about HTTP beyond a status code.
"""

from __future__ import annotations

import contextlib

from flask import render_template, request
from jinja2 import TemplateNotFound
from markupsafe import escape
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from .database import unavailable
from .extensions import db

PROBES = ("/healthz", "/readyz")


class DomainError(Exception):
    """A request the domain refuses. ``errors`` maps a field to the rules it broke."""

    status = 422
    # Seconds a client should wait before retrying a 503 (sent as Retry-After), or any error
    # whose class sets ``send_retry_after``.
    retry_after = 300
    send_retry_after = False

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        if status is not None:
            self.status = status

    @classmethod
    def field(cls, field: str, rule: str, message: str | None = None) -> DomainError:
        return cls(message or f"{field}: {rule}", {field: [rule]})


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


def wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.path in PROBES
        or (request.accept_mimetypes.best == "application/json")
    )


def payload(code: int, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def flatten_webargs(messages: dict) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"field": [...]}}); the API names fields."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix or "_schema", []).extend(value)
        else:
            flat.setdefault(prefix or "_schema", []).append(str(value))

    for location, fields in messages.items():
        if isinstance(fields, dict):
            walk("", fields)
        else:
            walk(str(location), fields)
    return flat


def register(app) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        response = respond(error.status, error.message, error.errors)
        if error.status == 503 or error.send_retry_after:
            headers = response[2] if len(response) > 2 else {}
            return response[0], response[1], {**headers, "Retry-After": str(error.retry_after)}
        return response

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        data = getattr(error, "data", None) or {}
        errors = {}
        if "messages" in data:
            errors = flatten_webargs(data["messages"])
        elif "errors" in data:
            errors = data["errors"]
        message = data.get("message") or error.description or error.name
        if errors and not data.get("message"):
            message = "The request has invalid fields: " + ", ".join(sorted(errors))
        headers = data.get("headers") or {}
        response = respond(error.code or 500, message, errors)
        if headers:
            response = (response[0], response[1], headers)
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            return response[0], response[1], {**headers, "Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(TemplateNotFound)
    def handle_missing_page(error: TemplateNotFound):
        """An installation without its templates cannot show pages: say so (and /readyz
        fails) instead of a bare 500 on every page."""
        app.logger.error("Template %s is not in %s", error.name, app.template_folder)
        return respond(
            503,
            "This installation of the app is missing its page templates; "
            "the operator must reinstall it (GET /readyz says what is wrong).",
        )

    @app.errorhandler(DBAPIError)
    def handle_database_error(error: DBAPIError):
        """A locked, slow, read-only, full or unreachable database is a 503 the client may
        retry, said in the one shape, well before the worker is killed; anything else the
        database refuses is a bug (a 500)."""
        answer = unavailable(error)
        if answer is None:
            return handle_unexpected(error)
        app.logger.warning(
            "Database unavailable (%s) for %s %s: %s",
            answer.reason,
            request.method,
            request.path,
            getattr(error, "orig", error),
        )
        with contextlib.suppress(Exception):  # the session is discarded at teardown anyway
            db.session.rollback()
        retry = {"Retry-After": str(answer.retry_after)}
        try:
            body, code = respond(503, answer.message, {"database": [answer.rule]})[:2]
        except Exception:  # noqa: BLE001 - a page that needs the database to render cannot
            body, code = plain_page(503, answer.message), 503
            retry["Content-Type"] = "text/html; charset=utf-8"
        return body, code, retry

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        return respond(500, InternalServerError.description)


def respond(code: int, message: str, errors: dict | None = None):
    if wants_json():
        return payload(code, message, errors), code
    try:
        return render_template("errors/error.html", code=code, message=message, errors=errors or {}), code
    except TemplateNotFound:  # the page of last resort needs no template
        return plain_page(code, message), code, {"Content-Type": "text/html; charset=utf-8"}


def plain_page(code: int, message: str) -> str:
    return f"<!doctype html><title>Error {code}</title><h1>Error {code}</h1><p>{escape(message)}</p>"
