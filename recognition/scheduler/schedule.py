"""When each job runs: its cron fields (the registry's, or the job's entry in
``SCHEDULER_TRIGGERS``), as APScheduler triggers in SCHEDULER_TIMEZONE and in words for
``scheduler --list``."""

from __future__ import annotations

import calendar

from apscheduler.triggers.cron import CronTrigger

from .. import clock
from . import jobs


def trigger_fields(app) -> dict[str, dict]:
    """Each job's cron fields: SCHEDULER_TRIGGERS[job id] if set, else the registry's."""
    overrides = app.config.get("SCHEDULER_TRIGGERS") or {}
    example = "{'feedback_reminders': {'hour': 9, 'minute': 0}}"
    if not isinstance(overrides, dict) or not all(isinstance(fields, dict) for fields in overrides.values()):
        raise ValueError(f"SCHEDULER_TRIGGERS must map job ids to cron fields, like {example}")
    unknown = sorted(set(overrides) - set(jobs.JOBS))
    if unknown:
        raise ValueError(f"SCHEDULER_TRIGGERS names no job {', '.join(unknown)}; the jobs are {', '.join(jobs.JOBS)}")
    return {job_id: dict(overrides.get(job_id, job.trigger)) for job_id, job in jobs.JOBS.items()}


def triggers(app) -> dict[str, CronTrigger]:
    tz = clock.zone(app.config)
    made = {}
    for job_id, fields in trigger_fields(app).items():
        try:
            made[job_id] = CronTrigger(**fields, timezone=tz)
        except (TypeError, ValueError) as error:
            raise ValueError(f"SCHEDULER_TRIGGERS[{job_id!r}] is not a cron schedule: {error}") from None
    return made


WEEKDAYS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def in_words(fields: dict) -> str:
    """A trigger as a person says it: "daily at 06:00", "every Monday at 07:30", "every 10 minutes"."""
    step = str(fields.get("minute", ""))
    if set(fields) == {"minute"} and step.startswith("*/") and step[2:].isdigit():
        return f"every {int(step[2:])} minutes"
    numbers = {"minute": 0} if "minute" not in fields else {}  # APScheduler's default below a given hour
    numbers.update({key: int(value) for key, value in fields.items() if str(value).isdigit()})
    rest = set(fields) - {"hour", "minute"}
    if {"hour", "minute"} <= numbers.keys():
        at = f"at {numbers['hour']:02d}:{numbers['minute']:02d}"
        if not rest:
            return f"daily {at}"
        if rest == {"day_of_week"} and str(fields["day_of_week"]).lower() in WEEKDAYS:
            return f"every {WEEKDAYS[str(fields['day_of_week']).lower()]} {at}"
        if rest == {"month", "day"} and "day" in numbers:
            months = [int(m) for m in str(fields["month"]).split(",") if m.strip().isdigit()]
            if months and len(months) == len(str(fields["month"]).split(",")) and all(1 <= m <= 12 for m in months):
                dates = " and ".join(f"{numbers['day']} {calendar.month_name[m]}" for m in months)
                return f"yearly on {dates} {at}"
    return "cron " + " ".join(f"{key}={value}" for key, value in fields.items())
