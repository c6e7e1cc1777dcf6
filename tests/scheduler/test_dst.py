"""Fire times across the daylight-saving changes of 2026 in America/Toronto (clocks go
forward at 02:00 on 8 March and back at 02:00 on 1 November), through the triggers the
scheduler builds, and the date each run is for. Pure: no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from recognition.clock import add_months
from recognition.scheduler import schedule

TORONTO = ZoneInfo("America/Toronto")


def fires(fields: dict, start: datetime, until: datetime, tz: str = "America/Toronto") -> list[datetime]:
    """Every fire time of a job with these cron fields from ``start`` to ``until``."""
    app = SimpleNamespace(config={"SCHEDULER_TIMEZONE": tz, "SCHEDULER_TRIGGERS": {"feedback_requests": fields}})
    trigger = schedule.triggers(app)["feedback_requests"]
    found, previous, now = [], None, start
    while (next_time := trigger.get_next_fire_time(previous, now)) is not None and next_time <= until:
        found.append(next_time)
        previous = now = next_time
    return found


def run_date(fire_time: datetime) -> date:
    """The date a run is for: what ``runner.fire`` computes from the fire time."""
    return fire_time.astimezone(TORONTO).date()


def utc(fire_time: datetime) -> datetime:
    return fire_time.astimezone(UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    "first, utc_hours",
    [
        (date(2026, 3, 6), [11, 11, 10, 10]),  # EST (UTC−5), then EDT (UTC−4) from 8 March
        (date(2026, 10, 30), [10, 10, 11, 11]),  # EDT, then EST from 1 November
    ],
)
def test_a_daily_0600_job_fires_at_0600_local_once_a_day_on_both_sides(first, utc_hours):
    start = datetime.combine(first, datetime.min.time(), TORONTO)
    found = fires({"hour": 6, "minute": 0}, start, start + timedelta(days=4) - timedelta(seconds=1))

    assert [run_date(t) for t in found] == [first + timedelta(days=n) for n in range(4)]
    assert [t.astimezone(TORONTO).strftime("%H:%M") for t in found] == ["06:00"] * 4
    assert [utc(t).hour for t in found] == utc_hours


def test_a_0230_job_fires_once_on_the_day_0230_does_not_exist():
    """The spring change skips 02:00–03:00. APScheduler 3.11 fires a 02:30 job once that
    day, at the instant 02:30 EST would have been (07:30 UTC, 03:30 EDT by the clock): one
    run, for 8 March, an hour late by the wall clock. We rely on "once, for that date"."""
    start = datetime(2026, 3, 7, 12, 0, tzinfo=TORONTO)
    found = fires({"hour": 2, "minute": 30}, start, start + timedelta(days=2))

    assert [run_date(t) for t in found] == [date(2026, 3, 8), date(2026, 3, 9)]
    assert utc(found[0]) == datetime(2026, 3, 8, 7, 30)
    assert found[0].astimezone(UTC).astimezone(TORONTO).strftime("%H:%M %Z") == "03:30 EDT"
    assert utc(found[1]) == datetime(2026, 3, 9, 6, 30)  # 02:30 EDT


def test_a_0130_job_fires_twice_on_the_day_0130_happens_twice_both_runs_for_that_date():
    """The autumn change repeats 01:00–02:00. APScheduler 3.11 fires a 01:30 job at both
    01:30s. Both runs are for 1 November and every job is idempotent, so the second does
    nothing; the default job times keep out of these hours anyway."""
    start = datetime(2026, 10, 31, 12, 0, tzinfo=TORONTO)
    found = fires({"hour": 1, "minute": 30}, start, start + timedelta(days=2))

    assert [utc(t) for t in found] == [
        datetime(2026, 11, 1, 5, 30),
        datetime(2026, 11, 1, 6, 30),
        datetime(2026, 11, 2, 6, 30),
    ]
    assert [run_date(t) for t in found] == [date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 2)]


def test_every_default_job_time_keeps_out_of_the_hours_daylight_saving_moves():
    app = SimpleNamespace(config={"SCHEDULER_TIMEZONE": "America/Toronto", "SCHEDULER_TRIGGERS": {}})
    dated = 0
    for job_id, fields in schedule.trigger_fields(app).items():
        if "hour" not in fields:  # every few minutes (the outbox): no date in its work to repeat or skip
            assert str(fields["minute"]).startswith("*/"), job_id
            continue
        dated += 1
        assert not 1 <= int(fields["hour"]) < 3, job_id
    assert dated >= 7


def test_weekly_and_yearly_jobs_keep_their_local_time_across_a_change():
    start = datetime(2026, 2, 23, tzinfo=TORONTO)
    mondays = fires({"day_of_week": "mon", "hour": 7, "minute": 30}, start, datetime(2026, 3, 17, tzinfo=TORONTO))
    assert [run_date(t) for t in mondays] == [date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert {t.astimezone(TORONTO).strftime("%a %H:%M") for t in mondays} == {"Mon 07:30"}

    new_years = fires(
        {"month": 1, "day": 1, "hour": 4, "minute": 0},
        datetime(2026, 6, 1, tzinfo=TORONTO),
        datetime(2029, 1, 2, tzinfo=TORONTO),
    )
    assert [utc(t) for t in new_years] == [datetime(year, 1, 1, 9, 0) for year in (2027, 2028, 2029)]

    # The statements job: 04:00 local on 1 January (EST, UTC-5) and on 1 July (EDT, UTC-4).
    halves = fires(
        {"month": "1,7", "day": 1, "hour": 4, "minute": 0},
        datetime(2026, 6, 1, tzinfo=TORONTO),
        datetime(2027, 7, 2, tzinfo=TORONTO),
    )
    assert [utc(t) for t in halves] == [
        datetime(2026, 7, 1, 8, 0),
        datetime(2027, 1, 1, 9, 0),
        datetime(2027, 7, 1, 8, 0),
    ]


def test_the_time_zone_comes_from_configuration():
    [paris] = fires(
        {"hour": 6, "minute": 0},
        datetime(2026, 3, 9, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2026, 3, 9, 23, tzinfo=ZoneInfo("Europe/Paris")),
        tz="Europe/Paris",
    )
    assert utc(paris) == datetime(2026, 3, 9, 5, 0)  # 06:00 CET
    with pytest.raises(ValueError, match="SCHEDULER_TIMEZONE 'Mars/Olympus' is not a time zone"):
        fires(
            {"hour": 6, "minute": 0},
            datetime(2026, 3, 9, tzinfo=UTC),
            datetime(2026, 3, 10, tzinfo=UTC),
            tz="Mars/Olympus",
        )


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"hour": 6, "minute": 0}, "daily at 06:00"),
        ({"hour": "18", "minute": "5"}, "daily at 18:05"),
        ({"hour": 9}, "daily at 09:00"),
        ({"day_of_week": "mon", "hour": 7, "minute": 30}, "every Monday at 07:30"),
        ({"month": 1, "day": 1, "hour": 4, "minute": 0}, "yearly on 1 January at 04:00"),
        ({"month": "1,7", "day": 1, "hour": 4, "minute": 0}, "yearly on 1 January and 1 July at 04:00"),
        ({"hour": "*/2", "minute": 0}, "cron hour=*/2 minute=0"),
        ({"day_of_week": "mon-fri", "hour": 8, "minute": 0}, "cron day_of_week=mon-fri hour=8 minute=0"),
    ],
)
def test_triggers_in_words(fields, words):
    assert schedule.in_words(fields) == words


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2024, 1, 1), 18, date(2025, 7, 1)),
        (date(2024, 8, 31), 18, date(2026, 2, 28)),
        (date(2022, 8, 31), 18, date(2024, 2, 29)),  # a leap year
        (date(2023, 7, 1), 36, date(2026, 7, 1)),
        (date(2024, 2, 29), 36, date(2027, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected
