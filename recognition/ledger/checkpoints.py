"""Checkpoints: the chain head (seq, hash, time) signed with the deployment's key,
chained to the checkpoint before and listing the id and hash of every entry since it.
Made by ``recognition ledger checkpoint`` and the daily scheduler job, published at
``/ledger/checkpoints.json`` and ``/api/v1/ledger/checkpoints`` for anyone to keep a
copy; ``anchors`` checks the ledger against them."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from .. import links
from ..clock import moment
from ..credits import signing
from ..database import lock_for_append
from ..errors import Conflict
from ..extensions import db
from . import chain, service
from .anchors import describe
from .checkpoint_body import body, sha256
from .models import LedgerCheckpoint, LedgerEntry


def public(checkpoint: LedgerCheckpoint) -> dict:
    """A checkpoint as published: its signed body, signature and digest (not the entry
    list, which stays in the database and is bound by ``entries_digest``)."""
    return {**body(checkpoint), "signature": checkpoint.signature, "digest": checkpoint.digest}


def published() -> list[dict]:
    rows = db.session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq))
    return [public(row) for row in rows]


def listing() -> dict:
    """The public document of checkpoints (``/ledger/checkpoints.json``)."""
    return {
        "algorithm": signing.ALGORITHM,
        "public_key_url": links.url("/verify/key.pem"),
        "keys_url": links.url("/verify/keys.json"),
        "checkpoints": published(),
    }


def latest() -> LedgerCheckpoint | None:
    return db.session.scalar(select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq.desc()).limit(1))


def make(now: datetime) -> tuple[LedgerCheckpoint, bool]:
    """Sign the current head, unless the newest checkpoint already has it. Refused
    (Conflict) when the chain does not verify: a checkpoint must never vouch for a
    rewritten history. Returns the checkpoint and whether it is new. Flushes."""
    lock_for_append(db.session, service.LEDGER_LOCK)
    previous = latest()
    head = service.head()
    if previous is not None and previous.seq == head["seq"]:
        return previous, False
    verdict = service.verify()
    if not verdict.valid:
        raise Conflict(
            f"The ledger does not verify, so no checkpoint was made: {describe(verdict)}",
            {"ledger": ["must verify before a checkpoint is made"]},
        )
    since = previous.seq if previous is not None else 0
    rows = db.session.execute(
        select(LedgerEntry.seq, LedgerEntry.id, LedgerEntry.entry_hash)
        .where(LedgerEntry.seq > since)
        .order_by(LedgerEntry.seq)
    )
    entries = "".join(f"{seq} {entry_id} {digest}\n" for seq, entry_id, digest in rows)
    key = signing.app_key(current_app)
    checkpoint = LedgerCheckpoint(
        seq=head["seq"],
        head_hash=head["hash"],
        at=now,
        prev_digest=previous.digest if previous is not None else chain.GENESIS,
        entries=entries,
        entries_digest=sha256(entries.encode("ascii")),
        key_id=key.key_id,
    )
    content = chain.canonical(body(checkpoint))
    checkpoint.signature, checkpoint.digest = key.sign(content), sha256(content)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint, True


def checkpoint_job(day: date) -> str:
    """The scheduler's daily job: a checkpoint when the head has moved since the last one."""
    checkpoint, made = make(moment(day))
    if made:
        return f"Ledger checkpoint made at position {checkpoint.seq}"
    return f"No new ledger entries since the checkpoint at position {checkpoint.seq}"
