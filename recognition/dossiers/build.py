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

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..awards.models import Award, Cycle, Grant, GrantRevocation, Nomination
from ..credits import service as credits
from ..credits.models import Statement
from ..extensions import db
from ..feedback import periods
from ..feedback import service as feedback
from ..feedback.models import Answer, Release, Response
from ..feedback.rules import summarise
from ..ledger.models import LedgerEntry
from ..mentorships.models import Mentorship
from ..milestones import queries as milestones
from ..milestones.models import Milestone
from ..people.models import Person, Profile
from . import rules

FORMAT = 1
MILESTONE_LABELS = {"cfar": "CFAR", "promotion": "Promotion", "grant": "Grant", "external_award": "External award",
                    "leadership": "Leadership position", "appointment": "Appointment"}


def ref(entry_id: int, entry_hash: str) -> dict:
    return {"entry_id": entry_id, "entry_hash": entry_hash}


def content(person: Person, start: date, end: date) -> dict:
    """The dossier of ``person`` for [start, end]: what is signed when it is issued
    (without the ledger head and the issue's own facts, so "has anything changed?" is a
    comparison of two of these)."""
    mentorships = db.session.scalars(
        select(Mentorship).where(Mentorship.mentor_id == person.id, Mentorship.started_on <= end,
                                 (Mentorship.ended_on.is_(None)) | (Mentorship.ended_on >= start))
        .order_by(Mentorship.started_on, Mentorship.id)).all()
    rows = mentee_rows(mentorships, start, end)
    return {
        "type": "recognition-dossier",
        "format": FORMAT,
        "title": "Data Summary Table: Mentorship",
        "person": {"id": person.id, "name": person.name, "rank": person.rank,
                   "division": person.division.name if person.division else None},
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "summary": summary(rows, start, end, len({m.mentee_id for m in mentorships})),
        "mentees": rows,
        "feedback": feedback_section(person.id, start, end),
        "awards": awards_section(person.id, start, end),
        "credits": credits_section(person.id, start, end),
        "training": training_section(person.id, start, end),
        "philosophy": (db.session.get(Profile, person.id) or Profile(philosophy="")).philosophy or "",
    }


# Mentees ------------------------------------------------------------------------------

def _meetings(mentorship_ids: list[int], start: date, end: date) -> dict[int, list[dict]]:
    """Per mentorship: its unreversed meetings in [start, end], each with its confirmation."""
    found: dict[int, list[dict]] = defaultdict(list)
    if not mentorship_ids:
        return found
    reversal, confirmation = aliased(LedgerEntry), aliased(LedgerEntry)
    rows = db.session.execute(
        select(LedgerEntry, confirmation.id, confirmation.entry_hash)
        .outerjoin(reversal, and_(reversal.target_id == LedgerEntry.id, reversal.entry_type == "reversal"))
        .outerjoin(confirmation, and_(confirmation.target_id == LedgerEntry.id,
                                      confirmation.entry_type == "confirmation"))
        .where(LedgerEntry.mentorship_id.in_(mentorship_ids), LedgerEntry.entry_type == "contribution",
               LedgerEntry.kind.in_(rules.MEETING_KINDS), reversal.id.is_(None),
               LedgerEntry.occurred_on >= start, LedgerEntry.occurred_on <= end)
        .order_by(LedgerEntry.occurred_on, LedgerEntry.seq))
    for entry, confirmation_id, confirmation_hash in rows:
        found[entry.mentorship_id].append({
            **ref(entry.id, entry.entry_hash), "seq": entry.seq, "kind": entry.kind,
            "date": entry.occurred_on.isoformat(), "minutes": entry.minutes,
            "confirmed": confirmation_id is not None,
            "confirmation": ref(confirmation_id, confirmation_hash) if confirmation_id is not None else None,
        })
    return found


def _named(person_ids: list[int]) -> dict[int, bool]:
    """Whether each person may be named in others' dossiers (no profile row: named)."""
    chosen = dict(db.session.execute(select(Profile.person_id, Profile.named_in_dossiers)
                                     .where(Profile.person_id.in_(person_ids))).all()) if person_ids else {}
    return {person_id: chosen.get(person_id, True) for person_id in person_ids}


def _entry_hashes(entry_ids: list[int]) -> dict[int, str]:
    if not entry_ids:
        return {}
    return dict(db.session.execute(select(LedgerEntry.id, LedgerEntry.entry_hash)
                                   .where(LedgerEntry.id.in_(entry_ids))).all())


