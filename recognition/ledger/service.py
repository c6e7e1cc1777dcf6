"""Ledger operations: record, reverse, confirm, verify. Nothing here updates an entry."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Container, Generator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache, partial
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    func,
    insert,
    inspect,
    or_,
    select,
    tuple_,
    union,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, make_transient_to_detached

from ..apidoc import MAX_ID
from ..auth.models import RoleGrant
from ..auth.service import Actor
from ..clock import local_date, utcnow
from ..database import AheadOfLock, append_lock, holds_append_lock, lock_for_append, took_append_lock
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..mentorships.models import Mentorship
from ..people.models import Person
from . import anchors, chain, payloads, references, rules, runs
from .models import LedgerEntry
from .rules import (
    LABELS,
    MAX_NOTE,
    MEETING_KINDS,
    confirmation_state,
    contribution_problems,
    dispute_problems,
    may_record_personal,
    may_reverse,
)
from .runs import ahead

# The advisory lock key that serialises appends on PostgreSQL ("LEDGER" in ASCII).
LEDGER_LOCK = 0x4C4544474552


def append(entry: LedgerEntry, now: datetime) -> LedgerEntry:
    """Link ``entry`` to the chain head and store it. Appends are serialised, so the
    chain stays linear under concurrent writers."""
    connection = _connection()
    return _link(entry, _head(connection), now, connection)


def _connection() -> Connection:
    """The session's connection, which an append's statements go to as they are: through
    the session each would cost more than the database's own work. So what the session
    holds unwritten is written first, as the session would before a statement. Asked
    once per append: each asking costs the session's bookkeeping again."""
    db.session.flush()
    return db.session.connection()


def _head(connection: Connection, duplicate: Mapping | None = None) -> Row:
    """Under the append lock, in one statement: the chain head (``seq`` and ``hash``,
    None for an empty chain), the next entry's ``id`` and, given an entry's values, the
    position of the first that records the same work (``duplicate``:
    ``_head_statement``), read in the same locked moment so the check and the append
    cannot drift apart."""
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        lock_for_append(db.session, LEDGER_LOCK)
    if duplicate is None:
        return connection.execute(_head_statement(postgresql, None)).one()
    params = {name: duplicate[name] for name in ("person_id", "kind", "occurred_on", "minutes", "mentorship_id")}
    in_mentorship = duplicate["mentorship_id"] is not None
    return connection.execute(_head_statement(postgresql, in_mentorship), params).one()


@cache
def _head_statement(postgresql: bool, duplicate_in_mentorship: bool | None) -> Select:
    """Built once per shape: every append asks it (``_head_columns``)."""
    return select(*_head_columns(postgresql, duplicate_in_mentorship))


def _head_columns(postgresql: bool, duplicate_in_mentorship: bool | None, person=None) -> list:
    """The hash covers the id, so the id is chosen here, before hashing: on PostgreSQL
    from the id sequence, on SQLite (whose write lock this transaction holds) one past the
    largest. ``duplicate_in_mentorship`` adds ``duplicate_of``'s check (None: none) for
    an entry with or without a mentorship, of ``person`` (default: the bound parameter)."""
    last = select(LedgerEntry.seq).order_by(LedgerEntry.seq.desc()).limit(1)
    next_id: ColumnElement[int]
    if postgresql:
        next_id = func.nextval(func.pg_get_serial_sequence("ledger_entries", "id"))
    else:
        next_id = func.coalesce(select(func.max(LedgerEntry.id)).scalar_subquery(), 0) + 1
    columns = [
        last.scalar_subquery().label("seq"),
        last.with_only_columns(LedgerEntry.entry_hash).scalar_subquery().label("hash"),
        next_id.label("id"),
    ]
    if duplicate_in_mentorship is not None:
        columns.append(duplicate_of(duplicate_in_mentorship, person).label("duplicate"))
    return columns


def _link(entry: LedgerEntry, head: Row, now: datetime, connection: Connection) -> LedgerEntry:
    """Store ``entry`` next in the chain; it joins the session as the stored row."""
    values = _store({column.key: getattr(entry, column.key) for column in _COLUMNS}, head, now, connection)
    for key in ("seq", "prev_hash", "recorded_at", "note", "id", "chain_version", "entry_hash"):
        setattr(entry, key, values[key])
    for key in inspect(entry).unloaded & values.keys():  # never given (a NULL): known all the same
        setattr(entry, key, None)
    make_transient_to_detached(entry)
    db.session.add(entry)
    # Nothing follows an entry yet: what ``annotate`` would look up, without asking.
    entry.confirmed_by_entry_id = entry.reversed_by_entry_id = entry.disputed_by = None
    entry.confirmation_state = state_of(entry, local_date(now), {})
    return entry


def _store(values: dict, head: Row, now: datetime, connection: Connection) -> dict:
    """Link the column ``values`` of a new entry to the chain ``head`` (``_linked``) and
    insert them (``_insert``)."""
    return _insert(_linked(values, head, now), connection)


def _linked(values: dict, head: Row | SimpleNamespace, now: datetime) -> dict:
    """The column ``values`` of a new entry with its place in the chain after ``head``:
    its position, previous hash, id, time and hash."""
    values["seq"] = head.seq + 1 if head.seq is not None else 1
    values["prev_hash"] = head.hash if head.seq is not None else chain.GENESIS
    values["recorded_at"] = now
    values["note"] = values["note"] or ""
    values["id"] = head.id
    values["chain_version"] = chain.CHAIN_VERSION
    values["entry_hash"] = chain.entry_hash(chain.hashed(values))
    return values


# A statement to send with an entry's insert, and its parameters (``record_values``' ``along``).
Along = tuple[Insert, list[dict]]


def _insert(values: dict, connection: Connection, along: Along | None = None) -> dict:
    """Insert a linked entry's column ``values``: every column is known, so one plain
    INSERT stores them (the unit of work would cost more than the insert itself). An
    ``along`` statement of one row follows on PostgreSQL in the same statement, the entry's
    insert a WITH clause of it (one round trip instead of two); elsewhere, after it."""
    if along is not None and len(along[1]) == 1 and connection.dialect.name == "postgresql":
        statement, (parameters,) = along
        connection.execute(
            _with_entry_insert(statement), {**{f"entry_{key}": value for key, value in values.items()}, **parameters}
        )
        return values
    connection.execute(_INSERT, values)
    if along is not None and along[1]:
        connection.execute(*along)
    return values


