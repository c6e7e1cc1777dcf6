"""The one place that reads the wall clock. Services take ``now`` as an argument."""

import calendar
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from .config import Defaults


def utcnow() -> datetime:
    """Naive UTC, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today as the department sees it: the date in its time zone (``SCHEDULER_TIMEZONE``),
    not in UTC, so an evening user in Toronto is not handed tomorrow. Every "today" a person
    sees (form prefills, due and overdue, open and closed windows) is this one."""
    return local_date(utcnow())


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# The department's own calendar (SCHEDULER_TIMEZONE) --------------------------------


def zone(config) -> ZoneInfo:
    name = config["SCHEDULER_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"SCHEDULER_TIMEZONE {name!r} is not a time zone name like America/Toronto") from None


def local_today(config) -> date:
    """Today where the department is."""
    return utcnow().replace(tzinfo=UTC).astimezone(zone(config)).date()


def local_date(moment: datetime) -> date:
    """The department's date at ``moment`` (naive UTC, as stored and as services get
    ``now``): in the current app's zone, or outside an app (a test computing what the app
    will see) the default zone. Services use ``local_date(now)`` where they would have used
    ``now.date()``."""
    name = current_app.config["SCHEDULER_TIMEZONE"] if has_app_context() else Defaults.SCHEDULER_TIMEZONE
    key = (moment, moment.tzinfo, name)  # equal aware moments may differ in their wall time
    last = _last_local_date
    if last[0] == key:
        return last[1]
    day = moment.replace(tzinfo=UTC).astimezone(zone({"SCHEDULER_TIMEZONE": name})).date()
    _keep_local_date((key, day))
    return day


def local_dates() -> Callable[[datetime], date]:
    """``local_date`` for many moments (a page's entries, each recorded at its own moment):
    the zone is looked up once."""
    name = current_app.config["SCHEDULER_TIMEZONE"] if has_app_context() else Defaults.SCHEDULER_TIMEZONE
    department = zone({"SCHEDULER_TIMEZONE": name})
    return lambda moment: moment.replace(tzinfo=UTC).astimezone(department).date()


# The last moment ``local_date`` converted and its date: a request asks for its ``now``
# several times (an append four), and each conversion costs a zone's arithmetic. One
# tuple, replaced whole, so another thread reads a whole pair or the one before it.
_last_local_date: tuple[tuple, date] = ((), date.min)


def _keep_local_date(pair: tuple[tuple, date]) -> None:
    global _last_local_date
    _last_local_date = pair


def moment(day: date) -> datetime:
    """The time work done for ``day`` is recorded at (naive UTC, as stored): now when ``day``
    is today, otherwise noon UTC of ``day``, so a run for another date (by hand, or a test)
    decides and records everything as of that date."""
    return utcnow() if day == local_today(current_app.config) else datetime.combine(day, time(12))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative); the month's last day if it has no such day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
