"""The dossier section for a person and a period, as one JSON-ready document.

Everything comes from the ledger and the recorded milestones, and every number names
what it was counted from: ledger entries (id and hash) and milestones (id, and the id
and hash of their ledger entry). A mentee who asked not to be named in dossiers appears
as "a mentee (rank, division)", with no id, email or mentorship id anywhere in the
document. Feedback is the mentor's released blocks only, pooled, and shown only when the
pool holds at least k responses.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..awards.models import Award, Cycle, Nomination
from ..credits import canonical, profiles
from ..credits import service as credits
from ..credits.models import Statement
from ..evidence import service as evidence
from ..extensions import db
from ..feedback import periods
from ..feedback import service as feedback
from ..feedback.models import Answer, Release, Response
from ..feedback.rules import summarise
from ..ledger.models import LedgerEntry
from ..mentorships.models import Mentorship
from ..milestones import queries as milestones
from ..milestones.models import Milestone
from ..people.models import Person
from ..people.profiles import profile_of, profiles_of
from . import rules

FORMAT = 1


def ref(entry_id: int, entry_hash: str) -> dict:
    return {"entry_id": entry_id, "entry_hash": entry_hash}


def content(person: Person, start: date, end: date) -> dict:
    """The dossier of ``person`` for [start, end]: what is signed when it is issued
    (without the ledger head and the issue's own facts, so "has anything changed?" is a
    comparison of two of these)."""
    found = evidence.mentorships_as_mentor(person.id, end, start)
    rows = mentee_rows(found, start, end)
    return {
        "type": "recognition-dossier",
        "format": FORMAT,
        "title": "Data Summary Table: Mentorship",
        "person": {
            "id": person.id,
            "name": person.name,
            "rank": person.rank,
            "division": person.division.name if person.division else None,
        },
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "summary": summary(rows, start, end, len({item.mentorship.mentee_id for item in found})),
        "mentees": rows,
        "feedback": feedback_section(person.id, start, end),
        "awards": awards_section(person.id, start, end),
        "credits": credits_section(person.id, start, end),
        "training": training_section(person.id, start, end),
        "philosophy": profile_of(person.id)[1],
    }


# Mentees ------------------------------------------------------------------------------


def _confirmations(entry_ids: list[int]) -> dict[int, dict]:
    """{entry id: the reference of the confirmation entry that confirmed it}."""
    if not entry_ids:
        return {}
    return {
        target: ref(entry_id, entry_hash)
        for target, entry_id, entry_hash in db.session.execute(
            select(LedgerEntry.target_id, LedgerEntry.id, LedgerEntry.entry_hash).where(
                LedgerEntry.target_id.in_(entry_ids), LedgerEntry.entry_type == "confirmation"
            )
        )
        if target is not None  # always: the query asks for targets among entry_ids
    }


def _named(person_ids: list[int]) -> dict[int, bool]:
    """Whether each person may be named in others' dossiers (``profiles_of``: no profile, named)."""
    return {person_id: named for person_id, (named, _) in profiles_of(person_ids).items()}


def _milestone_entries(milestone_ids: list[int]) -> dict[int, tuple[int, str]]:
    """{milestone id: (its ledger entry's id, hash)}."""
    if not milestone_ids:
        return {}
    return {
        mid: (entry_id, entry_hash)
        for mid, entry_id, entry_hash in db.session.execute(
            select(Milestone.id, LedgerEntry.id, LedgerEntry.entry_hash)
            .join(LedgerEntry, LedgerEntry.id == Milestone.ledger_entry_id)
            .where(Milestone.id.in_(milestone_ids))
        )
    }


