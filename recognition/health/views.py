"""``GET /healthz`` (the process is alive and can render pages) and ``GET /readyz`` (it can
serve and write: database, disk, signing keys, pages). Both answer anyone, with no session."""

from __future__ import annotations

from flask import Blueprint, current_app

from ..errors import payload
from ..extensions import db
from . import checks

blp = Blueprint("health", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@blp.get("/healthz")
def healthz():
    """Liveness. It asks nothing of the database, so an outage there (``/readyz`` reports
    it) does not get every worker restarted; pages that cannot render do fail it."""
    problems = checks.templates(current_app)
    if problems:
        return unavailable("The app cannot render its pages.", problems)
    return {"status": "ok", "database": db.engine.dialect.name}, 200, NO_STORE


@blp.get("/readyz")
def readyz():
    """Readiness: the database answers, is writable and migrated; the disks written to
    have room; the signing key loads and the key ring reads; the pages render. Each
    problem is named."""
    app = current_app
    problems = {**checks.database(app), **checks.disk_space(app), **checks.signing_key(app), **checks.templates(app)}
    if problems:
        return unavailable(
            "Not ready: " + "; ".join(f"{what.replace('_', ' ')} {rules[0]}" for what, rules in problems.items()),
            problems,
        )
    return {"status": "ready", "database": db.engine.dialect.name}, 200, NO_STORE


def unavailable(message: str, problems: dict[str, list[str]]):
    return payload(503, message, problems), 503, {**NO_STORE, "Retry-After": "30"}
