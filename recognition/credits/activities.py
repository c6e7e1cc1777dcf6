"""Credits from the ledger: each person's activities (unreversed contributions of their own
work), what they earn under a framework, the summary the credit pages show, and who is
due a statement at the year end. The rules (``rules.py``) are pure; this module feeds
them the ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..ledger.models import LedgerEntry
from ..ledger.rules import LABELS
from ..mentorships.models import Mentorship
from ..reflections.models import Reflection
from . import rules
from .frameworks import Framework
from .models import CreditProfile, Statement
from .profiles import Profile, framework, frameworks, profile_of

PERSONAL_KINDS = frozenset({"mentor_training", "mentoring_preparation", "other", "feedback_reflection"})


@dataclass(frozen=True)
class Source:
    """A ledger entry as the credit pages and statements show it."""

    entry_id: int
    entry_hash: str
    kind: str
    on: date
    minutes: int
    title: str
    summary: str  # the reflection's own words, for its author's MAINPORT export only


def activities_of(person_ids: list[int] | None = None) -> dict[int, list[tuple[Source, rules.Activity]]]:
    """Each person's unreversed contributions of their own work, in date order.

    ``None`` means everyone with any contribution. Three queries in all.
    """
    reversal = aliased(LedgerEntry)
    confirmation = aliased(LedgerEntry)
    statement = (
        select(
            LedgerEntry,
            Mentorship.mentee_id,
            exists().where(confirmation.target_id == LedgerEntry.id, confirmation.entry_type == "confirmation"),
        )
        .outerjoin(Mentorship, Mentorship.id == LedgerEntry.mentorship_id)
        .where(
            LedgerEntry.entry_type == "contribution",
            # A career milestone is in the ledger for its tamper-evidence, not as work: it
            # earns nothing and is not listed among the activities.
            LedgerEntry.kind != "milestone",
            ~exists().where(reversal.target_id == LedgerEntry.id, reversal.entry_type == "reversal"),
        )
        .order_by(LedgerEntry.person_id, LedgerEntry.occurred_on, LedgerEntry.seq)
    )
    if person_ids is not None:
        statement = statement.where(LedgerEntry.person_id.in_(person_ids))
    rows = db.session.execute(statement).all()
    reflection_ids = [entry.id for entry, _, _ in rows if entry.kind == "feedback_reflection"]
    reflections = (
        {
            r.ledger_entry_id: r
            for r in db.session.scalars(select(Reflection).where(Reflection.ledger_entry_id.in_(reflection_ids)))
        }
        if reflection_ids
        else {}
    )
    found: dict[int, list[tuple[Source, rules.Activity]]] = defaultdict(list)
    for entry, mentee_id, confirmed in rows:
        reflection = reflections.get(entry.id)
        assert entry.kind is not None  # every contribution has a kind (a check constraint)
        activity = rules.Activity(
            ref=entry.id,
            kind=entry.kind,
            on=entry.occurred_on,
            minutes=entry.minutes,
            confirmed=bool(confirmed),
            accredited=bool(entry.accreditation),
            report_met_k=reflection is not None and reflection.source == "report",
            external_source=reflection.source_name
            if reflection is not None and reflection.source == "external"
            else None,
            mentee_id=mentee_id,
        )
        found[entry.person_id].append((_source(entry, reflection), activity))
    return found


def _source(entry: LedgerEntry, reflection: Reflection | None) -> Source:
    assert entry.kind is not None  # every contribution has a kind (a check constraint)
    label = LABELS.get(entry.kind, entry.kind)
    if reflection is not None:
        about = f"feedback report ({reflection.period})" if reflection.source == "report" else reflection.source_name
        title = f"Reflection on feedback received: {about}"
        summary = f"{reflection.area.strip()} Next steps: {reflection.next_steps.strip()}"
    elif entry.kind in PERSONAL_KINDS and entry.mentorship_id is None:
        detail = entry.accreditation or _clip(entry.note, 120)
        title = f"{label}: {detail}" if detail else label
        summary = ""
    else:  # work with or for a mentee: no names or notes on a certificate
        title = f"{label} with a mentee" if entry.kind not in PERSONAL_KINDS else f"{label} (for a mentee)"
        summary = ""
    return Source(entry.id, entry.entry_hash, entry.kind, entry.occurred_on, entry.minutes, title, summary)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


@dataclass(frozen=True)
class Credited:
    source: Source
    credit: rules.Credit


def credits_for(
    framework_: Framework, sourced: list[tuple[Source, rules.Activity]], cycle_start: date | None
) -> list[Credited]:
    computed = rules.compute_credits(framework_, [activity for _, activity in sourced], cycle_start)
    return [Credited(source, credit) for (source, _), credit in zip(sourced, computed)]


# Summaries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    person_id: int
    framework: Framework
    profile: Profile
    credited: list[Credited]
    years: list[dict]  # newest first: {year, label, total, sections: [(label, credits)]}
    progress: rules.Progress | None
    cycle_note: str  # why there is no progress, when there is none


def summary(person_id: int, today: date, framework_id: str | None = None) -> Summary:
    """A person's credits under one framework (theirs by default), by year and section,
    and their current cycle's progress with plain-language warnings."""
    profile = profile_of(person_id)
    chosen = framework(framework_id or profile.framework_id)
    cycle_start = profile.cycle_start if chosen.id == profile.framework_id else None
    credited = credits_for(chosen, activities_of([person_id]).get(person_id, []), cycle_start)
    sums = rules.totals([c.credit for c in credited])
    years = []
    for year in sorted(sums.by_year, reverse=True):
        version = version_for_year(chosen, year)
        sections = [
            (label, sums.by_year_section.get((year, key), rules.ZERO)) for key, label in version.sections.items()
        ]
        years.append(
            {"year": year, "label": rules.year_label(version, year), "total": sums.by_year[year], "sections": sections}
        )
    progress, note = None, ""
    current = chosen.version_on(today)
    if current is None or current.cycle is None:
        note = f"{chosen.name} has no multi-year cycle: each year stands alone."
    else:
        # The same series of cycles the caps were counted in (rules.cycle_anchor).
        anchor = cycle_start or rules.cycle_anchor(chosen, [c.credit.activity for c in credited])
        start = rules.cycle_holding(chosen, anchor, today)
        assert start is not None  # the version in force today has cycles
        progress = rules.cycle_progress(chosen, [c.credit for c in credited], start, today)
        saved = chosen.version_on(cycle_start) if cycle_start else None
        if (
            cycle_start is not None
            and saved is not None
            and cycle_start != rules.year_span(saved, rules.year_of(saved, cycle_start))[0]
        ):
            # Saved before cycle starts were checked: counted as saved, and said so.
            first_day = rules.year_span(saved, rules.year_of(saved, cycle_start))[0]
            note = (
                f"Your cycle start {cycle_start.isoformat()} is not {rules.day_month(first_day)}, the first day of "
                f"a {chosen.name} year: your cycle most likely began on {first_day.isoformat()}. "
                "Set it again below."
            )
        if cycle_start is None:
            since = "your earliest credited activity" if anchor else "this year, as nothing is credited yet"
            note = (
                f"Your cycle start is not set, so this assumes cycles counted from {since}: the current one "
                f"starts {start.isoformat()}, and per-cycle limits count from the same date. "
                "Set it below to match your MAINPORT record."
            )
    return Summary(person_id, chosen, profile, credited, years, progress, note)


