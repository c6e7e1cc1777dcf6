"""Batch planning decides in the database, reading only the year's activities, and plans
exactly what the old algorithm planned: every activity of everyone, loaded and credited.

The old algorithm is kept here as the reference. Random small ledgers (people under
every framework, with and without a cycle start, entries of every kind over several
years, reversals, confirmations, reflections, statements current, revoked, superseded
or out of date) must give the same eligible pairs and the same re-issues and stale
statements, for each person's own framework and for each framework for everyone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from recognition.credits import activities, batch, canonical, profiles, rules
from recognition.credits.activities import PERSONAL_KINDS, Credited, Source, credits_for
from recognition.credits.frameworks import parse
from recognition.credits.models import CreditProfile, Statement, StatementRevocation
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.ledger.rules import LABELS
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from recognition.reflections.models import Reflection

NOW = datetime(2026, 3, 1, 12, 0)
YEARS = (2021, 2022, 2023)
FRAMEWORKS = ("royal_college_moc", "cfpc_mainpro", "ama_pra", "department_points", "tight")
# Caps small enough for a few entries to reach, per cycle among them, and a second
# version whose years start in July and whose cycles are longer.
TIGHT_RULES = [
    {
        "id": "prep",
        "kinds": ["mentoring_preparation"],
        "section": "own",
        "rate_per_hour": 1,
        "rounding": {"step": 0.25, "mode": "nearest"},
        "caps": {"per_activity": 2, "per_cycle": 3},
    },
    {
        "id": "training",
        "kinds": ["mentor_training"],
        "section": "shared",
        "per_activity": 1,
        "rounding": {"step": 1, "mode": "down"},
        "caps": {"per_year": 2},
    },
    {
        "id": "meeting",
        "kinds": ["meeting", "academic_plan_review"],
        "section": "shared",
        "per_activity": 1,
        "requires": ["confirmed"],
        "rounding": {"step": 1, "mode": "down"},
        "caps": {"per_mentee_per_year": 1},
    },
    {
        "id": "reflection",
        "kinds": ["feedback_reflection"],
        "section": "own",
        "rate_per_hour": 2,
        "requires": ["feedback_source"],
        "feedback_received": True,
        "rounding": {"step": 1, "mode": "up"},
    },
    {
        "id": "other",
        "kinds": ["other"],
        "section": "own",
        "per_activity": 1,
        "rounding": {"step": 1, "mode": "down"},
        "caps": {"per_year": 0},
    },
]
TIGHT = {
    "id": "tight",
    "name": "Tight caps",
    "unit": "credits",
    "source": "tests",
    "versions": [
        {
            "effective_from": "2000-01-01",
            "year_starts": "01-01",
            "sections": {"own": "Own", "shared": "Shared"},
            "rules": TIGHT_RULES,
            "section_caps": {"shared": {"per_cycle": 4}},
            "cycle": {"years": 2, "total_min": 1, "yearly_min": 1},
        },
        {
            "effective_from": "2022-07-01",
            "year_starts": "07-01",
            "sections": {"own": "Own", "shared": "Shared"},
            "rules": TIGHT_RULES,
            "section_caps": {"shared": {"per_year": 3}},
            "cycle": {"years": 3, "total_min": 1, "yearly_min": 1},
        },
    ],
}
PEOPLE = ("mentor", "other_mentor", "director", "mentee", "outsider")
KINDS = (
    "meeting",
    "academic_plan_review",
    "peer_group_session",
    "sponsorship_action",
    "mentor_training",
    "mentoring_preparation",
    "other",
    "feedback_reflection",
    "milestone",
)


# The reference: planning as it was, over every activity of everyone ---------------------


def old_activities_of(person_ids: list[int] | None = None) -> dict[int, list[tuple[Source, rules.Activity]]]:
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
            LedgerEntry.kind != "milestone",
            ~exists().where(reversal.target_id == LedgerEntry.id, reversal.entry_type == "reversal"),
        )
        .order_by(LedgerEntry.person_id, LedgerEntry.occurred_on, LedgerEntry.seq)
    )
    if person_ids is not None:
        statement = statement.where(LedgerEntry.person_id.in_(person_ids))
    rows = db.session.execute(statement).all()
    ids = [entry.id for entry, _, _ in rows if entry.kind == "feedback_reflection"]
    reflections = {
        r.ledger_entry_id: r for r in db.session.scalars(select(Reflection).where(Reflection.ledger_entry_id.in_(ids)))
    }
    found: dict[int, list[tuple[Source, rules.Activity]]] = defaultdict(list)
    for entry, mentee_id, confirmed in rows:
        reflection = reflections.get(entry.id)
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
        found[entry.person_id].append((old_source(entry, reflection), activity))
    return found


def old_source(entry: LedgerEntry, reflection: Reflection | None) -> Source:
    label = LABELS.get(entry.kind, entry.kind)
    if reflection is not None:
        about = f"feedback report ({reflection.period})" if reflection.source == "report" else reflection.source_name
        title, summary = (
            f"Reflection on feedback received: {about}",
            f"{reflection.area.strip()} Next steps: {reflection.next_steps.strip()}",
        )
    elif entry.kind in PERSONAL_KINDS and entry.mentorship_id is None:
        detail = entry.accreditation or activities._clip(entry.note, 120)
        title, summary = (f"{label}: {detail}" if detail else label), ""
    else:
        title = f"{label} with a mentee" if entry.kind not in PERSONAL_KINDS else f"{label} (for a mentee)"
        summary = ""
    return Source(entry.id, entry.entry_hash, entry.kind, entry.occurred_on, entry.minutes, title, summary)


def old_eligible(year: int, framework_id: str | None = None) -> list[tuple[int, str]]:
    everyone = old_activities_of(None)
    stored = {row.person_id: row for row in db.session.scalars(select(CreditProfile))}
    default = current_app.config["CREDIT_FRAMEWORK"]
    issued = set(
        db.session.execute(select(Statement.person_id, Statement.framework_id).where(Statement.year == year)).all()
    )
    pairs = []
    for person_id, sourced in everyone.items():
        profile = stored.get(person_id)
        own = profile.framework_id if profile and profile.framework_id in profiles.frameworks() else default
        chosen = profiles.framework(framework_id or own)
        if (person_id, chosen.id) in issued:
            continue
        cycle_start = profile.cycle_start if profile and profile.framework_id == chosen.id else None
        credited = credits_for(chosen, sourced, cycle_start)
        if any(c.credit.year == year and c.credit.credits > 0 for c in credited):
            pairs.append((person_id, chosen.id))
    return sorted(pairs)


def old_basis(person_id: int, framework_id: str, year: int) -> dict:
    chosen = profiles.framework(framework_id)
    profile = db.session.get(CreditProfile, person_id)
    cycle_start = profile.cycle_start if profile and profile.framework_id == chosen.id else None
    credited: list[Credited] = credits_for(chosen, old_activities_of([person_id]).get(person_id, []), cycle_start)
    return canonical.basis(db.session.get(Person, person_id), chosen, year, credited)


def old_changed(year: int, framework_id: str | None) -> tuple[list, list]:
    query = select(
        Statement.id, Statement.person_id, Statement.framework_id, Statement.version, Statement.basis_hash
    ).where(Statement.year == year)
    if framework_id is not None:
        query = query.where(Statement.framework_id == framework_id)
    newest: dict[tuple[int, str], Any] = {}
    for row in db.session.execute(query):
        key = (row.person_id, row.framework_id)
        if key not in newest or row.version > newest[key].version:
            newest[key] = row
    revoked = set(db.session.scalars(select(StatementRevocation.statement_id)))
    changed, stale = [], []
    for row in sorted((r for r in newest.values() if r.id not in revoked), key=lambda r: (r.person_id, r.framework_id)):
        counted = old_basis(row.person_id, row.framework_id, year)
        if canonical.sha256(canonical.canonical(counted)) == row.basis_hash:
            continue
        if counted["activities"]:
            changed.append(batch.Item(row.person_id, row.framework_id, reissue=True))
        else:
            stale.append(batch.Outcome(row.person_id, row.framework_id, "skipped", batch.STALE))
    return changed, stale


# Random ledgers --------------------------------------------------------------------------


def entries(least: int, most: int):
    return st.lists(
        st.fixed_dictionaries(
            {
                "person": st.sampled_from(PEOPLE[:3]),
                "kind": st.sampled_from((*KINDS, "mentoring_preparation", "mentoring_preparation", "mentor_training")),
                "with_mentee": st.booleans(),
                "on": st.dates(date(2020, 1, 1), date(2023, 9, 30)),
                "minutes": st.sampled_from((0, 7, 20, 45, 90, 240, 600)),
                "accredited": st.booleans(),
                "source": st.sampled_from((None, "Peer review", " ")),
                "confirmed": st.booleans(),
                "reversed": st.sampled_from((False, False, True)),
            }
        ),
        min_size=least,
        max_size=most,
    )


chosen_profiles = st.fixed_dictionaries(
    {
        role: st.one_of(
            st.none(),
            st.tuples(
                st.sampled_from((*FRAMEWORKS, "withdrawn_framework")),
                st.sampled_from((None, date(2019, 1, 1), date(2020, 7, 1), date(2022, 1, 1), date(2021, 3, 15))),
            ),
        )
        for role in PEOPLE
    }
)
# What happens to each eligible pair's statement: none, one that says what the ledger
# says, one that says something else, a revoked one, or one superseded by a second.
fates = st.lists(st.sampled_from(("none", "current", "different", "revoked", "superseded")), min_size=12, max_size=12)


def add_entries(dept, drawn: list[dict]) -> None:
    admin = dept.ids["admin"]
    pairs = {"mentor": dept.mentorship_id, "other_mentor": dept.other_mentorship_id}
    for n, d in enumerate(drawn):
        mentorship_id = (
            pairs.get(d["person"])
            if d["with_mentee"] or d["kind"] in ("meeting", "academic_plan_review", "peer_group_session")
            else None
        )
        if d["kind"] in ("meeting", "academic_plan_review", "peer_group_session") and mentorship_id is None:
            continue  # work between two people needs a mentorship
        entry = ledger.append(
            LedgerEntry(
                entry_type="contribution",
                kind=d["kind"],
                mentorship_id=mentorship_id,
                person_id=dept.ids[d["person"]],
                occurred_on=d["on"],
                minutes=d["minutes"],
                note=f"Entry {n} " * (n % 3) * 20,
                accreditation="CME-42" if d["accredited"] else None,
                recorded_by_id=admin,
            ),
            NOW,
        )
        if d["kind"] == "feedback_reflection":
            db.session.add(
                Reflection(
                    ledger_entry_id=entry.id,
                    person_id=entry.person_id,
                    source="external",
                    source_name=d["source"] or "",
                    area="Listening ",
                    question="q",
                    standards="s",
                    comparison="c",
                    discussion="d",
                    next_steps=" Ask more.",
                    created_at=NOW,
                )
            )
        follow = (("confirmation", d["confirmed"] and mentorship_id is not None), ("reversal", d["reversed"]))
        for entry_type, wanted in follow:
            if wanted and d["kind"] != "milestone":
                ledger.append(
                    LedgerEntry(
                        entry_type=entry_type,
                        mentorship_id=mentorship_id,
                        person_id=entry.person_id,
                        occurred_on=entry.occurred_on,
                        minutes=entry.minutes,
                        recorded_by_id=admin,
                        target_id=entry.id,
                        reason="Wrong day." if entry_type == "reversal" else None,
                    ),
                    NOW,
                )
    db.session.flush()


def add_statements(dept, year: int, pairs: list[tuple[int, str]], drawn: list[str]) -> None:
    for n, ((person_id, framework_id), fate) in enumerate(zip(pairs, drawn)):
        if fate == "none":
            continue
        basis_hash = canonical.sha256(canonical.canonical(old_basis(person_id, framework_id, year)))
        versions = 2 if fate == "superseded" else 1
        previous = None
        for version in range(1, versions + 1):
            said = "0" * 64 if fate == "different" or version < versions else basis_hash
            statement = Statement(
                number=f"T-{year}-{n}-{framework_id}-{version}",
                person_id=person_id,
                framework_id=framework_id,
                year=year,
                version=version,
                supersedes_id=previous,
                code=f"C{year}{n}{framework_id[:4]}{version}",
                basis_hash=said,
                total="1.00",
                document="{}",
                content_hash=f"{year}{n}{framework_id}{version}",
                signature="s",
                key_id="k",
                ledger_seq=1,
                ledger_hash="h",
                pdf=b"%PDF",
                pdf_sha256="p",
                issued_at=NOW,
            )
            db.session.add(statement)
            db.session.flush()
            previous = statement.id
        if fate == "revoked":
            db.session.add(StatementRevocation(statement_id=previous, reason="Wrong person.", revoked_at=NOW))
    db.session.flush()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    before=entries(10, 30),
    after=entries(0, 10),
    chosen=chosen_profiles,
    fate=fates,
    year=st.sampled_from(YEARS),
    renamed=st.booleans(),
)
def test_planning_matches_crediting_every_activity_of_everyone(app, dept, before, after, chosen, fate, year, renamed):
    with app.app_context():
        app.extensions["recognition.frameworks"] = {
            **profiles.frameworks(),
            "tight": parse(json.loads(json.dumps(TIGHT), parse_float=Decimal), "tests"),
        }
        try:
            for role, picked in chosen.items():
                if picked is not None:
                    db.session.add(
                        CreditProfile(
                            person_id=dept.ids[role], framework_id=picked[0], cycle_start=picked[1], updated_at=NOW
                        )
                    )
            add_entries(dept, before)
            for framework_id in (None, *FRAMEWORKS):
                assert activities.eligible(year, framework_id) == old_eligible(year, framework_id)
            pairs = old_eligible(year) + old_eligible(year, "department_points")
            add_statements(dept, year, sorted(set(pairs)), fate)
            add_entries(dept, after)
            if renamed:  # a name is on the statement: a new one changes the basis
                db.session.get(Person, dept.ids["mentor"]).name = "Mentor Renamed"
                db.session.flush()
            for framework_id in (None, *FRAMEWORKS):
                assert activities.eligible(year, framework_id) == old_eligible(year, framework_id)
                assert batch._changed(year, framework_id) == old_changed(year, framework_id)
        finally:
            db.session.rollback()


def test_a_year_whose_per_cycle_cap_earlier_years_used_up_is_not_eligible(app, dept):
    """Earlier years are read for someone whose year is under a per-cycle cap: reading the
    year alone would plan a statement with nothing on it."""
    with app.app_context():
        app.extensions["recognition.frameworks"] = {
            **profiles.frameworks(),
            "tight": parse(json.loads(json.dumps(TIGHT), parse_float=Decimal), "tests"),
        }
        try:
            drawn = [
                {
                    "person": "mentor",
                    "kind": "mentoring_preparation",
                    "with_mentee": False,
                    "on": on,
                    "minutes": 120,
                    "accredited": False,
                    "source": None,
                    "confirmed": False,
                    "reversed": False,
                }
                for on in (date(2020, 2, 1), date(2020, 3, 1), date(2021, 4, 1))
            ]
            add_entries(dept, drawn)
            # 2 credits, then 1 (the cycle's cap of 3), then nothing in 2021, the cycle's second year.
            assert activities.eligible(2020, "tight") == [(dept.ids["mentor"], "tight")]
            assert activities.eligible(2021, "tight") == old_eligible(2021, "tight") == []
        finally:
            db.session.rollback()