@cache
def _with_entry_insert(statement: Insert) -> Insert:
    """``statement`` with the entry's insert before it, as PostgreSQL's WITH clause (which
    runs once, to completion, whether or not the statement reads it), its parameters
    named ``entry_<column>``."""
    table = cast(Table, LedgerEntry.__table__)
    entry = insert(table).values(
        {column.key: bindparam(f"entry_{column.key}", type_=column.type) for column in _COLUMNS}
    )
    return statement.add_cte(entry.cte("appended_entry"))


class Appended(SimpleNamespace):
    """An entry as ``record_values`` stored it: each column's value as inserted, what
    ``annotate`` would say of it (nothing follows a new entry), and whom to ask to confirm
    it (``counterpart_ids``). Not in the session: the API answers with it, and pages that
    go on to read the entry's relationships take ``record``'s entry instead."""


_COLUMNS = tuple(LedgerEntry.__table__.columns)
_INSERT = insert(cast(Table, LedgerEntry.__table__))


def _mentorship(mentorship_id: int, connection: Connection) -> Row | None:
    """What ``record`` needs of a mentorship: its columns, not the people it would load
    with them. On PostgreSQL the same statement takes the append lock (``append_lock``):
    the append that follows then reads the chain head without a statement of its own to
    lock."""
    locking = connection.dialect.name == "postgresql" and not holds_append_lock(db.session, LEDGER_LOCK)
    row = connection.execute(_mentorship_statement(locking), {"id": mentorship_id}).first()
    if locking:
        took_append_lock(db.session, LEDGER_LOCK)
    return row if row is not None and row.found is not None else None


@cache
def _mentorship_statement(locking: bool) -> Select:
    columns = select(*_MENTORSHIP_COLUMNS)
    if not locking:
        return columns.where(Mentorship.id == bindparam("id"))
    lock = append_lock(LEDGER_LOCK)
    # One row whatever the id: the lock is taken even when no mentorship matches.
    return columns.add_columns(lock.c.locked).select_from(lock).outerjoin(Mentorship, Mentorship.id == bindparam("id"))


def _mentorship_and_head(data: dict, connection: Connection) -> tuple[Row | None, Row | None]:
    """``_mentorship`` and ``_head`` in one statement, once the transaction holds the
    append lock (SQLite's write lock, from its start; on PostgreSQL the lock an API
    request's token statement took, ``database.appends``): the duplicate check (unless
    the entry is confirmed a second activity) looking for the work of the mentorship's
    mentor, whose it will be. Nothing is decided on the head before the mentorship is
    found and the entry checked."""
    checked = not data.get("confirm_duplicate")
    params = {"mentorship_id": data["mentorship_id"]}
    if checked:
        params.update(kind=data["kind"], occurred_on=data["occurred_on"], minutes=data.get("minutes") or 0)
    row = connection.execute(
        _mentorship_and_head_statement(connection.dialect.name == "postgresql", checked), params
    ).first()
    return row, row


@cache
def _mentorship_and_head_statement(postgresql: bool, checked: bool) -> Select:
    head = _head_columns(postgresql, True if checked else None, person=Mentorship.mentor_id)
    return select(*_MENTORSHIP_COLUMNS, *head).where(Mentorship.id == bindparam("mentorship_id"))


def reads_ahead(body: object, postgresql: bool) -> tuple[Select, dict] | None:
    """``_mentorship_and_head``'s statement and parameters for an API append's body as
    sent (not yet checked), for the token's statement to read under the append lock
    (``database.appends``); None for a body that names no mentorship, or names it, its
    kind, date or minutes in a way the check would not take as they are. What is read is
    used only if the checked body asks the same (``record_values``)."""
    if type(body) is not dict:
        return None
    mentorship_id, kind, occurred_on, minutes = (body.get(key) for key in _AHEAD_KEYS)
    if type(mentorship_id) is not int or type(kind) is not str or type(occurred_on) is not str:
        return None
    if minutes is None:
        minutes = 0
    elif type(minutes) is not int:
        return None
    # Only values the statement can bind (a column's integer, a kind the app knows): any
    # other is the check's to refuse (401 first, then 422 naming it), never the database's.
    if not (0 < mentorship_id <= MAX_ID and 0 <= minutes <= rules.MAX_MINUTES and kind in rules.KINDS):
        return None
    try:
        day = date.fromisoformat(occurred_on)
    except ValueError:
        return None
    parameters = {"mentorship_id": mentorship_id, "kind": kind, "occurred_on": day, "minutes": minutes}
    return _mentorship_and_head_statement(postgresql, True), parameters


_AHEAD_KEYS = ("mentorship_id", "kind", "occurred_on", "minutes")


class StaleRead(Exception):
    """An append trusted the head the token's statement read (``database.AheadOfLock``),
    and the insert was refused for a value already stored: on PostgreSQL, another append
    committed before that statement took the lock, and the ledger's unique position
    refused its place. Roll back and record again, reading under the lock."""


# Its id as "found": beside the chain head, "id" is the next entry's.
_MENTORSHIP_COLUMNS = (
    Mentorship.id.label("found"),
    Mentorship.mentor_id,
    Mentorship.mentee_id,
    Mentorship.started_on,
    Mentorship.ended_on,
)


def record(data: dict, actor: Actor, now: datetime, own_operation: bool = False) -> LedgerEntry:
    """Record a contribution (``record_values``), as an entry in the session."""
    stored = record_values(data, actor, now, own_operation)
    entry = LedgerEntry(**{column.key: getattr(stored, column.key) for column in _COLUMNS})
    make_transient_to_detached(entry)
    db.session.add(entry)
    for key in _NOT_COLUMNS:
        setattr(entry, key, getattr(stored, key))
    return entry


# What ``record_values`` says of an entry besides its columns.
_NOT_COLUMNS = ("confirmed_by_entry_id", "reversed_by_entry_id", "disputed_by", "confirmation_state", "counterpart_ids")


