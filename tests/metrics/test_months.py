"""The year still running, read from its months' snapshots (to yesterday) and today's
entries, gives what one read of the whole year gives: the share confirmed, the days to
confirm and the count of unconfirmed entries; and a late confirmation dated in a closed
month is counted at once.

"Today" is 20 October 2025 (the services take the day as an argument): January to
September are whole months gone by, and October to the 19th. Six mentees, three in Cardiology and three in Nephrology,
each with a meeting in January, April, July and October; the January and July ones
confirmed after 30 to 180 hours, one April one reversed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from types import MappingProxyType

import pytest
from sqlalchemy import select

from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.metrics import attention, measures, months, service
from recognition.metrics.memo import memo
from recognition.metrics.models import MetricSnapshot
from recognition.people.models import Person
from recognition.scheduler import runner
from tests.conftest import module_app, selected_backends
from tests.support.department import Department

TODAY = date(2025, 10, 20)
MEASURED = ("entries_confirmed", "confirmation_days")


def recorded(day: date, hours: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day) + timedelta(hours=hours)


def build() -> Department:
    dept = Department.build()
    for n in range(6):
        code, mentor = (("CARD", "mentor"), ("NEPH", "other_mentor"))[n % 2]
        person = Person(
            name=f"{code} Mentee {n}",
            email=f"mentee{n}@months.example.org",
            division_id=dept.divisions[code],
            rank="assistant",
            position="clinician_teacher",
            appointed_on=date(2024, 9, 1),
            created_at=recorded(date(2024, 9, 1)),
        )
        db.session.add(person)
        db.session.flush()
        tie = Mentorship(
            mentor_id=dept.ids[mentor],
            mentee_id=person.id,
            kind="formal",
            started_on=date(2024, 9, 1),
            created_at=recorded(date(2024, 9, 1)),
        )
        db.session.add(tie)
        db.session.flush()
        for month in (1, 4, 7, 10):
            day = date(2025, month, 2 + n)
            entry = ledger.record(
                {"kind": "meeting", "mentorship_id": tie.id, "minutes": 30, "occurred_on": day},
                load_actor(dept.ids[mentor]),
                recorded(day),
            )
            if month in (1, 7):
                ledger.confirm(entry, load_actor(person.id), recorded(day, 9 + 30 * (n + 1)))
            if month == 4 and n == 0:
                ledger.reverse(entry, "Recorded twice", load_actor(dept.ids[mentor]), recorded(day, 10))
    db.session.commit()
    return dept


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "months") as app:
        with app.app_context():
            dept = build()
        yield app, dept


def this_year(from_months: bool):
    """The two measures of the confirmations pass for 2025 as of TODAY: from the closed
    months and the month under way, or from one read of the whole year."""
    memo().clear()
    year = service.year_of(TODAY.year, TODAY)
    if from_months:
        months.confirmations(year)
    found = {}
    for metric_id in MEASURED:
        metric = service.definitions()[metric_id]
        found[metric_id] = measures.MEASURES[metric.measure](metric, year)
    return found


def stored_months(key_kind: str) -> dict[int, int]:
    """{month: ledger_seq} of the stored month snapshots of one kind."""
    keys = {months.key_of(key_kind, month): month for month in range(1, 13)}
    rows = db.session.scalars(select(MetricSnapshot).where(MetricSnapshot.year == TODAY.year))
    return {keys[row.key]: row.ledger_seq for row in rows if row.key in keys}


def test_this_year_from_its_closed_months_is_the_whole_years_reading(world, monkeypatch):
    app, _ = world
    with app.app_context():
        whole = this_year(from_months=False)
        assert this_year(from_months=True) == whole  # the first computes and stores them
        db.session.commit()
        assert sorted(stored_months(measures.CONFIRMATIONS)) == list(range(1, 11))
        read = []

        def reading(*days):
            read.append(days)
            return measures.confirmations_between(*days)

        monkeypatch.setattr(months, "confirmations_between", reading)
        assert this_year(from_months=True) == whole  # now from the snapshots
        assert read == [(TODAY, TODAY)]  # only today is read
        _, tallies = whole["confirmation_days"]
        days = sorted(value for cells in tallies.values() for value, _ in cells["days"].counted)
        assert days == [30 / 24 * (n + 1) for n in range(6)]  # January and July alike
        _, tallies = whole["entries_confirmed"]
        assert sum(cells["confirmed"].part for cells in tallies.values()) == 12
        assert sum(cells["confirmed"].whole for cells in tallies.values()) == 23  # one reversed


def test_a_late_confirmation_in_a_closed_month_is_counted_at_once(world):
    app, _ = world
    with app.app_context():
        this_year(from_months=True)
        db.session.commit()
        stored = stored_months(measures.CONFIRMATIONS)
        entry = db.session.scalar(
            select(LedgerEntry).where(
                LedgerEntry.occurred_on == date(2025, 4, 3), LedgerEntry.entry_type == "contribution"
            )
        )
        mentee = db.session.get(Mentorship, entry.mentorship_id).mentee_id
        ledger.confirm(entry, load_actor(mentee), recorded(date(2025, 10, 19)))  # dated 3 April
        db.session.commit()
        whole = this_year(from_months=False)
        assert this_year(from_months=True) == whole
        _, tallies = whole["entries_confirmed"]
        assert sum(cells["confirmed"].part for cells in tallies.values()) == 13
        db.session.commit()
        rebuilt = stored_months(measures.CONFIRMATIONS)
        assert {month for month in rebuilt if rebuilt[month] != stored[month]} == set(range(4, 11))
        assert all(rebuilt[month] == stored[month] for month in (1, 2, 3))


def test_the_unconfirmed_count_adds_up_the_months_snapshots(world, monkeypatch):
    """Sixty-one days before TODAY is 20 August: the entries of January to July come from
    their months' snapshots, and August's to that day from one of its own."""
    app, _ = world
    monkeypatch.setattr(attention, "LIMIT", 2)  # the list is full: the count is needed
    last = TODAY - attention.STALE_AFTER
    with app.app_context():
        _, whole = attention.unconfirmed_between(date(2025, 1, 1), last)
        expected = sum(cells["unconfirmed"].part for cells in whole.values())
        assert expected >= 4  # April's, but one reversed (and one confirmed late, above)
        first = attention.unconfirmed(COMMAND_LINE, TODAY, None)
        db.session.commit()
        assert sorted(stored_months("unconfirmed")) == list(range(1, 9))
        monkeypatch.setattr(attention, "unconfirmed_between", lambda *days: pytest.fail(f"read {days}"))
        again = attention.unconfirmed(COMMAND_LINE, TODAY, None)
        assert first.total == again.total == expected


@pytest.mark.parametrize("window", [12, 3])
def test_lapsed_this_year_from_the_months_is_the_live_count(world, window):
    """Twelve months back every relationship met (January and July confirmed); three
    months back (from 21 July) none did: July's confirmed meetings were before the 21st,
    which the window's first month, read from its snapshot, must leave out."""
    app, _ = world
    with app.app_context():
        metric = replace(service.definitions()["lapsed_relationships"], params=MappingProxyType({"months": window}))
        year = service.year_of(TODAY.year, TODAY)
        memo().clear()
        whole = measures.MEASURES["lapsed"](metric, year)
        assert months.measured(metric, year) == whole
        db.session.commit()
        assert months.measured(metric, year) == whole  # from the snapshots
        _, tallies = whole
        lapsed = sum(cells["lapsed"].part for cells in tallies.values())
        pool = sum(cells["lapsed"].whole for cells in tallies.values())
        assert pool - lapsed == (6 if window == 12 else 0)  # the six that met, or none


def test_the_daily_job_deletes_the_months_of_years_before_last(world):
    app, _ = world
    with app.app_context():
        for years_ago in (2, 1):
            year = today().year - years_ago
            db.session.add(
                MetricSnapshot(
                    year=year,
                    key=months.key_of("unconfirmed", 12),
                    last_day=date(year, 12, 31),
                    ledger_seq=0,
                    basis="",
                    computed_at=utcnow(),
                    tallies="{}",
                )
            )
        db.session.commit()
    runner.run(app, "metric_snapshots", today())
    with app.app_context():
        key = months.key_of("unconfirmed", 12)
        left = set(db.session.scalars(select(MetricSnapshot.year).where(MetricSnapshot.key == key)))
        assert today().year - 2 not in left
        assert today().year - 1 in left  # still read, or rebuilt, while last year's window runs
