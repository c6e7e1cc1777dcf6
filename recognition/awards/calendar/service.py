"""The deadlines that concern one person, as an iCalendar feed their calendar app subscribes to.

What goes in, and for whom:

    nominations open / close     who may nominate (``notices.audience``: everyone, or the
                                 division's people for a division award)
    add your philosophy          a nominee, on the day nominations close
    review ends                  the cycle's committee members
    decision due                 the award's managers (``nominations.is_manager``)
    announcement                 who may nominate
    CFAR due                     the person: CFAR_YEARS after their appointment (the
                                 earliest recorded one, else the roster's), or
                                 CFAR_EXTENSION_YEARS after a recorded extension; none
                                 once a CFAR is recorded as passed
    check-in                     both sides of a formal mentorship, CHECK_IN_MONTHS after it began

Cycles not yet announced are in the feed, and announced ones for a year after, so a
season's dates do not vanish the day it ends; personal dates likewise stay a year.

Every event is a whole day (``VALUE=DATE``): a deadline is a date, not a moment, so no
time zone or daylight-saving change can move it. Its UID names what it is (``cycle-12-
closes@host``), never when, so a moved date updates the event instead of adding another;
SEQUENCE counts the moves.

The subscription URL carries a token (an HMAC of the person's id with SECRET_KEY, and of
the nonce in ``CalendarFeedKey`` once its owner has rotated it), because calendar apps
cannot sign in. Rotating replaces the nonce, so a URL that leaked stops answering at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import or_, select

from ... import links
from ...auth.models import Account
from ...auth.service import load_actor
from ...clock import add_months
from ...extensions import db
from ...mentorships.models import Mentorship
from ...milestones.queries import appointed_on, cfar_due_for, standing
from ...people.models import Person
from ..models import CommitteeMember, Cycle, CycleDateChange, Nomination
from ..nominations.service import is_manager
from .models import CalendarFeedKey

HISTORY_MONTHS = 12
REFRESH = timedelta(hours=12)
PRODID = "-//recognition//Mentorship recognition deadlines//EN"


@dataclass(frozen=True)
class Deadline:
    key: str  # what the event is, stable across fetches: the UID before the "@"
    day: date
    summary: str
    description: str
    path: str
    sequence: int = 0


def _base() -> str:
    return links.base_url()


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# The subscription token ---------------------------------------------------------------


def token(person_id: int) -> str:
    """The secret part of a person's feed URL: HMAC-SHA256 of ``calendar:<id>`` (and
    ``:<nonce>`` once rotated), 32 hex digits."""
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    key = db.session.get(CalendarFeedKey, person_id)
    message = f"calendar:{person_id}" if key is None else f"calendar:{person_id}:{key.nonce}"
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()[:32]


def token_matches(person_id: int, given: str) -> bool:
    return hmac.compare_digest(token(person_id).encode(), given.encode("utf-8", "replace"))


def rotate(person_id: int, now: datetime) -> CalendarFeedKey:
    """Give the person's feed a new URL; the old one answers 404 from now on. Flushes."""
    key = db.session.get(CalendarFeedKey, person_id)
    if key is None:
        key = CalendarFeedKey(person_id=person_id)
        db.session.add(key)
    key.nonce = secrets.token_hex(16)
    key.rotated_at = now
    db.session.flush()
    return key


def rotated_at(person_id: int) -> datetime | None:
    key = db.session.get(CalendarFeedKey, person_id)
    return key.rotated_at if key is not None else None


def feed_url(person_id: int) -> str:
    return f"{_base()}/calendar/{person_id}/{token(person_id)}.ics"


def subscriber(person_id: int) -> Person | None:
    """The person a feed belongs to, while their account is enabled (a feed of someone who
    left stops answering)."""
    enabled = db.session.scalar(
        select(Account.person_id).where(Account.person_id == person_id, Account.disabled.is_(False))
    )
    return db.session.get(Person, person_id) if enabled is not None else None


# What concerns the person ---------------------------------------------------------------