def record_values(
    data: dict,
    actor: Actor,
    now: datetime,
    own_operation: bool = False,
    along: Callable[[Appended, str], Along | None] | None = None,
    ahead: AheadOfLock | None = None,
) -> Appended:
    """Record a contribution. Work between two people is recorded by the mentor or mentee
    of its mentorship (or an admin) and is the mentor's; personal work (training,
    preparation, other) is recorded by the person or an admin, and names a mentorship
    only when its mentor (or an admin) records it.

    An entry that repeats an unreversed one (same person, kind, date, minutes and
    mentorship) is refused with 409 unless ``data["confirm_duplicate"]`` says it is a
    second, separate activity.

    ``along``, given the entry (its columns known, not yet stored) and the database's
    dialect, may name a statement to store with it (``_insert``): the API's request to
    confirm it (``confirmations.asking``).

    ``ahead``: what the API's token statement read for this append (``reads_ahead``), used
    when it was read for the same mentorship and work; the insert then raises
    ``StaleRead`` if an append it missed took the position first."""
    mentorship: Row | SimpleNamespace | None = None
    head: Row | SimpleNamespace | None = None
    connection = _connection()
    trusted = (
        ahead is not None
        and _same_work(ahead, data)
        and (connection.dialect.name == "sqlite" or holds_append_lock(db.session, LEDGER_LOCK))
    )
    if data.get("mentorship_id") is not None:
        if trusted:
            assert ahead is not None
            read = dict(ahead.values)
            if data.get("confirm_duplicate"):
                read["duplicate"] = None
            mentorship = head = SimpleNamespace(**read, _mapping=read) if read["found"] is not None else None
        elif connection.dialect.name == "sqlite" or holds_append_lock(db.session, LEDGER_LOCK):
            mentorship, head = _mentorship_and_head(data, connection)
        else:
            mentorship = _mentorship(data["mentorship_id"], connection)
        if mentorship is None or not _may_record_in(mentorship, actor):
            raise NotFound(
                "No mentorship with that id that you belong to.",
                {"mentorship_id": ["must name one of your mentorships"]},
            )
    minutes = data.get("minutes") or 0
    note = (data.get("note") or "").strip()
    span = (mentorship.started_on, mentorship.ended_on) if mentorship else None
    accreditation = data.get("accreditation")
    accreditation = accreditation.strip() if isinstance(accreditation, str) and accreditation.strip() else accreditation
    problems = contribution_problems(
        data["kind"], data["occurred_on"], minutes, local_date(now), span, own_operation, accreditation
    )
    if len(note) > MAX_NOTE:
        problems.setdefault("note", []).append(f"must be at most {MAX_NOTE} characters")
    if problems:
        raise DomainError(
            "The contribution breaks a rule: " + "; ".join(f"{k} {v[0]}" for k, v in problems.items()), problems
        )
    person_id: int | None  # None only from the command line without --person: refused below
    if mentorship is not None:
        person_id = mentorship.mentor_id
        if not may_record_personal(data["kind"], person_id, actor.person_id, actor.is_admin):
            raise Forbidden(
                f"{LABELS[data['kind']]} is the mentor's own work: only the mentor, or an administrator, records it.",
                {
                    "mentorship_id": [
                        f"may be named for {LABELS[data['kind']].lower()} only by the mentor of the "
                        "mentorship or an administrator"
                    ]
                },
            )
    else:
        person_id = data.get("person_id") or actor.person_id
        if person_id != actor.person_id and not actor.is_admin:
            raise Forbidden(
                "You can record only your own work: training, preparation and other personal work are recorded "
                "by the person themself or by an administrator.",
                {"person_id": ["must be yourself"]},
            )
        # The actor's own person exists (the actor was read from it): ask only for someone else.
        if person_id is None or (person_id != actor.person_id and db.session.get(Person, person_id) is None):
            raise DomainError.field("person_id", "must name an existing person")
    values = {
        "entry_type": "contribution",
        "kind": data["kind"],
        "mentorship_id": mentorship.found if mentorship else None,
        "person_id": person_id,
        "occurred_on": data["occurred_on"],
        "minutes": minutes,
        "note": note,
        "recorded_by_id": actor.person_id,
        "target_id": None,
        "reason": None,
        "accreditation": accreditation,
    }
    # Read with the head under the append lock, so two identical requests at once cannot
    # both pass the check.
    if head is None:
        head = _head(connection) if data.get("confirm_duplicate") else _head(connection, duplicate=values)
    if head._mapping.get("duplicate") is not None:
        refuse_duplicate(Appended(**values), head.duplicate)
    entry = Appended(**_linked(values, head, now))
    # Nothing follows it yet: what ``annotate`` would look up, without asking.
    entry.confirmed_by_entry_id = entry.reversed_by_entry_id = entry.disputed_by = None
    entry.confirmation_state = state_of(entry, local_date(now), {})
    # Whom to ask to confirm it (``confirmations.ask``), known without reading the mentorship again.
    pair = (mentorship.mentor_id, mentorship.mentee_id) if mentorship else None
    entry.counterpart_ids = rules.counterparts("contribution", values["kind"], actor.person_id, pair)
    along_ = along(entry, connection.dialect.name) if along is not None else None
    if not trusted:
        _insert(values, connection, along_)
        return entry
    try:
        _insert(values, connection, along_)
    except IntegrityError as error:
        # A position, id or hash already stored: the read missed an append. Whatever it
        # was, recording again under the lock either succeeds or meets it again.
        raise StaleRead from error
    return entry


def _same_work(ahead: AheadOfLock, data: dict) -> bool:
    """Whether ``ahead`` was read for the mentorship and work ``data`` (checked) records."""
    asked = ahead.parameters
    return (
        asked["mentorship_id"] == data.get("mentorship_id")
        and asked["kind"] == data["kind"]
        and asked["occurred_on"] == data["occurred_on"]
        and asked["minutes"] == (data.get("minutes") or 0)
    )


# Made once: an alias's columns are costly to resolve afresh on every append.
Reversal_ = aliased(LedgerEntry, name="reversal")


def duplicate_of(in_mentorship: bool, person=None):
    """The position of the first unreversed contribution that already records the same
    work: the same person, kind, date, minutes and mentorship (bound parameters of those
    names; ``person`` may name the person otherwise) as a scalar subquery, NULL when
    there is none."""
    same_mentorship = (
        LedgerEntry.mentorship_id == bindparam("mentorship_id")
        if in_mentorship
        else LedgerEntry.mentorship_id.is_(None)
    )
    return (
        select(LedgerEntry.seq)
        .outerjoin(Reversal_, and_(Reversal_.target_id == LedgerEntry.id, Reversal_.entry_type == "reversal"))
        .where(
            LedgerEntry.entry_type == "contribution",
            LedgerEntry.person_id == (bindparam("person_id") if person is None else person),
            LedgerEntry.kind == bindparam("kind"),
            LedgerEntry.occurred_on == bindparam("occurred_on"),
            LedgerEntry.minutes == bindparam("minutes"),
            same_mentorship,
            Reversal_.id.is_(None),
        )
        .order_by(LedgerEntry.seq)
        .limit(1)
        .scalar_subquery()
    )