def milestone_view(milestone: Milestone, entry_hash: str) -> dict:
    label = MILESTONE_LABELS.get(milestone.kind, milestone.kind)
    detail = {"cfar": milestone.outcome, "promotion": rules.RANK_LABELS.get(milestone.rank or "", milestone.rank)}
    text = detail.get(milestone.kind) or milestone.title
    return {"milestone_id": milestone.id, "kind": milestone.kind, "date": milestone.occurred_on.isoformat(),
            "label": f"{label}: {text}" if text else label, **ref(milestone.ledger_entry_id, entry_hash)}


def mentee_rows(mentorships: list[Mentorship], start: date, end: date) -> list[dict]:
    mentee_ids = sorted({m.mentee_id for m in mentorships})
    meetings = _meetings([m.id for m in mentorships], start, end)
    named = _named(mentee_ids)
    recorded = milestones.standing(mentee_ids, until=end)
    hashes = _entry_hashes([m.ledger_entry_id for found in recorded.values() for m in found])
    # When each mentee first mentored someone themself, on or after their mentorship began.
    began = defaultdict(list)
    if mentee_ids:
        for mentor_id, started_on in db.session.execute(
                select(Mentorship.mentor_id, Mentorship.started_on)
                .where(Mentorship.mentor_id.in_(mentee_ids), Mentorship.started_on <= end)):
            began[mentor_id].append(started_on)
    rows = []
    for number, m in enumerate(mentorships, start=1):
        mentee = m.mentee
        own = recorded.get(mentee.id, [])
        stage = rules.rank_at(m.started_on, [(x.occurred_on, x.rank) for x in own
                                             if x.kind in ("promotion", "appointment")], mentee.rank)
        reached = [milestone_view(x, hashes.get(x.ledger_entry_id, "")) for x in own
                   if x.kind != "appointment" and x.occurred_on >= max(m.started_on, start)]
        mentoring_since = min((day for day in began.get(mentee.id, ()) if day >= m.started_on), default=None)
        entries = meetings.get(m.id, [])
        minutes = sum(e["minutes"] for e in entries)
        row = {
            "row": number,
            "mentee": rules.mentee_label(mentee.name, named[mentee.id], stage,
                                         mentee.division.name if mentee.division else None),
            "named": named[mentee.id],
            "career_stage": stage,
            "career_stage_label": rules.RANK_LABELS.get(stage, stage),
            "kind": m.kind,
            "kind_label": rules.KIND_LABELS.get(m.kind, m.kind),
            "started_on": m.started_on.isoformat(),
            "ended_on": m.ended_on.isoformat() if m.ended_on and m.ended_on <= end else None,
            "meetings": len(entries),
            "confirmed_meetings": sum(1 for e in entries if e["confirmed"]),
            "contact_minutes": minutes,
            "contact_hours": rules.hours(minutes),
            "milestones": reached,
            "became_mentor_on": mentoring_since.isoformat() if mentoring_since else None,
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
        "by_stage": [{"career_stage": stage, "label": rules.RANK_LABELS.get(stage, stage),
                      "kinds": dict(sorted(by_stage[stage].items())), "total": sum(by_stage[stage].values()),
                      "rows": stage_rows[stage]} for stage in stages],
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
            "confirmed_meetings": [{**ref(e["entry_id"], e["entry_hash"]), "confirmation": e["confirmation"]}
                                   for e in confirmed],
            "contact_hours": [ref(e["entry_id"], e["entry_hash"]) for e in meetings],
            "years_of_sustained_mentoring": {
                str(year): [ref(e["entry_id"], e["entry_hash"]) for e in confirmed if e["date"][:4] == str(year)]
                for year in years},
            "mentees_who_became_mentors": {"rows": became},
            "mentee_milestones": [{"milestone_id": m["milestone_id"], **ref(m["entry_id"], m["entry_hash"])}
                                  for m in reached],
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
    blocks = [b for b in db.session.scalars(select(Release).where(Release.mentor_id == person_id,
                                                                  Release.instrument_key == key)
                                            .order_by(Release.id))
              if any(_period_overlaps(p, kind, start, end) for p in b.periods.split(","))]
    section = {"k": k, "shown": False, "responses": None, "overall": None, "scale": None, "items": [],
               "periods": [], "release_ids": [],
               "message": f"fewer than {k} responses released for this period"}
    if blocks:
        version = blocks[-1].instrument_version
        blocks = [b for b in blocks if b.instrument_version == version]
    ids = [b.id for b in blocks]
    values: dict[str, dict] = defaultdict(dict)
    if ids:
        for response_id, item_id, value in db.session.execute(
                select(Answer.response_id, Answer.item_id, Answer.value)
                .join(Response, Response.id == Answer.response_id).where(Response.release_id.in_(ids))):
            values[response_id][item_id] = value
    if not rules.pooled_feedback(len(values), k):
        return section
    used = feedback.instrument(key, version)
    pooled = summarise([item.id for item in used.items], used.scale_min, used.scale_max, values.values())
    texts = {item.id: item.text for item in used.items}
    return {**section, "shown": True, "responses": pooled.responses,
            "overall": f"{pooled.overall:.2f}" if pooled.overall is not None else None,
            "scale": {"min": used.scale_min, "max": used.scale_max, "instrument": used.title},
            "items": [{"item": texts[i.item_id], "mean": f"{i.mean:.2f}" if i.mean is not None else None,
                       "answered": i.answered} for i in pooled.items],
            "periods": sorted({p for b in blocks for p in b.periods.split(",")}), "release_ids": ids,
            "message": f"{pooled.responses} released responses, pooled (at least {k})"}


def awards_section(person_id: int, start: date, end: date) -> dict:
    won = db.session.execute(
        select(Grant.awarded_on, Grant.code, Cycle.year, Award.name)
        .join(Cycle, Cycle.id == Grant.cycle_id).join(Award, Award.id == Cycle.award_id)
        .outerjoin(GrantRevocation, GrantRevocation.grant_id == Grant.id)
        .where(Grant.person_id == person_id, GrantRevocation.grant_id.is_(None),
               Grant.awarded_on >= start, Grant.awarded_on <= end)
        .order_by(Grant.awarded_on)).all()
    nominated = db.session.execute(
        select(Award.name, Cycle.year, func.count(Nomination.id))
        .join(Cycle, Cycle.id == Nomination.cycle_id).join(Award, Award.id == Cycle.award_id)
        .where(Nomination.nominee_id == person_id, Cycle.year >= start.year, Cycle.year <= end.year)
        .group_by(Award.name, Cycle.year).order_by(Cycle.year, Award.name)).all()
    return {
        "won": [{"award": name, "year": year, "awarded_on": awarded_on.isoformat(),
                 "code": credits.format_code(code)} for awarded_on, code, year, name in won],
        "nominations": [{"award": name, "year": year, "nominations": count} for name, year, count in nominated],
    }


def credits_section(person_id: int, start: date, end: date) -> list[dict]:
    """Credit statements issued in the period; a superseded or revoked one says so."""
    found = db.session.scalars(
        select(Statement).where(Statement.person_id == person_id,
                                Statement.issued_at >= datetime.combine(start, time.min),
                                Statement.issued_at < datetime.combine(end + timedelta(days=1), time.min))
        .order_by(Statement.issued_at, Statement.id)).all()
    states = credits.statuses([s.id for s in found])
    known = credits.frameworks()
    rows = []
    for statement in found:
        framework = known.get(statement.framework_id)
        current = credits.current_version(statement) if states[statement.id] == "superseded" else None
        rows.append({
            "number": statement.number, "framework": framework.name if framework else statement.framework_id,
            "year": statement.year, "total": statement.total, "unit": framework.unit if framework else "credits",
            "issued_on": statement.issued_at.date().isoformat(), "status": states[statement.id],
            "code": credits.format_code(statement.code),
            "current_number": current.number if current else None,
            "current_code": credits.format_code(current.code) if current else None,
        })
    return rows


def training_section(person_id: int, start: date, end: date) -> dict:
    reversal = aliased(LedgerEntry)
    entries = db.session.scalars(
        select(LedgerEntry)
        .outerjoin(reversal, and_(reversal.target_id == LedgerEntry.id, reversal.entry_type == "reversal"))
        .where(LedgerEntry.person_id == person_id, LedgerEntry.kind == "mentor_training",
               LedgerEntry.entry_type == "contribution", reversal.id.is_(None),
               LedgerEntry.occurred_on >= start, LedgerEntry.occurred_on <= end)
        .order_by(LedgerEntry.occurred_on, LedgerEntry.seq)).all()
    minutes = sum(e.minutes for e in entries)
    return {
        "sessions": len(entries), "minutes": minutes, "hours": rules.hours(minutes),
        "entries": [{**ref(e.id, e.entry_hash), "date": e.occurred_on.isoformat(), "minutes": e.minutes,
                     "title": e.accreditation or "Mentor training"} for e in entries],
    }


def default_period(person: Person, today: date) -> tuple[date, date]:
    """Since the last promotion, else appointment (recorded milestones first, then the
    roster's appointment date), through today."""
    own = milestones.standing([person.id], until=today).get(person.id, [])
    appointed = min((m.occurred_on for m in own if m.kind == "appointment"), default=None) or person.appointed_on
    first = db.session.scalar(select(func.min(Mentorship.started_on)).where(Mentorship.mentor_id == person.id))
    return rules.default_start(milestones.last_promotion_on(own), appointed, first, today), today
