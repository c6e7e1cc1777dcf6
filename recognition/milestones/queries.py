"""What the recorded milestones say: the read side other domains use (evidence, dossiers,
cases, suggestions, the calendar).

A milestone *stands* when its ledger entry has not been reversed (withdrawn, or replaced
by a correction) and, if the person reported it themself, an administrator or their
division director has confirmed it. Only standing milestones are evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..ledger.models import LedgerEntry
from ..mentorships.models import Mentorship
from .models import Milestone
from .rules import FINGERPRINTED, cfar_due, fingerprint

CHUNK = 500


def standing_query():
    reversal = aliased(LedgerEntry)
    confirmation = aliased(LedgerEntry)
    return (
        select(Milestone)
        .outerjoin(reversal, and_(reversal.target_id == Milestone.ledger_entry_id, reversal.entry_type == "reversal"))
        .outerjoin(
            confirmation,
            and_(confirmation.target_id == Milestone.ledger_entry_id, confirmation.entry_type == "confirmation"),
        )
        .where(reversal.id.is_(None), or_(Milestone.source != "self_reported", confirmation.id.is_not(None)))
    )


def standing(person_ids: Iterable[int], until: date | None = None) -> dict[int, list[Milestone]]:
    """{person_id: standing milestones on or before ``until`` (all when None)}, each list in
    date order. People without any are absent."""
    found: dict[int, list[Milestone]] = defaultdict(list)
    ids = sorted(set(person_ids))
    for first in range(0, len(ids), CHUNK):
        query = standing_query().where(Milestone.person_id.in_(ids[first : first + CHUNK]))
        if until is not None:
            query = query.where(Milestone.occurred_on <= until)
        for milestone in db.session.scalars(query.order_by(Milestone.occurred_on, Milestone.id)):
            found[milestone.person_id].append(milestone)
    return dict(found)


def became_mentor_on(person_ids: Iterable[int]) -> dict[int, date]:
    """{person_id: the day their first mentorship as a mentor began} (derived, not recorded)."""
    ids = sorted(set(person_ids))
    found: dict[int, date] = {}
    for first in range(0, len(ids), CHUNK):
        found.update(
            db.session.execute(
                select(Mentorship.mentor_id, func.min(Mentorship.started_on))
                .where(Mentorship.mentor_id.in_(ids[first : first + CHUNK]))
                .group_by(Mentorship.mentor_id)
            ).all()
        )
    return found


def last_promotion_on(milestones: list[Milestone]) -> date | None:
    """The day of the latest standing promotion among ``milestones`` (one person's)."""
    return max((m.occurred_on for m in milestones if m.kind == "promotion"), default=None)


def cfar_due_for(appointed_on: date | None, milestones: list[Milestone]) -> date | None:
    """When this person's CFAR is due, from the configured years and their standing
    milestones; None when it has passed or cannot be counted."""
    config = current_app.config
    cfars = [(m.occurred_on, m.outcome) for m in milestones if m.kind == "cfar"]
    return cfar_due(appointed_on, cfars, int(config["CFAR_YEARS"]), int(config["CFAR_EXTENSION_YEARS"]))


def misfits(batch: int = 2000):
    """``(milestone id, ledger entry id, seq)`` of every milestone that no longer fits its
    ledger entry (its fields changed, or it points at another entry: the entry's note is
    not its fingerprint, the entry is not a milestone, or it is another person's), in
    chain order, streamed."""
    columns = [getattr(Milestone, name) for name in FINGERPRINTED]
    result = db.session.execute(
        select(
            Milestone.id,
            *columns,
            LedgerEntry.id.label("entry_id"),
            LedgerEntry.seq,
            LedgerEntry.note.label("entry_note"),
            LedgerEntry.kind.label("entry_kind"),
            LedgerEntry.entry_type,
            LedgerEntry.person_id.label("entry_person_id"),
        )
        # The milestones lead (``+ 0``: see ``reflections.service.unbound``).
        .join(LedgerEntry, LedgerEntry.id == Milestone.ledger_entry_id + 0)
        .order_by(LedgerEntry.seq, Milestone.id)
        .execution_options(yield_per=batch)
    )
    with result:
        for row in result:
            fields = {name: getattr(row, name) for name in FINGERPRINTED}
            if (
                row.entry_type != "contribution"
                or row.entry_kind != "milestone"
                or row.entry_person_id != row.person_id
                or row.entry_note != fingerprint(fields)
            ):
                yield row.id, row.entry_id, row.seq


def appointed_on(roster_day: date | None, milestones: list[Milestone]) -> date | None:
    """The day a person's CFAR is counted from: their earliest standing recorded
    appointment, else the appointment date on the roster."""
    return min((m.occurred_on for m in milestones if m.kind == "appointment"), default=roster_day)