def _may_nominate(person: Person, cycle: Cycle) -> bool:
    """``notices.audience`` for one person (whose account is enabled: see ``subscriber``)."""
    return cycle.award.level != "division" or person.division_id == cycle.award.division_id


def _cycles(day: date) -> list[Cycle]:
    since = add_months(day, -HISTORY_MONTHS)
    return list(
        db.session.scalars(
            select(Cycle)
            .where(or_(Cycle.phase != "announced", Cycle.announce_on >= since))
            .order_by(Cycle.opens_on, Cycle.id)
        )
    )


def _moves(cycle_ids: list[int]) -> dict[tuple[int, str], int]:
    """How often each date of each cycle was moved: the events' SEQUENCE."""
    counts: dict[tuple[int, str], int] = {}
    if cycle_ids:
        for cycle_id, field in db.session.execute(
            select(CycleDateChange.cycle_id, CycleDateChange.field).where(CycleDateChange.cycle_id.in_(cycle_ids))
        ):
            counts[(cycle_id, field)] = counts.get((cycle_id, field), 0) + 1
    return counts


def _event(
    cycle: Cycle, moves: dict, field: str, name: str, summary: str, description: str, path: str | None = None
) -> Deadline:
    return Deadline(
        f"cycle-{cycle.id}-{name}",
        getattr(cycle, field),
        summary,
        description,
        path or f"/awards/cycles/{cycle.id}",
        moves.get((cycle.id, field), 0),
    )


def _cycle_deadlines(person: Person, day: date) -> list[Deadline]:
    cycles = _cycles(day)
    if not cycles:
        return []
    ids = [c.id for c in cycles]
    actor = load_actor(person.id)
    member_of = set(
        db.session.scalars(
            select(CommitteeMember.cycle_id).where(
                CommitteeMember.person_id == person.id, CommitteeMember.cycle_id.in_(ids)
            )
        )
    )
    nominated = dict(
        db.session.execute(
            select(Nomination.cycle_id, Nomination.id).where(
                Nomination.nominee_id == person.id, Nomination.cycle_id.in_(ids)
            )
        ).all()
    )
    moves = _moves(ids)
    found = []
    for cycle in cycles:
        title = f"{cycle.award.name} {cycle.year}"
        audience = _may_nominate(person, cycle)
        if audience:
            found.append(
                _event(
                    cycle,
                    moves,
                    "opens_on",
                    "opens",
                    f"Nominations open: {title}",
                    f"Nominations for the {title} are open from today until {_long(cycle.closes_on)}. "
                    "Nominate a colleague with a statement and up to five supporting letters.",
                )
            )
            found.append(
                _event(
                    cycle,
                    moves,
                    "closes_on",
                    "closes",
                    f"Nominations close: {title}",
                    f"The last day to nominate a colleague for the {title}.",
                )
            )
        if cycle.id in nominated:
            found.append(
                _event(
                    cycle,
                    moves,
                    "closes_on",
                    "philosophy",
                    f"Add your mentoring philosophy by {_long(cycle.closes_on)}: {title}",
                    f"You have been nominated for the {title}. You may add a statement of your mentoring "
                    f"philosophy to your nomination until {_long(cycle.closes_on)}.",
                    f"/awards/nominations/{nominated[cycle.id]}",
                )
            )
        if cycle.id in member_of:
            found.append(
                _event(
                    cycle,
                    moves,
                    "review_ends_on",
                    "review-ends",
                    f"Committee review ends: {title}",
                    f"The last day to score the nominees for the {title}; scores can change until then.",
                )
            )
        if actor is not None and is_manager(actor, cycle):
            found.append(
                _event(
                    cycle,
                    moves,
                    "decision_on",
                    "decision",
                    f"Decision due: {title}",
                    f"Record the winners of the {title} from the committee's ranking; the announcement "
                    f"is planned for {_long(cycle.announce_on)}.",
                    f"/awards/cycles/{cycle.id}/ranking",
                )
            )
        if audience:
            found.append(
                _event(
                    cycle,
                    moves,
                    "announce_on",
                    "announcement",
                    f"Announcement: {title}",
                    f"The winners of the {title} are announced.",
                    "/recognition",
                )
            )
    return found


