"""Retries that do not duplicate: the ``Idempotency-Key`` header on every API POST.

A client whose request was carried out but whose reply was lost sends it again with the
same key. The key is recorded, for the person the token belongs to, in the same
transaction as the work (a ``before_commit`` hook of the request's first commit), so a
crash just after the commit still finds it; two requests racing with one key cannot both
commit (the second meets the unique index). The reply is stored right after, and a retry
gets it back as it was, marked ``Idempotent-Replayed: true``.

- the same key with another method, path, query or body is a 422 naming the header;
- a key whose first request has not stored its reply yet is a 409 with ``Retry-After``;
- a request that commits nothing (a refused one: 4xx before any change) uses no key,
  so the corrected request may be sent with the same key; a reply with a server error
  is not kept (the retry is told the work was done but its reply was lost);
- keys are scoped per person, not per token, and forgotten after
  ``IDEMPOTENCY_KEY_HOURS`` (a later request with the same key is a new request).

Public POSTs take no key: the credential checks change nothing, and a new API token's
reply holds the token itself, which is never stored. A POST marked ``not_recorded`` (a
mentee's feedback answer) checks the key and stores nothing: a key row would say who
acted and when, which that answer's storage is built never to say; it is once-only by
itself, so a retry is its 409 "already answered", meaning the first one arrived.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint, delete, event, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow
from .errors import DomainError, respond
from .extensions import Model, api, db
from .parsing import Blueprint

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY = re.compile(r"[\x21-\x7e]{1,255}")
KEY_RULE = "must be 1 to 255 visible ASCII characters (a UUID is a good key)"
NOT_RECORDED = "x-idempotency-key-not-recorded"


class IdempotencyKey(Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2000))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(index=True)
    # The reply, stored once the work has committed; empty while it is being made.
    status: Mapped[int | None]
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_type: Mapped[str | None] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(2000))


class KeyInUse(Exception):
    """Another request with this key committed first (it raced this one). Not a
    ``DomainError``: no view that catches those may swallow it."""


@dataclass
class Pending:
    owner_id: int
    key: str
    fingerprint: str
    now: datetime
    recorded: bool = False


def register(app: Flask, owner: Callable[[], int]) -> None:
    """Keep keys for ``app``. ``owner()`` is the id of the person a request's token belongs
    to (the app factory gives it: who the actor is, is auth's business, above this module);
    ``begin`` asks it once the token has been checked."""
    app.extensions["idempotency_owner"] = owner
    api.describe_with(describe)
    if not event.contains(db.session, "before_commit", _record):
        event.listen(db.session, "before_commit", _record)
    app.after_request(_store_reply)

    @app.errorhandler(KeyInUse)
    def answer_racer(error: KeyInUse):
        db.session.rollback()
        pending = g.pop("idempotency", None)
        row = _find(pending.owner_id, pending.key) if pending else None
        if row is None:  # the first one's work was rolled back after all: try again
            return _in_progress(None)
        try:
            return _answer(row, pending.fingerprint)
        except DomainError as refusal:  # raised in an error handler, it would be a 500
            return respond(refusal.status, refusal.message, refusal.errors)


def not_recorded(view):
    """Mark a POST whose key must leave no trace (see the module's docstring). Put it
    under the other decorators, with ``errors_for``."""
    view.idempotency_not_recorded = True
    return Blueprint.doc(**{NOT_RECORDED: True})(view)


def begin():
    """``before_request`` of every API blueprint, after the token check: replay a known
    key's reply, refuse a key reused for another request, or note the key for ``_record``."""
    # Most requests send no key: asked by name, the header is one lookup (``getlist``
    # walks every header the request has).
    if request.method != "POST" or request.headers.get(HEADER) is None:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "public", False):
        return None
    sent = request.headers.getlist(HEADER)
    if len(sent) > 1:
        raise DomainError.field(HEADER, "must be sent once", f"Send one {HEADER} header.")
    key = sent[0]
    if not KEY.fullmatch(key):
        raise DomainError.field(HEADER, KEY_RULE, f"The {HEADER} header is not a usable key.")
    if getattr(view, "idempotency_not_recorded", False):
        return None
    owner_id, now = current_app.extensions["idempotency_owner"](), utcnow()
    hours = current_app.config["IDEMPOTENCY_KEY_HOURS"]
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.owner_id == owner_id, IdempotencyKey.created_at < now - timedelta(hours=hours)
        )
    )
    found = fingerprint()
    row = _find(owner_id, key)
    if row is not None:
        return _answer(row, found)
    g.idempotency = Pending(owner_id, key, found, now)
    return None