def refuse_duplicate(entry: LedgerEntry | Appended, seq: int) -> None:
    """409: entry ``seq`` (``duplicate_of``) already records the same work. It names the
    entry, so the person can tell a double submission from a second, separate activity
    (and confirm that). The two agree on minutes, kind and date, so ``entry`` says them."""
    assert entry.kind is not None  # a contribution always has a kind (a check constraint)
    what = f"{entry.minutes} minutes of {LABELS[entry.kind].lower()} on {entry.occurred_on.isoformat()}"
    raise Conflict(
        f"Entry #{seq} already records {what}. Recording it again would count it twice. If this is a "
        "second, separate activity, confirm it (confirm_duplicate); if not, nothing needs to be done.",
        {"confirm_duplicate": [f"must be true to record a second entry like entry #{seq} ({what})"]},
    )


def _may_record_in(mentorship: Row | SimpleNamespace, actor: Actor) -> bool:
    return actor.is_admin or actor.person_id in (mentorship.mentor_id, mentorship.mentee_id)


def reverse(target: LedgerEntry, reason: str, actor: Actor, now: datetime) -> LedgerEntry:
    """Cancel a contribution with a new entry that names it and says why."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.field("reason", "must not be blank", "Say why the entry is being reversed.")
    if target.entry_type != "contribution":
        raise Conflict(
            f"Only a contribution can be reversed; entry {target.id} is a {target.entry_type}.",
            {"target": ["a reversal, confirmation or dispute cannot be reversed"]},
        )
    if target.kind == "milestone":
        raise Conflict(
            f"Entry {target.id} records a career milestone: withdraw or correct the milestone itself "
            "(POST /api/v1/milestones/{id}/withdrawal), so its record says why.",
            {"target": ["a milestone is withdrawn or corrected through its own record, not reversed here"]},
        )
    if not may_reverse_entry(target, actor):
        raise Forbidden(
            "Only the person the entry is about, whoever recorded it, the other person of its mentorship "
            "(for work between the two), or an administrator can reverse it."
        )
    # Lock before looking for an earlier reversal, so a concurrent one is seen (409), not
    # raced past into the unique index.
    lock_for_append(db.session, LEDGER_LOCK)
    if reversal_of(target.id) is not None:
        raise Conflict(f"Entry {target.id} is already reversed.", {"target": ["already reversed"]})
    entry = LedgerEntry(
        entry_type="reversal",
        mentorship_id=target.mentorship_id,
        person_id=target.person_id,
        occurred_on=target.occurred_on,
        minutes=target.minutes,
        note="",
        recorded_by_id=actor.person_id,
        target_id=target.id,
        reason=reason,
    )
    return append(entry, now)


def may_reverse_entry(entry: LedgerEntry, actor: Actor) -> bool:
    """Whether ``actor`` may reverse the contribution ``entry`` (``rules.may_reverse``);
    pages ask it before offering the button."""
    if entry.kind == "milestone":  # withdrawn or corrected through the milestone (recognition.milestones)
        return False
    pair = (entry.mentorship.mentor_id, entry.mentorship.mentee_id) if entry.mentorship is not None else None
    return may_reverse(
        actor.person_id,
        actor.is_admin,
        subject_id=entry.person_id,
        recorder_id=entry.recorded_by_id,
        kind=entry.kind,
        pair=pair,
    )


def counterparts(target: LedgerEntry) -> set[int]:
    """Who confirms or disputes ``target`` (``rules.counterparts``)."""
    pair = (target.mentorship.mentor_id, target.mentorship.mentee_id) if target.mentorship is not None else None
    return rules.counterparts(target.entry_type, target.kind, target.recorded_by_id, pair)


def confirm(target: LedgerEntry, actor: Actor, now: datetime) -> LedgerEntry:
    """The counterpart's confirmation of a contribution, as its own entry."""
    allowed = counterparts(target)
    if not allowed:
        raise Conflict("Only mentoring work between two people can be confirmed.", {"target": ["not confirmable"]})
    if actor.person_id not in allowed:
        raise Forbidden("Only the other person in the mentorship can confirm this entry.")
    # As in ``reverse``: a reversal or confirmation committed a moment ago must be seen.
    lock_for_append(db.session, LEDGER_LOCK)
    if reversal_of(target.id) is not None:
        raise Conflict(f"Entry {target.id} was reversed; there is nothing to confirm.", {"target": ["reversed"]})
    if confirmation_of(target.id) is not None:
        raise Conflict(f"Entry {target.id} is already confirmed.", {"target": ["already confirmed"]})
    disputed = dispute_of(target.id)
    if disputed is not None:
        raise Conflict(
            f"Entry {target.id} was disputed ({disputed.reason}): it cannot be confirmed. The person who logged it "
            "reverses it, or logs the meeting again as it happened.",
            {"target": ["disputed"]},
        )
    return append(_follower_entry(target, "confirmation", actor), now)


def dispute(target: LedgerEntry, reason: str, actor: Actor, now: datetime) -> LedgerEntry:
    """The counterpart says the work did not happen as logged, with a reason, as its own
    entry. It stops counting (no credit, no evidence) and cannot be confirmed; the person
    who logged it sees the reason and answers by reversing it."""
    problems = dispute_problems(reason)
    if problems:
        raise DomainError("The dispute breaks a rule: reason " + problems["reason"][0], problems)
    allowed = counterparts(target)
    if not allowed:
        raise Conflict("Only mentoring work between two people can be disputed.", {"target": ["not disputable"]})
    if actor.person_id not in allowed:
        raise Forbidden("Only the other person in the mentorship can dispute this entry.")
    lock_for_append(db.session, LEDGER_LOCK)
    if reversal_of(target.id) is not None:
        raise Conflict(f"Entry {target.id} was reversed; it no longer counts.", {"target": ["reversed"]})
    if confirmation_of(target.id) is not None:
        raise Conflict(
            f"Entry {target.id} is confirmed: if it is wrong, reverse it with a reason instead.",
            {"target": ["already confirmed"]},
        )
    if dispute_of(target.id) is not None:
        raise Conflict(f"Entry {target.id} is already disputed.", {"target": ["already disputed"]})
    entry = _follower_entry(target, "dispute", actor)
    entry.reason = reason.strip()
    return append(entry, now)