def version_for_year(framework_: Framework, year: int):
    """The version in force when ``year`` begins (the oldest one for years before it)."""
    for version in reversed(framework_.versions):
        if version.effective_from <= rules.year_span(version, year)[0]:
            return version
    return framework_.versions[0]


def period_of(framework_: Framework, year: int) -> tuple[date, date, str]:
    version = version_for_year(framework_, year)
    start, end = rules.year_span(version, year)
    return start, end, rules.year_label(version, year)


def eligible(year: int, framework_id: str | None = None) -> list[tuple[int, str]]:
    """(person, framework) pairs with credits in ``year`` and no statement yet: each
    person's own framework, or ``framework_id`` for everyone."""
    everyone = activities_of(None)
    profiles = {row.person_id: row for row in db.session.scalars(select(CreditProfile))}
    default = current_app.config["CREDIT_FRAMEWORK"]
    issued = set(
        db.session.execute(
            select(Statement.person_id, Statement.framework_id).where(Statement.year == year).distinct()
        ).all()
    )
    pairs = []
    for person_id, sourced in everyone.items():
        profile = profiles.get(person_id)
        own = profile.framework_id if profile and profile.framework_id in frameworks() else default
        chosen = framework(framework_id or own)
        if (person_id, chosen.id) in issued:
            continue
        cycle_start = profile.cycle_start if profile and profile.framework_id == chosen.id else None
        credited = credits_for(chosen, sourced, cycle_start)
        if any(c.credit.year == year and c.credit.credits > 0 for c in credited):
            pairs.append((person_id, chosen.id))
    return sorted(pairs)
