"""Checkpoints: the chain head (seq, hash, time) signed with the deployment's key,
chained to the checkpoint before and listing the id and hash of every entry since it.
Made by ``recognition ledger checkpoint`` and the daily scheduler job, published at
``/ledger/checkpoints.json`` and ``/api/v1/ledger/checkpoints`` for anyone to keep a
copy; ``anchors`` checks the ledger against them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn

from flask import current_app
from sqlalchemy import select

from .. import links
from ..clock import moment
from ..credits import signing
from ..database import lock_for_append, read_only
from ..errors import Conflict
from ..extensions import db
from . import anchors, chain, service
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
    rewritten history. Returns the checkpoint and whether it is new. Flushes.

    Unless a transaction is already open, the whole chain is verified and the entries
    the checkpoint lists are read before the append lock is taken (``checked_unlocked``:
    seconds at millions of entries, while appends go on). Under the lock, with the
    newest checkpoint still the one seen then, only what may have changed the verdict
    since is checked (``service.verify_since``): the entries appended meanwhile,
    following on from the head verified, which must still be there; the signed
    documents issued or changed meanwhile; the rows that point at entries. Otherwise (a
    transaction open, another checkpoint made meanwhile) all of it is checked under the
    lock."""
    checked = None if db.session().in_transaction() else checked_unlocked()
    if checked is not None and not checked.verdict.valid:
        _refuse(describe(checked.verdict))
    lock_for_append(db.session, service.LEDGER_LOCK)
    previous = latest()
    head = service.head()
    if previous is not None and previous.seq == head["seq"]:
        return previous, False
    if checked is not None and checked.previous == _seen(previous):
        verdict, appended = service.verify_since(checked.verdict.head_seq, checked.verdict.head_hash, checked.documents)
        entries = checked.entries + appended
    else:
        verdict, entries = service.verify(), _entries_after(previous.seq if previous is not None else 0)
    if not verdict.valid:
        _refuse(describe(verdict))
    if (verdict.head_seq, verdict.head_hash) != (head["seq"], head["hash"]):
        _refuse(f"it changed while it was verified: the entry at position {verdict.head_seq} is not the one checked")
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


@dataclass(frozen=True)
class Checked:
    """What ``make`` checks before the append lock, all read at one moment: the whole
    chain's verdict (which checked every stored checkpoint and signed document), the
    newest checkpoint (``_seen``), the listing of the entries after it up to the head
    verified, and the signed documents that record a head (``anchors.documents``)."""

    verdict: chain.Verdict
    previous: tuple[int, int, str] | None
    entries: str
    documents: anchors.Seen


def _seen(checkpoint: LedgerCheckpoint | None) -> tuple[int, int, str] | None:
    """A checkpoint as ``Checked`` notes it: its id, position and digest."""
    return None if checkpoint is None else (checkpoint.id, checkpoint.seq, checkpoint.digest)


def checked_unlocked() -> Checked | None:
    """``Checked``, in a read-only transaction of its own, ended before the lock is taken:
    on SQLite a transaction that may write holds the write lock from its start, and a
    read-only one reads one snapshot on either database. None when the newest
    checkpoint has the head (nothing to check)."""
    with read_only():
        try:
            previous = latest()
            if previous is not None and previous.seq == service.head()["seq"]:
                return None
            verdict = service.verify()
            since = previous.seq if previous is not None else 0
            listed = _entries_after(since, verdict.head_seq) if verdict.valid else ""
            return Checked(verdict, _seen(previous), listed, anchors.documents())
        finally:
            db.session.rollback()


def _entries_after(seq: int, through: int | None = None) -> str:
    """The lines a checkpoint lists, ``seq id hash``, of the entries after position
    ``seq`` (up to ``through``)."""
    query = select(LedgerEntry.seq, LedgerEntry.id, LedgerEntry.entry_hash).where(LedgerEntry.seq > seq)
    if through is not None:
        query = query.where(LedgerEntry.seq <= through)
    rows = db.session.execute(query.order_by(LedgerEntry.seq))
    return "".join(f"{position} {entry_id} {digest}\n" for position, entry_id, digest in rows)


def _refuse(why: str) -> NoReturn:
    raise Conflict(
        f"The ledger does not verify, so no checkpoint was made: {why}",
        {"ledger": ["must verify before a checkpoint is made"]},
    )


def checkpoint_job(day: date) -> str:
    """The scheduler's daily job: a checkpoint when the head has moved since the last one."""
    checkpoint, made = make(moment(day))
    if made:
        return f"Ledger checkpoint made at position {checkpoint.seq}"
    return f"No new ledger entries since the checkpoint at position {checkpoint.seq}"