def _follower_entry(target: LedgerEntry, entry_type: str, actor: Actor) -> LedgerEntry:
    return LedgerEntry(
        entry_type=entry_type,
        mentorship_id=target.mentorship_id,
        person_id=target.person_id,
        occurred_on=target.occurred_on,
        minutes=0,
        note="",
        recorded_by_id=actor.person_id,
        target_id=target.id,
    )


def reversal_of(entry_id: int) -> LedgerEntry | None:
    return _follower(entry_id, "reversal")


def confirmation_of(entry_id: int) -> LedgerEntry | None:
    return _follower(entry_id, "confirmation")


def dispute_of(entry_id: int) -> LedgerEntry | None:
    return _follower(entry_id, "dispute")


def _follower(entry_id: int, entry_type: str) -> LedgerEntry | None:
    return db.session.scalar(
        select(LedgerEntry).where(LedgerEntry.target_id == entry_id, LedgerEntry.entry_type == entry_type)
    )


def followers(entry_ids: list[int]) -> dict[int, dict[str, LedgerEntry]]:
    """For many entries at once: {entry_id: {"reversal": e, "confirmation": e}}."""
    found: dict[int, dict[str, LedgerEntry]] = {}
    if not entry_ids:
        return found
    rows = db.session.scalars(select(LedgerEntry).where(LedgerEntry.target_id.in_(entry_ids)))
    for row in rows:
        if row.target_id is not None:  # always: reversals and confirmations have targets
            found.setdefault(row.target_id, {})[row.entry_type] = row
    return found


def annotate(entries: list[LedgerEntry], now: datetime | None = None) -> list[LedgerEntry]:
    """Attach ``confirmed_by_entry_id``, ``reversed_by_entry_id``, ``disputed_by`` (the
    dispute) and ``confirmation_state`` (``rules.confirmation_state`` as of ``now``) for
    display, in one query."""
    found = followers([entry.id for entry in entries])
    today = local_date(now or utcnow())
    for entry in entries:
        mine = found.get(entry.id, {})
        describe_followers(entry, {kind: follower.id for kind, follower in mine.items()}, mine.get("dispute"), today)
    return entries


def describe_followers(
    entry: LedgerEntry, follower_ids: Mapping[str, int], dispute: LedgerEntry | None, today: date
) -> None:
    """``annotate`` one entry whose followers were read already: their ids by entry type,
    and the dispute itself (its reason is shown)."""
    entry.confirmed_by_entry_id = follower_ids.get("confirmation")
    entry.reversed_by_entry_id = follower_ids.get("reversal")
    entry.disputed_by = dispute
    entry.confirmation_state = state_of(entry, today, follower_ids)


def state_of(entry: LedgerEntry | Appended, today: date, mine: Container[str]) -> str | None:
    """``rules.confirmation_state`` of a contribution, given what follows it."""
    if entry.entry_type != "contribution":
        return None
    return confirmation_state(
        entry.kind,
        local_date(entry.recorded_at),
        today,
        confirmed="confirmation" in mine,
        reversed_="reversal" in mine,
        disputed="dispute" in mine,
    )


# Who sees what ----------------------------------------------------------------------

NEWEST_FIRST = (LedgerEntry.occurred_on.desc(), LedgerEntry.seq.desc())
# Up to this many people and mentorships, an actor's entries are read as one short,
# ordered index range each (``person_id``, ``recorded_by_id``, ``mentorship_id`` then
# date and seq), merged; beyond it (a director of a large division) the ledger's date
# index is walked newest first, keeping the entries the actor may see: those are then a
# large share of the ledger, so a page is found after a few pages' worth of index.
MAX_READS = 64
# Up to this many ids, conditions name them; beyond, they are subqueries.
MAX_LISTED = 2000


@dataclass(frozen=True)
class Visibility:
    """What a (non-admin) actor may see: entries about one of ``people``, recorded by
    ``me``, or in one of ``mentorships`` (their own, and, for a director, those whose
    mentee is in their divisions: as ``visible_entries`` always allowed)."""

    me: int | None
    people: frozenset[int]
    mentorships: frozenset[int]
    divisions: frozenset[int]

    def reads(self) -> list:
        """One indexable condition per person, recorder and mentorship."""
        return (
            [LedgerEntry.person_id == person for person in sorted(self.people)]
            + [LedgerEntry.recorded_by_id == self.me]
            + [LedgerEntry.mentorship_id == mentorship for mentorship in sorted(self.mentorships)]
        )

    def arms(self) -> list:
        """The same as three conditions on indexed columns: lists of ids the planner can
        look up one by one (subqueries for a large division, to keep statements short)."""
        small = len(self.people) + len(self.mentorships) <= MAX_LISTED
        return [
            LedgerEntry.person_id.in_(sorted(self.people) if small else self._people()),
            LedgerEntry.recorded_by_id == self.me,
            LedgerEntry.mentorship_id.in_(sorted(self.mentorships) if small else self._mentorships()),
        ]

    def unindexed(self):
        """The same as one condition no index serves (``+ 0``), so the planner walks the
        date index in page order and tests each entry, instead of gathering every
        visible entry first to sort them."""
        return or_(
            (LedgerEntry.person_id + 0).in_(self._people()),
            LedgerEntry.recorded_by_id + 0 == self.me,
            (LedgerEntry.mentorship_id + 0).in_(self._mentorships()),
        )

    def _people(self):
        return select(Person.id).where(or_(Person.id == self.me, Person.division_id.in_(self.divisions)))

    def _mentorships(self):
        return select(Mentorship.id).where(
            or_(
                Mentorship.mentor_id == self.me,
                Mentorship.mentee_id == self.me,
                Mentorship.mentee_id.in_(select(Person.id).where(Person.division_id.in_(self.divisions))),
            )
        )


