"""Credit frameworks and each person's profile: which framework they report under and
when their cycle starts (the department's default until they choose)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

from ..auth.service import Actor
from ..errors import DomainError, Forbidden
from ..extensions import db
from . import rules
from .frameworks import Framework, load_frameworks
from .models import CreditProfile


def frameworks() -> dict[str, Framework]:
    """Every framework, the instance's overriding the package's, loaded once per app."""
    found = current_app.extensions.get("recognition.frameworks")
    if found is None:
        found = load_frameworks(current_app.instance_path)
        current_app.extensions["recognition.frameworks"] = found
    return found


def framework(framework_id: str, field: str = "framework") -> Framework:
    found = frameworks().get(framework_id)
    if found is None:
        raise DomainError.field(
            field,
            f"must be one of {', '.join(sorted(frameworks()))}",
            f"There is no credit framework {framework_id!r}.",
        )
    return found


@dataclass(frozen=True)
class Profile:
    framework_id: str
    cycle_start: date | None
    chosen: bool  # False: the department default, never set by the person


def profile_of(person_id: int) -> Profile:
    row = db.session.get(CreditProfile, person_id)
    if row is None:
        return Profile(current_app.config["CREDIT_FRAMEWORK"], None, False)
    return Profile(row.framework_id, row.cycle_start, True)


def set_profile(person_id: int, framework_id: str, cycle_start: date | None, actor: Actor, now: datetime) -> Profile:
    """A person sets their own framework and cycle start (an admin may set anyone's)."""
    if person_id != actor.person_id and not actor.is_admin:
        raise Forbidden("You can set only your own credit framework.", {"person_id": ["must be yourself"]})
    chosen = framework(framework_id, "framework_id")
    if cycle_start is not None:
        version = chosen.version_on(cycle_start)
        if version is None and any(v.cycle for v in chosen.versions):
            first = chosen.versions[0].effective_from
            raise DomainError.field(
                "cycle_start", f"must be on or after {first.isoformat()}, when {chosen.name} begins"
            )
        if version is None or version.cycle is None:
            raise DomainError.field("cycle_start", f"{chosen.name} has no cycles; leave the cycle start empty")
        first_day = rules.year_span(version, rules.year_of(version, cycle_start))[0]
        if cycle_start != first_day:
            # Cycles run on the framework's years (MOC: calendar years; Mainpro+: July-June).
            raise DomainError.field(
                "cycle_start",
                f"must be {rules.day_month(first_day)}, the first day of a {chosen.name} year",
                f"{chosen.name} cycles start on {rules.day_month(first_day)}: your cycle starting in "
                f"{cycle_start:%B %Y} began on {first_day.isoformat()}. Enter that date.",
            )
        if cycle_start > rules.add_years(now.date(), 1):
            raise DomainError.field("cycle_start", "must not be more than a year ahead")
    row = db.session.get(CreditProfile, person_id)
    if row is None:
        row = CreditProfile(person_id=person_id)
        db.session.add(row)
    row.framework_id, row.cycle_start, row.updated_at = framework_id, cycle_start, now
    db.session.flush()
    return profile_of(person_id)