def mentee_rows(found: list[evidence.MentorshipEvidence], start: date, end: date) -> list[dict]:
    """One row per mentorship (the shared evidence, ``recognition.evidence``), with the
    meetings behind its numbers and the mentee's recorded milestones reached in the period."""
    mentee_ids = sorted({item.mentorship.mentee_id for item in found})
    named = _named(mentee_ids)
    ranks = {
        person_id: [(m.occurred_on, m.rank) for m in own if m.kind in ("promotion", "appointment")]
        for person_id, own in milestones.standing(mentee_ids, until=end).items()
    }
    counted = [e for item in found for e in item.entries if e.kind in rules.MEETING_KINDS]
    confirmations = _confirmations([e.id for e in counted if e.confirmed])
    reached_ids = [x.milestone_id for item in found for x in item.milestones if x.milestone_id is not None]
    behind = _milestone_entries(reached_ids)
    rows = []
    for number, item in enumerate(found, start=1):
        m, mentee = item.mentorship, item.mentorship.mentee
        stage = rules.rank_at(m.started_on, ranks.get(mentee.id, []), mentee.rank)
        entries = [
            {
                **ref(e.id, e.entry_hash),
                "seq": e.seq,
                "kind": e.kind,
                "date": e.occurred_on.isoformat(),
                "minutes": e.minutes,
                "confirmed": e.confirmed,
                "confirmation": confirmations.get(e.id),
            }
            for e in item.entries
            if e.kind in rules.MEETING_KINDS
        ]
        in_period = [x for x in item.milestones if x.occurred_on >= start]
        reached = [
            {
                "milestone_id": x.milestone_id,
                "kind": x.kind,
                "date": x.occurred_on.isoformat(),
                "label": x.text[:1].upper() + x.text[1:],
                **ref(*behind[x.milestone_id]),
            }
            for x in in_period
            if x.milestone_id is not None
        ]
        became = next((x.occurred_on for x in in_period if x.kind == "became_mentor"), None)
        row = {
            "row": number,
            "mentee": rules.mentee_label(
                mentee.name, named[mentee.id], stage, mentee.division.name if mentee.division else None
            ),
            "named": named[mentee.id],
            "career_stage": stage,
            "career_stage_label": rules.RANK_LABELS.get(stage, stage),
            "kind": m.kind,
            "kind_label": rules.KIND_LABELS.get(m.kind, m.kind),
            "started_on": m.started_on.isoformat(),
            "ended_on": m.ended_on.isoformat() if m.ended_on and m.ended_on <= end else None,
            # The shared evidence's counts, as on a nomination's evidence table.
            "meetings": item.meetings,
            "confirmed_meetings": item.confirmed,
            "contact_minutes": item.minutes,
            "contact_hours": rules.hours(item.minutes),
            "milestones": reached,
            "became_mentor_on": became.isoformat() if became else None,
            "entries": entries,
        }
        if named[mentee.id]:  # an unnamed mentee's ids never leave the database
            row["mentee_id"], row["mentorship_id"] = mentee.id, m.id
        rows.append(row)
    return rows


def summary(rows: list[dict], start: date, end: date, mentees: int) -> dict:
    """The summary numbers, each with the entries (or rows and milestones) it counts."""
    by_stage: dict[str, Counter] = defaultdict(Counter)
    stage_rows: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_stage[row["career_stage"]][row["kind"]] += 1
        stage_rows[row["career_stage"]].append(row["row"])
    meetings = [e for row in rows for e in row["entries"]]
    confirmed = [e for e in meetings if e["confirmed"]]
    years = rules.sustained_years([date.fromisoformat(e["date"]) for e in confirmed], start, end)
    minutes = sum(e["minutes"] for e in meetings)
    became = [row["row"] for row in rows if row["became_mentor_on"]]
    reached = [m for row in rows for m in row["milestones"]]
    stages = [s for s in rules.RANK_LABELS if s in by_stage] + sorted(set(by_stage) - set(rules.RANK_LABELS))
    return {
        "mentees": mentees,
        "mentorships": len(rows),
        "by_stage": [
            {
                "career_stage": stage,
                "label": rules.RANK_LABELS.get(stage, stage),
                "kinds": dict(sorted(by_stage[stage].items())),
                "total": sum(by_stage[stage].values()),
                "rows": stage_rows[stage],
            }
            for stage in stages
        ],
        "meetings": len(meetings),
        "confirmed_meetings": len(confirmed),
        "contact_minutes": minutes,
        "contact_hours": rules.hours(minutes),
        "sustained_years": years,
        "years_of_sustained_mentoring": len(years),
        "mentees_who_became_mentors": len(became),
        "mentee_milestones": len(reached),
        "sources": {
            "meetings": [ref(e["entry_id"], e["entry_hash"]) for e in meetings],
            "confirmed_meetings": [
                {**ref(e["entry_id"], e["entry_hash"]), "confirmation": e["confirmation"]} for e in confirmed
            ],
            "contact_hours": [ref(e["entry_id"], e["entry_hash"]) for e in meetings],
            "years_of_sustained_mentoring": {
                str(year): [ref(e["entry_id"], e["entry_hash"]) for e in confirmed if e["date"][:4] == str(year)]
                for year in years
            },
            "mentees_who_became_mentors": {"rows": became},
            "mentee_milestones": [
                {"milestone_id": m["milestone_id"], **ref(m["entry_id"], m["entry_hash"])} for m in reached
            ],
        },
    }


# Feedback, awards, credits, training ------------------------------------------------------


def _period_overlaps(key: str, kind: str, start: date, end: date) -> bool:
    try:
        first, last = periods.bounds(key, kind)
    except ValueError:
        return False
    return first <= end and last >= start


