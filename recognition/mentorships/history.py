"""The history of one mentorship as a page: every entry with what followed it (its
reversal, its confirmation, its dispute) and the forms the viewer may use on it. Drawn by the
mentorship's own page and again by the ledger's pages when a reversal is refused."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, Protocol

from flask import current_app, render_template
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.service import Actor
from ..clock import local_date, utcnow
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import LedgerEntry
from ..ledger.rules import CONFIRMABLE, MEETING_KINDS
from ..ledger.rules import LABELS as WORK_LABELS
from ..people.models import Person
from . import service
from .forms import KIND_LABELS, EndMentorshipForm
from .models import Mentorship
from .rules import expectation_applies, meetings_status


def kind_label(kind: str | None) -> str:
    """A mentorship kind or a kind of work, as a person would say it."""
    if kind is None:
        return ""
    return KIND_LABELS.get(kind) or WORK_LABELS.get(kind) or kind


def expectation() -> tuple[int, int]:
    return current_app.config["MEETINGS_PER_YEAR_MIN"], current_app.config["MEETINGS_PER_YEAR_MAX"]


class Appointed(Protocol):
    @property
    def appointed_on(self) -> date | None: ...


class Expected(Protocol):
    """What the expectation reads of a mentorship: a ``Mentorship``, or a page's short row of one."""

    @property
    def kind(self) -> str: ...
    @property
    def mentee(self) -> Appointed: ...


def expectation_status(mentorship: Expected, count: int, today: date) -> str | None:
    """below / met / above the yearly expectation, or None where it does not apply."""
    applies = expectation_applies(
        mentorship.kind, mentorship.mentee.appointed_on, today, current_app.config["FORMAL_MENTORING_YEARS"]
    )
    return meetings_status(count, *expectation()) if applies else None


def utc_minute(moment: datetime) -> str:
    """A stored moment (naive UTC) to the minute, as the history page says when entries were
    recorded: a function, as the page says it for every entry."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@cache
def _entries() -> Select:
    return (
        select(LedgerEntry)
        .where(LedgerEntry.mentorship_id == bindparam("mentorship_id"))
        .options(selectinload(LedgerEntry.recorded_by))
        .order_by(LedgerEntry.seq)
    )


def render_detail(mentorship: Mentorship, actor: Actor, *, reverse_forms=None, end_form=None, status: int = 200):
    """The history page; ``reverse_forms`` and ``end_form`` carry a refused submission."""
    entries = db.session.scalars(_entries(), {"mentorship_id": mentorship.id}).all()
    followers: dict[int, dict[str, LedgerEntry]] = {}
    for entry in entries:
        # Each names this mentorship: known, so that reading it (``may_reverse_entry``) loads nothing.
        set_committed_value(entry, "mentorship", mentorship)
        if entry.target_id is not None:
            followers.setdefault(entry.target_id, {})[entry.entry_type] = entry
    by_id = {entry.id: entry for entry in entries}
    reverse_forms = dict(reverse_forms or {})
    items = []
    today = local_date(utcnow())
    for entry in entries:
        mine = followers.get(entry.id, {})
        entry.disputed_by = mine.get("dispute")
        entry.confirmation_state = ledger.state_of(entry, today, mine)
        item: dict[str, Any] = {
            "entry": entry,
            "reversal": mine.get("reversal"),
            "confirmation": mine.get("confirmation"),
            "dispute": mine.get("dispute"),
            "target": by_id.get(entry.target_id) if entry.target_id is not None else None,
            "may_confirm": False,
            "reverse_form": None,
            "may_reverse": False,
        }
        if entry.entry_type == "contribution" and item["reversal"] is None:
            if ledger.may_reverse_entry(entry, actor):
                # A refused submission is drawn by its form; every blank one is plain markup
                # in the template (the same HTML, without building and rendering a form each).
                item["may_reverse"] = True
                form = reverse_forms.get(entry.id)
                if form is not None:
                    form.reason.label.text = f"Why reverse #{entry.seq}?"
                    item["reverse_form"] = form
            item["may_confirm"] = entry.confirmation_state in ("awaiting", "unconfirmed") and _may_confirm(
                entry, mentorship, actor
            )
        items.append(item)
    manages = service.can_manage(actor, mentorship.mentee)
    if end_form is None and manages and mentorship.ended_on is None:
        end_form = EndMentorshipForm(formdata=None)
    summary = _meetings(entries, followers, today)
    expected = expectation()
    return render_template(
        "mentorships/detail.html",
        actor=actor,
        mentorship=mentorship,
        items=items,
        manages=manages,
        # Only the start-and-end panel names who started it: read for managers alone.
        created_by=db.session.get(Person, mentorship.created_by_id) if manages and mentorship.created_by_id else None,
        end_form=end_form,
        meetings=summary,
        status=expectation_status(mentorship, summary["count"], today),
        expected=expected,
        year=today.year,
        reverse_csrf=current_app.config.get("WTF_CSRF_ENABLED", True),
    ), status


def _meetings(entries: Sequence[LedgerEntry], followers: dict[int, dict[str, LedgerEntry]], today: date) -> dict:
    """``ledger.meetings_in`` for this year, counted in the history the page has read: the
    meetings from January 1 to ``today`` neither reversed nor disputed, and how many of
    them were confirmed."""
    start, count, confirmed = date(today.year, 1, 1), 0, 0
    for entry in entries:
        if (
            entry.entry_type != "contribution"
            or entry.kind not in MEETING_KINDS
            or not start <= entry.occurred_on <= today
        ):
            continue
        mine = followers.get(entry.id, {})
        if "reversal" not in mine and "dispute" not in mine:
            count += 1
            confirmed += "confirmation" in mine
    return {"count": count, "confirmed": confirmed}


def _may_confirm(entry: LedgerEntry, mentorship: Mentorship, actor: Actor) -> bool:
    """Mirrors ``ledger.service.confirm``, to offer the button only where it will work."""
    if entry.kind not in CONFIRMABLE:
        return False
    counterpart = mentorship.counterpart_of(entry.recorded_by_id)
    if counterpart is None:
        return actor.person_id in (mentorship.mentor_id, mentorship.mentee_id)
    return actor.person_id == counterpart