def visibility(actor: Actor) -> Visibility | None:
    """Who and which mentorships ``actor`` sees entries of (None: everything, an admin).
    Small sets read first, so each list query is a few index ranges."""
    if actor.is_admin:
        return None
    me = actor.person_id
    divisions = frozenset(actor.directed_division_ids)
    mentorships = set(
        db.session.scalars(select(Mentorship.id).where(or_(Mentorship.mentor_id == me, Mentorship.mentee_id == me)))
    )
    people = {me} if me is not None else set()
    if divisions:
        people.update(db.session.scalars(select(Person.id).where(Person.division_id.in_(divisions))))
        mentee_in_division = select(Person.id).where(Person.division_id.in_(divisions))
        mentorships.update(
            db.session.scalars(select(Mentorship.id).where(Mentorship.mentee_id.in_(mentee_in_division)))
        )
    return Visibility(me, frozenset(people), frozenset(mentorships), divisions)


def visible_entries(actor: Actor):
    """Entries of the actor's own work and mentorships; directors see their divisions'."""
    seen = visibility(actor)
    if seen is None:
        return select(LedgerEntry)
    return select(LedgerEntry).where(or_(*seen.arms()))


def listing(
    seen: Visibility | None, args: dict, *, limit: int, offset: int = 0, after: tuple[date, int] | None = None
) -> list[LedgerEntry]:
    """The entries an actor may see (``visibility``) that match ``args`` (``filters``),
    newest first: ``limit`` of them after ``offset``, or after the entry at ``after``
    (its date and seq: a keyset page, which costs what the first page costs)."""
    conditions = filters(args)
    if after is not None:
        conditions.append(tuple_(LedgerEntry.occurred_on, LedgerEntry.seq) < tuple_(*after))
    if few_reads(seen):
        assert seen is not None
        return merged([(read, *conditions) for read in seen.reads()], ("occurred_on", "seq"), limit, offset)
    if seen is not None:
        conditions.append(seen.unindexed())
    statement = select(LedgerEntry).where(*conditions).order_by(*NEWEST_FIRST)
    return list(db.session.scalars(statement.limit(limit).offset(offset)))


def merged(
    reads: list[tuple], order: tuple[str, ...], limit: int | None, offset: int = 0, newest_first: bool = True
) -> list[LedgerEntry]:
    """The entries matching any of ``reads`` (each a tuple of conditions that one index
    serves in ``order``, e.g. ``mentorship_id == 7`` with ``(mentorship_id, seq)``),
    ordered by ``order``. Each read takes at most what the page needs from its index
    range, already in order; their union (a row two reads found is one row) is small
    and is sorted, never the ledger. ``limit`` None: every matching entry.

    The union carries only ids and sort keys (cheap to build and to sort); the page's
    entries are then loaded by id."""
    if not reads:
        return []
    keys = [getattr(LedgerEntry, name) for name in order]

    def ordering(columns) -> list:
        return [column.desc() if newest_first else column for column in columns]

    parts = []
    for read in reads:
        part = select(LedgerEntry.id, *keys).where(*read)
        if limit is not None:
            part = part.order_by(*ordering(keys)).limit(offset + limit)
        parts.append(select(part.subquery()))
    found = (union(*parts) if len(parts) > 1 else parts[0]).subquery()
    statement = select(found.c.id)
    if limit is not None:
        statement = statement.order_by(*ordering([found.c[name] for name in order])).limit(limit).offset(offset)
    ids = list(db.session.scalars(statement))
    by_id = {entry.id: entry for entry in db.session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(ids)))}
    entries = [by_id[entry_id] for entry_id in ids]
    if limit is None:
        entries.sort(key=lambda entry: tuple(getattr(entry, name) for name in order), reverse=newest_first)
    return entries


def few_reads(seen: Visibility | None) -> bool:
    """Whether an actor's list is a few index ranges (their own people and mentorships),
    rather than a large share of the ledger (an admin, a director of a large division)."""
    return seen is not None and len(seen.people) + len(seen.mentorships) + 1 <= MAX_READS


def counts_cheaply(seen: Visibility | None, args: dict) -> bool:
    """Whether ``count_visible`` reads a bounded set: a few index ranges, one person's or
    one mentorship's entries, or nothing (an admin's unfiltered total). Otherwise it
    reads a share of the whole ledger, and lists count only when asked."""
    if "person_id" in args or "mentorship_id" in args or few_reads(seen):
        return True
    return seen is None and not filters(args)


def count_visible(seen: Visibility | None, args: dict) -> int:
    """How many entries ``listing`` would list in all, read from the same indexes: what
    the actor may see, not the whole ledger. An admin's unfiltered total is the head's
    seq (seq numbers every entry from 1 with no gap: ``chain.verify`` checks it)."""
    conditions = filters(args)
    if seen is None and not conditions:
        return db.session.scalar(select(func.max(LedgerEntry.seq))) or 0
    if seen is None:
        ids = select(LedgerEntry.id).where(*conditions).subquery()
    else:
        ids = union(*(select(LedgerEntry.id).where(arm, *conditions) for arm in seen.arms())).subquery()
    return db.session.scalar(select(func.count()).select_from(ids)) or 0


def about(person_id: int):
    """The contributions in a person's ledger (whoever recorded them), newest first.
    Career milestones have their own page (recognition.milestones) and are left out."""
    return (
        select(LedgerEntry)
        .where(
            LedgerEntry.person_id == person_id,
            LedgerEntry.entry_type == "contribution",
            LedgerEntry.kind != "milestone",
        )
        .order_by(LedgerEntry.occurred_on.desc(), LedgerEntry.seq.desc())
    )


def administrators(person_ids: list[int]) -> set[int]:
    """Which of these people are administrators, so a page can say "recorded by an
    administrator" next to work someone else wrote into a person's ledger."""
    if not person_ids:
        return set()
    return set(
        db.session.scalars(
            select(RoleGrant.person_id).where(RoleGrant.role == "admin", RoleGrant.person_id.in_(set(person_ids)))
        )
    )


def get_entry(entry_id: int, actor: Actor) -> LedgerEntry:
    entry = db.session.scalar(visible_entries(actor).where(LedgerEntry.id == entry_id))
    if entry is None:
        raise NotFound(f"No ledger entry {entry_id} that you can see.")
    return entry


