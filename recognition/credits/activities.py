"""Credits from the ledger: each person's activities (unreversed contributions of their own
work), what they earn under a framework, the summary the credit pages show, and who is
due a statement at the year end. The rules (``rules.py``) are pure; this module feeds
them the ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from flask import current_app
from sqlalchemy import Select, and_, bindparam, exists, select
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


_IN_ORDER = itemgetter(2, 4, 1)  # person_id, occurred_on, seq


def _rows(
    person_ids: People, within: tuple[date | None, date] | None, kinds: Collection[str] | None, sources: bool
) -> list[tuple]:
    statement = _select(sources, within, kinds)
    if person_ids is not None:
        statement = statement.where(LedgerEntry.person_id.in_(person_ids))
    # Sorted here rather than in SQL: the database reads by its index, and sorts nothing.
    return sorted(map(tuple, db.session.execute(statement)), key=_IN_ORDER)


def _select(sources: bool, within: tuple[date | None, date] | None, kinds: Collection[str] | None) -> Select:
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
    if within is not None:
        first, last = within
        statement = statement.where(LedgerEntry.occurred_on <= last)
        if first is not None:
            statement = statement.where(LedgerEntry.occurred_on >= first)
    if kinds is not None:
        statement = statement.where(LedgerEntry.kind.in_(sorted(kinds)))
    return statement


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


def _of_year(framework_: Framework, year: int, person_ids: People) -> dict[int, list[tuple[Source, rules.Activity]]]:
    """The activities of the kinds ``framework_`` credits dated in ``year``, and earlier
    ones too only for someone whose year ``rules.depends_on_history``."""
    kinds = rules.earning_kinds(framework_)
    first, last = rules.year_window(framework_, year)
    found = activities_of(person_ids, (first, last), kinds)
    if rules.has_cycle_caps(framework_):
        earlier = [
            person_id
            for person_id, items in found.items()
            if rules.depends_on_history(framework_, [activity for _, activity in items], year)
        ]
        if earlier:
            found.update(activities_of(earlier, (None, last), kinds))
    return found


def credited_in_year(
    framework_: Framework, year: int, person_ids: People, cycle_starts: dict[int, date | None]
) -> dict[int, list[Credited]]:
    """What each of ``person_ids`` with activities is credited under ``framework_`` for
    ``year``, as the whole ledger would credit it, from the year's activities (and earlier
    ones only where they count: ``_of_year``). Activities of other years may be in the
    lists: filter on ``credit.year``."""
    found = _of_year(framework_, year, person_ids)
    return {
        person_id: credits_for(framework_, sourced, cycle_starts.get(person_id)) for person_id, sourced in found.items()
    }


def eligible(year: int, framework_id: str | None = None) -> list[tuple[int, str]]:
    """(person, framework) pairs with credits in ``year`` and no statement yet: each
    person's own framework, or ``framework_id`` for everyone.

    Per framework, the people with an activity of a kind it credits dated in the year
    (from the index of people's kinds and days alone), then each one's activities only
    until one settles the year (``rules.settles_year``): the work grows with the
    statements to issue, not with the ledger nor with the year's entries."""
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
        reading = _YearOf(chosen, year)
        for person_id, rows, complete in reading.people(None if framework_id else owners(chosen.id)):
            if (person_id, chosen.id) in issued:
                continue
            if reading.credited(person_id, rows, complete, cycle_starts.get(person_id)):
                pairs.append((person_id, chosen.id))
    return sorted(pairs)


# A person's activities of the year are read this many at first: one usually settles it.
# People with no more than that are read many at a time, this many in a query: with many
# more, PostgreSQL expects so many rows that it reads the whole year's by kind instead.
PAGE = 8
MANY = 64


class _YearOf:
    """A framework's year as planning reads it (each statement built once, and run for
    one person or a few hundred at a time): rows of ``_RULE_COLUMNS``."""

    def __init__(self, framework_: Framework, year: int):
        self.framework, self.year = framework_, year
        self.kinds = sorted(rules.earning_kinds(framework_))
        self.first, self.last = rules.year_window(framework_, year)
        mine = LedgerEntry.person_id == bindparam("person")
        self.of_year = _select(False, (self.first, self.last), self.kinds)
        self.mine = self.of_year.where(mine)
        self.page = self.mine.limit(PAGE)
        self.history = _select(False, (None, self.last), self.kinds).where(mine)

    def people(self, person_ids: Select | None) -> Iterator[tuple[int, list[tuple], bool]]:
        """(person, rows, whether they are all the year's) for each of ``person_ids``
        (None: everyone) with a contribution of a kind credited in the year, reversed or
        not; found from the index alone (the id, not *: the id is in every index of a
        table; a kind is set on contributions only), with whether they have more than
        ``PAGE``. Those with no more are read ``MANY`` at a time, the others a page each."""
        entries = select(LedgerEntry.id).where(
            LedgerEntry.person_id == Person.id,
            LedgerEntry.kind.in_(self.kinds),
            LedgerEntry.occurred_on.between(self.first, self.last),
        )
        query = select(Person.id, entries.limit(1).offset(PAGE).scalar_subquery().is_not(None)).where(entries.exists())
        if person_ids is not None:
            query = query.where(Person.id.in_(person_ids))
        found = db.session.execute(query.order_by(Person.id)).all()
        few = [person_id for person_id, more in found if not more]
        for start in range(0, len(few), MANY):
            rows: dict[int, list[tuple]] = {person_id: [] for person_id in few[start : start + MANY]}
            for row in self._read(self.of_year.where(LedgerEntry.person_id.in_(list(rows)))):
                rows[row[2]].append(row)
            yield from ((person_id, mine, True) for person_id, mine in rows.items())
        for person_id in (person_id for person_id, more in found if more):
            page = self._read(self.page, person_id)
            yield person_id, page, len(page) < PAGE

    def credited(self, person_id: int, rows: list[tuple], complete: bool, cycle_start: date | None) -> bool:
        """``rules.credits_in_year`` as the whole ledger would say it: true as soon as one of
        ``rows`` (or of the rest of the year, when they are not all of it) settles the
        year; otherwise from all the year's activities in date order, and earlier years'
        too when they count (as ``_of_year`` reads them)."""
        framework_, year = self.framework, self.year
        if any(rules.settles_year(framework_, _activity(row), year) for row in rows):
            return True
        if not complete:  # all of them, then (a second read need not keep the first's order)
            rows = self._read(self.mine, person_id)
            if any(rules.settles_year(framework_, _activity(row), year) for row in rows):
                return True
        activities = [_activity(row) for row in sorted(rows, key=_IN_ORDER)]
        if rules.has_cycle_caps(framework_) and rules.depends_on_history(framework_, activities, year):
            activities = [_activity(row) for row in sorted(self._read(self.history, person_id), key=_IN_ORDER)]
        return rules.credits_in_year(framework_, activities, year, cycle_start)

    @staticmethod
    def _read(statement: Select, person_id: int | None = None) -> list[tuple]:
        # Core, not the ORM: these are rows, and the ORM's overhead would be most of the cost.
        parameters = {"person": person_id} if person_id is not None else {}
        return list(map(tuple, db.session.connection().execute(statement, parameters)))