def feedback_section(person_id: int, start: date, end: date) -> dict:
    """The mentor's released feedback blocks whose periods touch [start, end], pooled; shown
    only when the pool holds at least k responses (k as configured now)."""
    k = feedback.k()
    key, kind = current_app.config["FEEDBACK_INSTRUMENT"], feedback.period_kind()
    blocks = [
        b
        for b in db.session.scalars(
            select(Release).where(Release.mentor_id == person_id, Release.instrument_key == key).order_by(Release.id)
        )
        if any(_period_overlaps(p, kind, start, end) for p in b.periods.split(","))
    ]
    section: dict[str, Any] = {
        "k": k,
        "shown": False,
        "responses": None,
        "overall": None,
        "scale": None,
        "items": [],
        "periods": [],
        "release_ids": [],
        "message": f"fewer than {k} responses released for this period",
    }
    if blocks:
        version = blocks[-1].instrument_version
        blocks = [b for b in blocks if b.instrument_version == version]
    ids = [b.id for b in blocks]
    values: dict[str, dict] = defaultdict(dict)
    if ids:
        for response_id, item_id, value in db.session.execute(
            select(Answer.response_id, Answer.item_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.release_id.in_(ids))
        ):
            values[response_id][item_id] = value
    if not rules.pooled_feedback(len(values), k):
        return section
    used = feedback.instrument(key, version)
    pooled = summarise([item.id for item in used.items], used.scale_min, used.scale_max, values.values())
    texts = {item.id: item.text for item in used.items}
    return {
        **section,
        "shown": True,
        "responses": pooled.responses,
        "overall": f"{pooled.overall:.2f}" if pooled.overall is not None else None,
        "scale": {"min": used.scale_min, "max": used.scale_max, "instrument": used.title},
        "items": [
            {"item": texts[i.item_id], "mean": f"{i.mean:.2f}" if i.mean is not None else None, "answered": i.answered}
            for i in pooled.items
        ],
        "periods": sorted({p for b in blocks for p in b.periods.split(",")}),
        "release_ids": ids,
        "message": f"{pooled.responses} released responses, pooled (at least {k})",
    }


def awards_section(person_id: int, start: date, end: date) -> dict:
    nominated = db.session.execute(
        select(Award.name, Cycle.year, func.count(Nomination.id))
        .join(Cycle, Cycle.id == Nomination.cycle_id)
        .join(Award, Award.id == Cycle.award_id)
        .where(Nomination.nominee_id == person_id, Cycle.year >= start.year, Cycle.year <= end.year)
        .group_by(Award.name, Cycle.year)
        .order_by(Cycle.year, Award.name)
    ).all()
    return {
        "won": [
            {
                "award": won["award"],
                "year": won["year"],
                "awarded_on": won["awarded_on"],
                "code": canonical.format_code(won["code"]),
            }
            for won in evidence.awards_won(person_id, end, start)
        ],
        "nominations": [{"award": name, "year": year, "nominations": count} for name, year, count in nominated],
    }


def credits_section(person_id: int, start: date, end: date) -> list[dict]:
    """Credit statements issued in the period; a superseded or revoked one says so."""
    found = db.session.scalars(
        select(Statement)
        .where(
            Statement.person_id == person_id,
            Statement.issued_at >= datetime.combine(start, time.min),
            Statement.issued_at < datetime.combine(end + timedelta(days=1), time.min),
        )
        .order_by(Statement.issued_at, Statement.id)
    ).all()
    states = credits.statuses([s.id for s in found])
    known = profiles.frameworks()
    rows = []
    for statement in found:
        framework = known.get(statement.framework_id)
        current = credits.current_version(statement) if states[statement.id] == "superseded" else None
        rows.append(
            {
                "number": statement.number,
                "framework": framework.name if framework else statement.framework_id,
                "year": statement.year,
                "total": statement.total,
                "unit": framework.unit if framework else "credits",
                "issued_on": statement.issued_at.date().isoformat(),
                "status": states[statement.id],
                "code": canonical.format_code(statement.code),
                "current_number": current.number if current else None,
                "current_code": canonical.format_code(current.code) if current else None,
            }
        )
    return rows


def training_section(person_id: int, start: date, end: date) -> dict:
    entries, minutes = evidence.training(person_id, end, start)
    titles = (
        dict(
            db.session.execute(
                select(LedgerEntry.id, LedgerEntry.accreditation).where(LedgerEntry.id.in_([e.id for e in entries]))
            ).all()
        )
        if entries
        else {}
    )
    return {
        "sessions": len(entries),
        "minutes": minutes,
        "hours": rules.hours(minutes),
        "entries": [
            {
                **ref(e.id, e.entry_hash),
                "date": e.occurred_on.isoformat(),
                "minutes": e.minutes,
                "title": titles.get(e.id) or "Mentor training",
            }
            for e in sorted(entries, key=lambda e: (e.occurred_on, e.seq))
        ],
    }


def default_period(person: Person, today: date) -> tuple[date, date]:
    """Since the last promotion, else appointment (recorded milestones first, then the
    roster's appointment date), through today."""
    own = milestones.standing([person.id], until=today).get(person.id, [])
    appointed = min((m.occurred_on for m in own if m.kind == "appointment"), default=None) or person.appointed_on
    first = db.session.scalar(select(func.min(Mentorship.started_on)).where(Mentorship.mentor_id == person.id))
    return rules.default_start(milestones.last_promotion_on(own), appointed, first, today), today