def filters(args: dict) -> list:
    """The list's query arguments as conditions: ``person_id``, ``mentorship_id``,
    ``kind``, ``entry_type``, ``date_from``, ``date_to``."""
    conditions = []
    if "person_id" in args:
        conditions.append(LedgerEntry.person_id == args["person_id"])
    for key in ("mentorship_id", "kind", "entry_type"):
        if key in args:
            conditions.append(getattr(LedgerEntry, key) == args[key])
    if "date_from" in args:
        conditions.append(LedgerEntry.occurred_on >= args["date_from"])
    if "date_to" in args:
        conditions.append(LedgerEntry.occurred_on <= args["date_to"])
    if args.get("date_from") and args.get("date_to") and args["date_from"] > args["date_to"]:
        raise DomainError.field("date_to", "must not be before date_from")
    return conditions


# Chain ------------------------------------------------------------------------------


def stored_chain(
    batch: int = 2000, start: int | None = None, limit: int | None = None, connection=None, stop: int | None = None
):
    """``(id, chain.Encoded, stored hash)`` for every entry in chain order (or ``limit``
    of them from position ``start``, or those before position ``stop``), streamed. The rows are read as the driver returns
    them (no ORM, no type conversion; a server-side cursor on PostgreSQL) and encoded by
    ``chain.Encoder``: what ``verify`` falls back to where a run is not all good. An entry
    whose values cannot be read as the app reads them comes as ``chain.Unreadable``."""
    connection = connection or db.session.connection()
    encode = encoder_for(connection.dialect)
    bounds = [] if start is None else [f"seq >= {int(start)}"]
    bounds += [] if stop is None else [f"seq < {int(stop)}"]
    where = f" WHERE {' AND '.join(bounds)}" if bounds else ""
    until = "" if limit is None else f" LIMIT {int(limit)}"
    seq, prev_hash, chain_version, entry_id = (
        chain.STORED.index(name) for name in ("seq", "prev_hash", "chain_version", "id")
    )
    stored, Encoded = len(chain.STORED), chain.Encoded
    # ``verify`` stops at the first bad entry: close the (server-side, on PostgreSQL)
    # cursor then too, not only when every row was read.
    with (
        _lenient_text(connection),
        connection.exec_driver_sql(
            f"SELECT {', '.join(chain.STORED)}, entry_hash FROM ledger_entries{where} ORDER BY seq{until}",
            execution_options={"yield_per": batch},
        ) as result,
    ):
        for rows in result.partitions(batch):
            for row in rows:
                try:
                    payload = encode(row)
                except UnicodeEncodeError:  # read leniently (``_lenient_text``)
                    said = "text that is not UTF-8"
                except (TypeError, ValueError, OverflowError) as error:  # not as the app stores values
                    # The reader's words may quote the value, with what was not UTF-8 in it.
                    said = str(error).encode("utf-8", "backslashreplace").decode("utf-8")
                else:
                    yield (
                        row[entry_id],
                        Encoded(row[seq], row[prev_hash], row[chain_version] is not None, payload),
                        row[stored],
                    )
                    continue
                yield row[entry_id], chain.Unreadable(row[seq], said), row[stored]


@contextlib.contextmanager
def _lenient_text(connection) -> Generator[None, None, None]:
    """On SQLite, text that is not UTF-8 (bytes written by someone else) read as text all
    the same, each byte it cannot decode kept as a lone surrogate, which no encoding
    writes: the entry is then named as unreadable, where the driver would stop the walk
    with an error. (PostgreSQL holds nothing but valid text.)"""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.dbapi_connection
    before = raw.text_factory
    raw.text_factory = _decode_leniently
    try:
        yield
    finally:
        raw.text_factory = before


