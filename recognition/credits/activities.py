"""Credits from the ledger: each person's activities (unreversed contributions of their own
work), what they earn under a framework, the summary the credit pages show, and who is
due a statement at the year end. The rules (``rules.py``) are pure; this module feeds
them the ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from flask import current_app
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..ledger.models import LedgerEntry
from ..ledger.rules import LABELS
from ..mentorships.models import Mentorship
from ..people.models import Person
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


# Read once: building an alias costs more than the query it serves when a page asks for one person.
_REVERSAL = aliased(LedgerEntry)
WITHDRAWN = ("reversal", "dispute")
_CONFIRMATION = aliased(LedgerEntry)
# What the rules need of an entry, and what a statement shows of it besides.
_RULE_COLUMNS = (
    LedgerEntry.id,
    LedgerEntry.seq,
    LedgerEntry.person_id,
    LedgerEntry.kind,
    LedgerEntry.occurred_on,
    LedgerEntry.minutes,
    LedgerEntry.accreditation,
    Mentorship.mentee_id,
    exists()
    .where(_CONFIRMATION.target_id == LedgerEntry.id, _CONFIRMATION.entry_type == "confirmation")
    .label("confirmed"),
    Reflection.source,
    Reflection.source_name,
)
_SOURCE_COLUMNS = (
    LedgerEntry.entry_hash,
    LedgerEntry.note,
    LedgerEntry.mentorship_id,
    Reflection.period,
    Reflection.area,
    Reflection.next_steps,
)
People = list[int] | Select | None


def activities_of(
    person_ids: People = None, within: tuple[date | None, date] | None = None, kinds: Collection[str] | None = None
) -> dict[int, list[tuple[Source, rules.Activity]]]:
    """Each person's unreversed contributions of their own work, in date order.

    ``None`` means everyone with any contribution; a query of person ids works as a list
    does. ``within`` (first day or None, last day) and ``kinds`` read only those. One
    query, of the columns the rules and a statement need.
    """
    found: dict[int, list[tuple[Source, rules.Activity]]] = defaultdict(list)
    for row in _rows(person_ids, within, kinds, sources=True):
        found[row[2]].append((_source(row), _activity(row)))
    return found


def rule_rows(
    person_ids: People, within: tuple[date | None, date] | None = None, kinds: Collection[str] | None = None
) -> dict[int, list[tuple]]:
    """``activities_of``'s rows without what only a statement shows (titles, notes,
    hashes), each person's in date order, left as rows: ``_activity`` makes one the rules'
    activity when it is looked at (planning looks at few of them)."""
    found: dict[int, list[tuple]] = defaultdict(list)
    for row in _rows(person_ids, within, kinds, sources=False):
        found[row[2]].append(row)
    return found


_IN_ORDER = itemgetter(2, 4, 1)  # person_id, occurred_on, seq


def _rows(
    person_ids: People, within: tuple[date | None, date] | None, kinds: Collection[str] | None, sources: bool
) -> list[tuple]:
    statement = (
        select(*_RULE_COLUMNS, *(_SOURCE_COLUMNS if sources else ()))
        .outerjoin(Mentorship, Mentorship.id == LedgerEntry.mentorship_id)
        .outerjoin(
            Reflection, and_(Reflection.ledger_entry_id == LedgerEntry.id, LedgerEntry.kind == "feedback_reflection")
        )
        .where(
            LedgerEntry.entry_type == "contribution",
            # A career milestone is in the ledger for its tamper-evidence, not as work: it
            # earns nothing and is not listed among the activities.
            LedgerEntry.kind != "milestone",
            # Reversed, or disputed by the other person (it did not happen as logged): counts for nothing.
            ~exists().where(_REVERSAL.target_id == LedgerEntry.id, _REVERSAL.entry_type.in_(WITHDRAWN)),
        )
    )
    if person_ids is not None:
        statement = statement.where(LedgerEntry.person_id.in_(person_ids))
    if within is not None:
        first, last = within
        statement = statement.where(LedgerEntry.occurred_on <= last)
        if first is not None:
            statement = statement.where(LedgerEntry.occurred_on >= first)
    if kinds is not None:
        statement = statement.where(LedgerEntry.kind.in_(sorted(kinds)))
    # Sorted here rather than in SQL: the database reads by its index, and sorts nothing.
    return sorted(map(tuple, db.session.execute(statement)), key=_IN_ORDER)


def _activity(row: tuple) -> rules.Activity:
    """The rules' view of a row of ``_RULE_COLUMNS`` (read by position: many rows)."""
    entry_id, _, _, kind, on, minutes, accreditation, mentee_id, confirmed, source, source_name = row[:11]
    assert kind is not None  # every contribution has a kind (a check constraint)
    return rules.Activity(
        entry_id,
        kind,
        on,
        minutes,
        bool(confirmed),
        bool(accreditation),
        source == "report",
        source_name if source == "external" else None,
        mentee_id,
    )