def _cfar_deadline(person: Person, day: date) -> Deadline | None:
    """The person's CFAR as it stands on ``day`` (``cfar_due_for``): due CFAR_YEARS after the
    appointment, or CFAR_EXTENSION_YEARS after a recorded extension; none once one is
    recorded as passed. Only ever "due": a CFAR is reached when its outcome is recorded.
    Each standing extension moves the event, so it counts in SEQUENCE."""
    config = current_app.config
    milestones = standing([person.id], until=day).get(person.id, [])
    appointed = appointed_on(person.appointed_on, milestones)
    due = cfar_due_for(appointed, milestones)
    if due is None:
        return None
    reviews = [m for m in milestones if m.kind == "cfar"]
    if reviews:
        why = (
            f"Your CFAR was extended on {_long(reviews[-1].occurred_on)}; the re-review is due "
            f"{config['CFAR_EXTENSION_YEARS']} years later."
        )
    else:
        assert appointed is not None  # with no CFAR recorded, a due date is counted from the appointment
        why = f"Your CFAR is due {config['CFAR_YEARS']} years after your appointment on {_long(appointed)}."
    return Deadline(
        f"cfar-{person.id}",
        due,
        "Your CFAR is due (Continuing Faculty Appointment Review)",
        f"{why} Review your academic plan and gather your mentorship evidence ahead of it.",
        f"/people/{person.id}",
        len(reviews),
    )


def _personal_deadlines(person: Person, day: date) -> list[Deadline]:
    config = current_app.config
    since = add_months(day, -HISTORY_MONTHS)
    found = []
    cfar = _cfar_deadline(person, day)
    if cfar is not None and cfar.day >= since:
        found.append(cfar)
    months = int(config["CHECK_IN_MONTHS"])
    mentorships = db.session.scalars(
        select(Mentorship)
        .where(Mentorship.kind == "formal", or_(Mentorship.mentor_id == person.id, Mentorship.mentee_id == person.id))
        .order_by(Mentorship.id)
    ).all()
    for mentorship in mentorships:
        due = add_months(mentorship.started_on, months)
        if due < since or (mentorship.ended_on is not None and mentorship.ended_on < due):
            continue
        other = mentorship.mentee if mentorship.mentor_id == person.id else mentorship.mentor
        found.append(
            Deadline(
                f"mentorship-{mentorship.id}-check-in",
                due,
                f"{months / 12:g}-year check-in with {other.name}",
                f"The formal mentorship of {mentorship.mentee.name} by {mentorship.mentor.name}, begun on "
                f"{_long(mentorship.started_on)}, reaches {months} months: time for the "
                f"{months / 12:g}-year check-in.",
                f"/mentorships/{mentorship.id}",
            )
        )
    return found


def deadlines(person: Person, day: date) -> list[Deadline]:
    """Everything in the person's feed on ``day``, in date order."""
    found = _cycle_deadlines(person, day) + _personal_deadlines(person, day)
    return sorted(found, key=lambda d: (d.day, d.key))


def upcoming(person: Person, day: date) -> list[Deadline]:
    return [d for d in deadlines(person, day) if d.day >= day]


# The feed -----------------------------------------------------------------------------


def feed(person: Person, day: date, now: datetime) -> bytes:
    """The person's deadlines as an iCalendar (RFC 5545) document to publish."""
    config = current_app.config
    base = _base()
    host = urlsplit(base).hostname or "recognition"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = f"{config['DEPARTMENT_NAME']}: mentoring deadlines"
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("x-wr-caldesc", f"Award and mentoring deadlines that concern {person.name}.")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    stamp = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)
    for deadline in deadlines(person, day):
        event = Event()
        event.add("uid", f"{deadline.key}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.day)
        event.add("dtend", deadline.day + timedelta(days=1))
        event.add("summary", deadline.summary)
        event.add("description", f"{deadline.description}\n\n{base}{deadline.path}")
        event.add("url", f"{base}{deadline.path}")
        event.add("sequence", deadline.sequence)
        event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
        calendar.add_component(event)
    return calendar.to_ical()