def fingerprint() -> str:
    """What makes two requests the same: method, path, query and body. A JSON body is
    compared as data (spacing and key order aside); a multipart body by its fields and
    each file's name and content (clients draw a new boundary for every try)."""
    parts: dict = {"method": request.method, "path": request.path, "query": _pairs(request.args)}
    body = request.get_json(silent=True) if request.is_json else None
    if body is not None:
        parts["json"] = body
    elif request.files or request.form:
        parts["form"] = _pairs(request.form)
        files = []
        for name, upload in request.files.items(multi=True):
            content = upload.stream.read()
            upload.stream.seek(0)
            files.append([str(name), str(upload.filename or ""), hashlib.sha256(content).hexdigest()])
        parts["files"] = sorted(files)
    else:
        parts["raw"] = hashlib.sha256(request.get_data(cache=True)).hexdigest()
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _pairs(values) -> list[list[str]]:
    """A multi-dict's items in a stable order, whatever odd names a client sent (a
    multipart part may come without one)."""
    return sorted([str(name), str(value)] for name, value in values.items(multi=True))


def _find(owner_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.owner_id == owner_id, IdempotencyKey.key == key)
    )


def _answer(row: IdempotencyKey, found: str):
    if row.fingerprint != found:
        same_route = (row.method, row.path) == (request.method, request.path)
        rule = (
            "was used for a request with another body"
            if same_route
            else f"was used for another request ({row.method} {row.path})"
        )
        raise DomainError(
            f"This {HEADER} was already used for a different request; send a new key for a new "
            "request, or the same body to get the first reply again.",
            {HEADER: [rule]},
        )
    if row.status is None:
        return _in_progress(row)
    headers = {REPLAYED: "true"}
    if row.location:
        headers["Location"] = row.location
    return Response(row.body or b"", status=row.status, content_type=row.content_type, headers=headers)


def _in_progress(row: IdempotencyKey | None):
    fresh = row is None or utcnow() - row.created_at < timedelta(minutes=2)
    if fresh:
        message = (
            f"A request with this {HEADER} is still being carried out; send it again in a moment to get its reply."
        )
        rule = "is in use by a request still in progress"
    else:
        message = (
            f"The request with this {HEADER} was carried out, but its reply was lost; look the result "
            "up before sending anything new (a new key would do the work again)."
        )
        rule = "was used by a request whose reply was not kept"
    body, status = respond(409, message, {HEADER: [rule]})
    return body, status, {"Retry-After": "1"} if fresh else {}


def _record(session) -> None:
    """``before_commit``: the key goes into the transaction of the request's first commit."""
    if not has_request_context():
        return
    pending: Pending | None = g.get("idempotency")
    if pending is None or pending.recorded or session is not db.session() or session.in_nested_transaction():
        return  # a savepoint's release is not a commit: the key waits for the transaction's
    session.flush()  # the work first: its own errors stay its own
    pending.recorded = True
    session.add(
        IdempotencyKey(
            owner_id=pending.owner_id,
            key=pending.key,
            method=request.method,
            path=request.path,
            fingerprint=pending.fingerprint,
            created_at=pending.now,
        )
    )
    try:
        session.flush()
    except IntegrityError as error:
        raise KeyInUse(pending.key) from error


def _store_reply(response):
    pending: Pending | None = g.pop("idempotency", None)
    if pending is None or not pending.recorded:
        return response
    if response.status_code >= 500 or response.direct_passthrough or response.is_streamed:
        current_app.logger.warning(
            "The reply to %s %s (%s %s) was not kept", request.method, request.path, HEADER, pending.key
        )
        return response
    try:
        db.session.rollback()  # the work is committed; start the reply's own transaction
        db.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.owner_id == pending.owner_id, IdempotencyKey.key == pending.key)
            .values(
                status=response.status_code,
                body=response.get_data(),
                content_type=response.content_type,
                location=response.headers.get("Location"),
            )
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception(
            "The reply to %s %s (%s %s) could not be kept", request.method, request.path, HEADER, pending.key
        )
    return response


def describe(spec, app: Flask) -> None:
    """The API document's describer (see ``extensions.Api``)."""
    document(spec, app.config["IDEMPOTENCY_KEY_HOURS"])


def document(spec, hours: int) -> None:
    """Every POST that needs a token takes the header: say so in the OpenAPI document."""
    parameter = {
        "in": "header",
        "name": HEADER,
        "required": False,
        "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
        "description": (
            "Makes a retry safe: the same key with the same request returns the first reply (marked "
            f"{REPLAYED}: true) instead of doing the work again; with a different request it is a 422, and "
            f"while the first is still running a 409. Keys are per person and kept {hours} hours; a refused "
            "request (4xx before any change) uses none."
        ),
    }
    unrecorded = {
        **parameter,
        "description": (
            "Checked, but nothing is stored: the answer keeps no trace of who sent it or when. It can be given "
            "once, so a retry whose first try arrived is a 409 (already answered)."
        ),
    }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in spec._paths.values():
        operation = operations.get("post")
        if not operation or not operation.get("security"):
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == HEADER for p in parameters):
            parameters.append(unrecorded if operation.get(NOT_RECORDED) else parameter)
        responses = operation.setdefault("responses", {})
        responses.setdefault("409", {"description": "Conflict", **error})
        responses.setdefault("422", {"description": "Unprocessable Content", **error})