def _source(row: tuple) -> Source:
    """A statement's line for an entry read with its reflection (``source`` is None without one)."""
    entry_id, _, _, kind, on, minutes, accreditation, _, _, source, source_name = row[:11]
    entry_hash, note, mentorship_id, period, area, next_steps = row[11:]
    label = LABELS.get(kind, kind)
    if source is not None:
        title = reflection_title(source, period, source_name)
        summary = f"{area.strip()} Next steps: {next_steps.strip()}"
    elif kind in PERSONAL_KINDS and mentorship_id is None:
        detail = accreditation or _clip(note, 120)
        title = f"{label}: {detail}" if detail else label
        summary = ""
    else:  # work with or for a mentee: no names or notes on a certificate
        title = f"{label} with a mentee" if kind not in PERSONAL_KINDS else f"{label} (for a mentee)"
        summary = ""
    return Source(entry_id, entry_hash, kind, on, minutes, title, summary)


def reflection_title(source: str, period: str | None, source_name: str | None) -> str:
    """A reflection's title on statements and in the MAINPORT export."""
    about = f"feedback report ({period})" if source == "report" else source_name
    return f"Reflection on feedback received: {about}"


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


def owners(framework_id: str) -> Select:
    """The ids of the people whose own framework ``framework_id`` is: theirs by their
    profile, or the department's default without one (or with one naming a framework
    this deployment no longer has)."""
    if framework_id != current_app.config["CREDIT_FRAMEWORK"]:
        return select(CreditProfile.person_id).where(CreditProfile.framework_id == framework_id)
    elsewhere = select(CreditProfile.person_id).where(
        CreditProfile.framework_id.in_(sorted(set(frameworks()) - {framework_id}))
    )
    return select(Person.id).where(Person.id.not_in(elsewhere))


def _of_year(framework_: Framework, year: int, person_ids: People, read, activity_of) -> dict[int, list]:
    """``read`` (``activities_of`` or ``rule_rows``) the activities of the kinds
    ``framework_`` credits dated in ``year``, and earlier ones too only for someone whose
    year ``rules.depends_on_history`` (``activity_of`` takes the activity from an item)."""
    kinds = rules.earning_kinds(framework_)
    first, last = rules.year_window(framework_, year)
    found = read(person_ids, (first, last), kinds)
    if rules.has_cycle_caps(framework_):
        earlier = [
            person_id
            for person_id, items in found.items()
            if rules.depends_on_history(framework_, [activity_of(item) for item in items], year)
        ]
        if earlier:
            found.update(read(earlier, (None, last), kinds))
    return found


def credited_in_year(
    framework_: Framework, year: int, person_ids: People, cycle_starts: dict[int, date | None]
) -> dict[int, list[Credited]]:
    """What each of ``person_ids`` with activities is credited under ``framework_`` for
    ``year``, as the whole ledger would credit it, from the year's activities (and earlier
    ones only where they count: ``_of_year``). Activities of other years may be in the
    lists: filter on ``credit.year``."""
    found = _of_year(framework_, year, person_ids, activities_of, itemgetter(1))
    return {
        person_id: credits_for(framework_, sourced, cycle_starts.get(person_id)) for person_id, sourced in found.items()
    }


def eligible(year: int, framework_id: str | None = None) -> list[tuple[int, str]]:
    """(person, framework) pairs with credits in ``year`` and no statement yet: each
    person's own framework, or ``framework_id`` for everyone.

    Read per framework from the activities of the kinds it credits dated in the year, of
    the people who report to it (``_of_year``): the work grows with the year's
    activities, not with the ledger."""
    stored = list(
        db.session.execute(select(CreditProfile.person_id, CreditProfile.framework_id, CreditProfile.cycle_start))
    )
    issued = set(
        db.session.execute(
            select(Statement.person_id, Statement.framework_id).where(Statement.year == year).distinct()
        ).all()
    )
    chosen_ids = [framework(framework_id).id] if framework_id else sorted(frameworks())
    pairs = []
    for chosen_id in chosen_ids:
        chosen = framework(chosen_id)
        cycle_starts = {row.person_id: row.cycle_start for row in stored if row.framework_id == chosen.id}
        whose = select(Person.id) if framework_id else owners(chosen.id)
        for person_id, rows in _of_year(chosen, year, whose, rule_rows, _activity).items():
            if (person_id, chosen.id) in issued:
                continue
            if rules.credits_in_year(chosen, map(_activity, rows), year, cycle_starts.get(person_id)):
                pairs.append((person_id, chosen.id))
    return sorted(pairs)
