"""The emails an award cycle sends, queued in the outbox with a key each, so each goes once.

call        nominations open: everyone who may nominate (the department, or the division)
reminder    AWARD_CLOSE_REMINDER_DAYS before nominations close: the same people
nominated   a colleague nominated you: the nominee, once per cycle
committee   the review starts (or you joined during it): each member, with their recusals
overdue     the decision date passed with no decision: the award's administrators
result      the announcement: winners, nominees, nominators and the committee
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from .. import links
from ..auth.models import Account, RoleGrant
from ..extensions import db
from ..outbox import Message, queue
from ..people.models import DivisionDirector, Person
from .models import CommitteeMember, Cycle, Nomination, NominationStatement


def _link(path: str) -> str:
    return links.url(path)


def _title(cycle: Cycle) -> str:
    return f"{cycle.award.name} {cycle.year}"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def audience(cycle: Cycle) -> list[Person]:
    """Who may nominate: everyone with an account (the division's people for a division award)."""
    query = select(Person).join(Account, Account.person_id == Person.id).where(Account.disabled.is_(False))
    if cycle.award.level == "division":
        query = query.where(Person.division_id == cycle.award.division_id)
    return list(db.session.scalars(query.order_by(Person.id)))


def managers(cycle: Cycle) -> list[Person]:
    ids = set(db.session.scalars(select(RoleGrant.person_id).where(RoleGrant.role == "admin")))
    if cycle.award.level == "division":
        ids |= set(
            db.session.scalars(
                select(DivisionDirector.person_id).where(DivisionDirector.division_id == cycle.award.division_id)
            )
        )
    return list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id))) if ids else []


def _messages(kind: str, cycle: Cycle, people: list[Person], subject: str, text: str) -> list[Message]:
    return [
        Message(f"award:{cycle.id}:{kind}:{person.id}", person.email, subject, f"Dear {person.name},\n\n{text}")
        for person in people
    ]


def call_for_nominations(cycle: Cycle, now: datetime) -> int:
    award = cycle.award
    text = (
        f"Nominations for the {_title(cycle)} are open until {_day(cycle.closes_on)}.\n\n"
        f"{award.description}\n\n"
        "Nominate a colleague with a statement and up to five supporting letters (PDF). The nomination "
        "carries an evidence table from the mentorship ledger, frozen when nominations close.\n\n"
        f"    {_link(f'/awards/cycles/{cycle.id}')}\n\n"
        f"Add the deadlines to your calendar: {_link('/calendar')}\n"
    )
    return queue(_messages("call", cycle, audience(cycle), f"Call for nominations: {_title(cycle)}", text), now)


def due_reminders(cycle: Cycle, day: date, now: datetime) -> int:
    """Reminders the cycle owes on ``day``: before nominations close, and a decision overdue."""
    sent = 0
    ahead = timedelta(days=int(current_app.config["AWARD_CLOSE_REMINDER_DAYS"]))
    if cycle.phase == "open" and cycle.closes_on - ahead <= day <= cycle.closes_on:
        text = (
            f"Nominations for the {_title(cycle)} close on {_day(cycle.closes_on)}. If you have a colleague "
            f"in mind, there is still time:\n\n    {_link(f'/awards/cycles/{cycle.id}')}\n"
        )
        sent += queue(
            _messages(
                "reminder", cycle, audience(cycle), f"Nominations close {_day(cycle.closes_on)}: {_title(cycle)}", text
            ),
            now,
        )
    if cycle.phase == "review" and day >= cycle.decision_on:
        text = (
            f"The decision for the {_title(cycle)} was due on {_day(cycle.decision_on)} and no winners are "
            f"recorded yet. The announcement is planned for {_day(cycle.announce_on)}.\n\n"
            f"    {_link(f'/awards/cycles/{cycle.id}/ranking')}\n"
        )
        sent += queue(_messages("overdue", cycle, managers(cycle), f"Decision due: {_title(cycle)}", text), now)
    return sent


def nominated(nomination: Nomination, now: datetime) -> int:
    cycle = nomination.cycle
    text = (
        f"A colleague has nominated you for the {_title(cycle)}. Congratulations.\n\n"
        f"You may add a statement of your mentoring philosophy until {_day(cycle.closes_on)}, and check the "
        f"evidence table drawn from your mentorship record:\n\n    {_link(f'/awards/nominations/{nomination.id}')}\n"
    )
    return queue(
        _messages("nominated", cycle, [nomination.nominee], f"You have been nominated: {_title(cycle)}", text), now
    )


def committee_assignments(cycle: Cycle, now: datetime, only: list[int] | None = None) -> int:
    from .committee.service import recusal_map  # noqa: PLC0415

    conflicts = recusal_map(cycle)
    count = db.session.scalar(select(Nomination.id).where(Nomination.cycle_id == cycle.id).limit(1)) is not None
    messages = []
    for member in db.session.scalars(select(CommitteeMember).where(CommitteeMember.cycle_id == cycle.id)):
        if only is not None and member.person_id not in only:
            continue
        recused = sorted(
            db.session.get(Nomination, nid).nominee.name for (nid, mid) in conflicts if mid == member.person_id
        )
        lines = (
            (
                f"You are recused from {len(recused)} nomination(s), which you will not see: "
                + ", ".join(recused)
                + ".\n\n"
            )
            if recused
            else ""
        )
        text = (
            f"You are on the committee for the {_title(cycle)}. "
            + ("The nominations are ready for review. " if count else "")
            + f"Score each nominee on the rubric by {_day(cycle.review_ends_on)}; you can change your scores "
            "until then.\n\n" + lines + f"    {_link(f'/awards/cycles/{cycle.id}')}\n"
        )
        messages += _messages("committee", cycle, [member.person], f"Committee review: {_title(cycle)}", text)
    return queue(messages, now)


def results(cycle: Cycle, now: datetime) -> int:
    from .cycles.service import latest_decision  # noqa: PLC0415

    decision = latest_decision(cycle.id)
    winners = [w.nomination.nominee for w in decision.winners] if decision else []
    winner_ids = {p.id for p in winners}
    names = ", ".join(p.name for p in winners) or "no award this year (no nominations were received)"
    messages = []
    for person in winners:
        text = (
            f"You have won the {_title(cycle)}. Congratulations!\n\n"
            "Your award certificate and your Open Badges credential are ready to download, and the award is "
            f"in your mentorship record:\n\n    {_link('/awards/mine')}\n"
        )
        messages += _messages("result", cycle, [person], f"You have won the {_title(cycle)}", text)
    nominations = db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id)).all()
    others = {n.nominee_id: n.nominee for n in nominations if n.nominee_id not in winner_ids}
    nominators = db.session.scalars(
        select(Person)
        .join(NominationStatement, NominationStatement.nominator_id == Person.id)
        .join(Nomination, Nomination.id == NominationStatement.nomination_id)
        .where(Nomination.cycle_id == cycle.id)
    ).all()
    members = db.session.scalars(
        select(Person)
        .join(CommitteeMember, CommitteeMember.person_id == Person.id)
        .where(CommitteeMember.cycle_id == cycle.id)
    ).all()
    for person in {p.id: p for p in [*others.values(), *nominators, *members]}.values():
        if person.id in winner_ids:
            continue
        text = (
            f"The {_title(cycle)} has been announced: {names}.\n\nThank you for taking part. "
            f"All the department's award winners: {_link('/recognition')}\n"
        )
        messages += _messages("result", cycle, [person], f"Announced: {_title(cycle)}", text)
    return queue(messages, now)
