"""What nominators and nominees are told: the call for nominations, reminders before
nominations close, and the news of a nomination."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app

from ...outbox import queue
from ..models import Cycle, Nomination
from ..notices import addressed, audience, day_text, link, managers, title


def call_for_nominations(cycle: Cycle, now: datetime) -> int:
    award = cycle.award
    text = (
        f"Nominations for the {title(cycle)} are open until {day_text(cycle.closes_on)}.\n\n"
        f"{award.description}\n\n"
        "Nominate a colleague with a statement and up to five supporting letters (PDF). The nomination "
        "carries an evidence table from the mentorship ledger, frozen when nominations close.\n\n"
        f"    {link(f'/awards/cycles/{cycle.id}')}\n\n"
        f"Add the deadlines to your calendar: {link('/calendar')}\n"
    )
    return queue(addressed("call", cycle, audience(cycle), f"Call for nominations: {title(cycle)}", text), now)


def due_reminders(cycle: Cycle, day: date, now: datetime) -> int:
    """Reminders the cycle owes on ``day``: before nominations close, and a decision overdue."""
    sent = 0
    ahead = timedelta(days=int(current_app.config["AWARD_CLOSE_REMINDER_DAYS"]))
    if cycle.phase == "open" and cycle.closes_on - ahead <= day <= cycle.closes_on:
        text = (
            f"Nominations for the {title(cycle)} close on {day_text(cycle.closes_on)}. If you have a colleague "
            f"in mind, there is still time:\n\n    {link(f'/awards/cycles/{cycle.id}')}\n"
        )
        sent += queue(
            addressed(
                "reminder",
                cycle,
                audience(cycle),
                f"Nominations close {day_text(cycle.closes_on)}: {title(cycle)}",
                text,
            ),
            now,
        )
    if cycle.phase == "review" and day >= cycle.decision_on:
        text = (
            f"The decision for the {title(cycle)} was due on {day_text(cycle.decision_on)} and no winners are "
            f"recorded yet. The announcement is planned for {day_text(cycle.announce_on)}.\n\n"
            f"    {link(f'/awards/cycles/{cycle.id}/ranking')}\n"
        )
        sent += queue(addressed("overdue", cycle, managers(cycle), f"Decision due: {title(cycle)}", text), now)
    return sent


def nominated(nomination: Nomination, now: datetime) -> int:
    cycle = nomination.cycle
    text = (
        f"A colleague has nominated you for the {title(cycle)}. Congratulations.\n\n"
        f"You may add a statement of your mentoring philosophy until {day_text(cycle.closes_on)}, and check the "
        f"evidence table drawn from your mentorship record:\n\n    {link(f'/awards/nominations/{nomination.id}')}\n"
    )
    return queue(
        addressed("nominated", cycle, [nomination.nominee], f"You have been nominated: {title(cycle)}", text), now
    )