def _decode_leniently(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def stored_runs(batch: int = 2000, connection=None, thorough: bool = False):
    """``chain.Run`` for every ``batch`` entries in chain order, streamed: the columns
    ``verify`` compares and each entry's canonical encoding, written by the database
    (``payloads.sql``), so that reading and encoding an entry costs little more than
    reading its hash. The raw driver cursor is used (a server-side one on PostgreSQL):
    no row objects are made. The next run is read while this one is checked: the
    server (or SQLite, outside the interpreter's lock) encodes while Python hashes. On
    SQLite a run is read as one row, its columns joined (``runs.packed``); ``thorough``:
    each entry's stored values checked as it is read, even where the ledger's index lists
    the entries SQLite would write otherwise than Python (``runs.left_to_python``).
    ``connection``: the session's unless given."""
    connection = connection or db.session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        yield from runs.packed(
            connection,
            batch,
            lambda start, stop: stored_chain(batch, start, connection=connection, stop=stop),
            trust_index=not thorough,
        )
        return
    raw = connection.connection.dbapi_connection
    assert raw is not None  # the session's connection is open
    cursor = raw.cursor(name="ledger_runs") if dialect == "postgresql" else raw.cursor()

    def pages() -> Generator[list, None, None]:
        cursor.execute(
            f"SELECT id, seq, prev_hash, entry_hash, chain_version, {payloads.sql(dialect)} "
            "FROM ledger_entries ORDER BY seq"
        )
        while rows := cursor.fetchmany(batch):
            yield rows

    # (psycopg serialises the connection's use: a run walked entry by entry reads its
    # entries on it while the next run is being read.)
    read = ahead(pages()) if dialect == "postgresql" else pages()
    Run = chain.Run
    try:
        for rows in read:
            ids, seqs, prev_hashes, hashes, versions, encoded = zip(*rows, strict=True)
            yield Run(
                ids,
                seqs,
                prev_hashes,
                hashes,
                versions,
                encoded,
                partial(stored_chain, batch, seqs[0], len(seqs), connection),
            )
    finally:
        read.close()
        cursor.close()


def encoder_for(dialect) -> chain.Encoder:
    """The encoder for rows as ``dialect``'s driver returns them. SQLite returns dates and
    timestamps as the text SQLAlchemy stored: read as SQLAlchemy reads them (so a value
    it would refuse is refused the same way), the common shapes the quick way."""
    if dialect.name != "sqlite":
        return chain.Encoder()
    columns = LedgerEntry.__table__.c
    read_date = columns.occurred_on.type.dialect_impl(dialect).result_processor(dialect, None)
    read_timestamp = columns.recorded_at.type.dialect_impl(dialect).result_processor(dialect, None)
    assert read_date is not None and read_timestamp is not None  # SQLite reads both from text
    dates: dict[str, str] = {}

    def date_text(raw: str) -> str:
        known = dates.get(raw)
        if known is None:
            known = cast(date, read_date(raw)).isoformat()
            if len(dates) < 100_000:  # a ledger has a few thousand distinct days
                dates[raw] = known
        return known

    def timestamp_text(raw: str) -> str:
        # "YYYY-MM-DD HH:MM:SS.ffffff" from year 1000 on, a real day: what strftime would write, with T and Z.
        if STORED_TIMESTAMP.fullmatch(raw) and date_text(raw[:10]) == raw[:10]:
            return f"{raw[:10]}T{raw[11:]}Z"
        return chain.timestamp(cast(datetime, read_timestamp(raw)))

    return chain.Encoder(date_text, timestamp_text)


STORED_TIMESTAMP = re.compile(r"[1-9]\d{3}-\d\d-\d\d (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}")


def verify(heads=(), copies=(), progress=None, thorough: bool = False) -> chain.Verdict:
    """The chain checked on its own and against every anchor: the stored checkpoints and
    statements, and any ``heads`` or checkpoint ``copies`` given (see ``anchors``), then
    the rows of other domains that point at entries (``references``). A bad anchor itself
    fails the check too. ``thorough``: see ``stored_runs``."""
    found = anchors.gather(heads, copies)
    return references.check(anchors.settle(verify_chain(found.anchors, progress, thorough), found))


def verify_chain(found: list[chain.Anchor], progress=None, thorough: bool = False) -> chain.Verdict:
    """The chain alone against ``found`` anchors (``chain.verify_runs`` over
    ``stored_runs``); ``progress`` is told how many entries were checked. The runs are
    closed however the check ends, so a read-ahead thread never outlives it."""
    with contextlib.closing(stored_runs(thorough=thorough)) as runs:
        return chain.verify_runs(runs, found, progress=progress)


def verify_since(seq: int, head_hash: str, seen: anchors.Seen) -> tuple[chain.Verdict, str]:
    """``verify`` of what may have changed since the chain was verified up to position
    ``seq``, ending in ``head_hash``, and the signed documents that record a head were
    ``seen``: for a checkpoint. The entries appended since are walked
    (``chain.verify_since``) against the heads recorded by documents issued or changed
    since; a head they record at ``seq`` or before must be the stored entry's; then the
    rows that point at entries are checked as ``verify`` checks them. With the verdict,
    the lines a checkpoint lists of the entries walked (``seq id hash``)."""
    found = anchors.signed_heads_since(seen)
    earlier = [anchor for anchor in found.anchors if anchor.seq <= seq]
    later = [anchor for anchor in found.anchors if anchor.seq > seq]
    lines: list[str] = []

    def listed(entries):
        for entry_id, fields, stored in entries:
            lines.append(f"{fields[0]} {entry_id} {stored}\n")
            yield entry_id, fields, stored

    with contextlib.closing(stored_chain(start=seq + 1)) as entries:
        verdict = chain.verify_since(seq, head_hash, listed(entries), later)
    if verdict.valid and earlier:
        verdict = _against_stored(verdict, earlier)
    return references.check(anchors.settle(verdict, found)), "".join(lines)


def _against_stored(verdict: chain.Verdict, found: list[chain.Anchor]) -> chain.Verdict:
    """``verdict``, or the first of ``found`` (heads within the chain verified before)
    whose hash is not the stored entry's at its position."""
    rows = db.session.execute(
        select(LedgerEntry.seq, LedgerEntry.id, LedgerEntry.entry_hash).where(
            LedgerEntry.seq.in_({anchor.seq for anchor in found})
        )
    )
    stored = {seq: (entry_id, digest) for seq, entry_id, digest in rows}
    for anchor in sorted(found, key=lambda anchor: anchor.seq):
        entry_id, digest = stored.get(anchor.seq, (None, None))
        if digest != anchor.hash:
            return replace(
                verdict,
                valid=False,
                checked=anchor.seq - 1,
                first_bad_seq=anchor.seq,
                first_bad_id=entry_id,
                problem=f"the chain up to here differs from the head {anchor.source} recorded "
                "(this entry or one before it was changed)",
                anchor=anchor.source,
            )
    return verdict


def head() -> dict:
    row = db.session.execute(
        select(LedgerEntry.seq, LedgerEntry.entry_hash, LedgerEntry.recorded_at)
        .order_by(LedgerEntry.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return {"seq": 0, "hash": chain.GENESIS, "recorded_at": None}
    return {"seq": row.seq, "hash": row.entry_hash, "recorded_at": row.recorded_at}


# Built once: an alias costs a good part of a small page's query when built per call.
Reversal = aliased(LedgerEntry, name="reversal")
Confirmation = aliased(LedgerEntry, name="confirmation")


def meetings_in(mentorship_ids: list[int], start: date, end: date) -> dict[int, dict]:
    """Per mentorship: unreversed meetings in [start, end], how many confirmed, the last date."""
    if not mentorship_ids:
        return {}
    # The kind is checked here, not in SQL: asked there, the planners (SQLite without
    # statistics, PostgreSQL with them) combine the (kind, occurred_on) index, which holds
    # about half the ledger for the meeting kinds, with the mentorships' own range, and
    # the page reads a million index entries at 2M. The mentorships' contributions are
    # nearly all meetings, so reading their other kinds too costs a few rows.
    rows = db.session.execute(
        select(LedgerEntry.mentorship_id, LedgerEntry.occurred_on, LedgerEntry.kind, Confirmation.id.is_not(None))
        # A disputed meeting (it did not happen as logged) is not counted, as a reversed one is not.
        .outerjoin(
            Reversal, and_(Reversal.target_id == LedgerEntry.id, Reversal.entry_type.in_(("reversal", "dispute")))
        )
        .outerjoin(
            Confirmation, and_(Confirmation.target_id == LedgerEntry.id, Confirmation.entry_type == "confirmation")
        )
        .where(
            LedgerEntry.mentorship_id.in_(mentorship_ids),
            LedgerEntry.entry_type == "contribution",
            Reversal.id.is_(None),
            LedgerEntry.occurred_on <= end,
        )
    )
    summary: dict[int, dict[str, Any]] = {mid: {"count": 0, "confirmed": 0, "last": None} for mid in mentorship_ids}
    for mentorship_id, occurred_on, kind, confirmed in rows:
        assert mentorship_id is not None  # the query asks for these mentorships
        if kind not in MEETING_KINDS:
            continue
        item = summary[mentorship_id]
        if item["last"] is None or occurred_on > item["last"]:
            item["last"] = occurred_on
        if occurred_on >= start:
            item["count"] += 1
            item["confirmed"] += int(bool(confirmed))
    return summary
