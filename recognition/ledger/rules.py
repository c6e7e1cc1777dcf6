"""The rules for what may enter the ledger: pure functions, tested as tables."""

from __future__ import annotations

from datetime import date

# kind -> whether it must name a mentorship
KINDS: dict[str, bool] = {
    "meeting": True,
    "academic_plan_review": True,
    "peer_group_session": True,
    "sponsorship_action": False,
    "mentor_training": False,
    "mentoring_preparation": False,
    "other": False,
    "feedback_reflection": False,
    "award_received": False,
    "milestone": False,
}
# Kinds recorded through their own operation, never through a plain contribution:
# a reflection carries private text (recognition.reflections); an award is recorded
# when it is announced (recognition.awards).
# A milestone (recognition.milestones) is the person's career fact, recorded by an
# administrator, a director or the person themself.
RECORDED_ELSEWHERE = frozenset({"feedback_reflection", "award_received", "milestone"})
DIRECT_KINDS = [kind for kind in KINDS if kind not in RECORDED_ELSEWHERE]
# Kinds that happen between the two people, so the counterpart can confirm them.
CONFIRMABLE = frozenset({"meeting", "academic_plan_review", "peer_group_session", "sponsorship_action"})
# Kinds counted as meetings against the department's yearly expectation.
MEETING_KINDS = ("meeting", "academic_plan_review", "peer_group_session")
# The person's own work (learning, preparing, reflecting, an award), never work between two
# people: only the person or an administrator records it (``may_record_personal``). It may
# name a mentorship (preparing for one mentee), and is then the mentor's, so only the
# mentor or an administrator may name one: no mentee writes credit into their mentor's ledger.
PERSONAL = frozenset(
    {"mentor_training", "mentoring_preparation", "other", "feedback_reflection", "award_received", "milestone"}
)
LABELS = {
    "meeting": "Meeting",
    "academic_plan_review": "Academic-plan review",
    "peer_group_session": "Peer-group session",
    "sponsorship_action": "Sponsorship action",
    "mentor_training": "Mentor training completed",
    "mentoring_preparation": "Mentoring preparation",
    "other": "Other",
    "feedback_reflection": "Reflection on feedback received",
    "award_received": "Award received",
    "milestone": "Career milestone recorded",
}
MAX_MINUTES = 24 * 60
MAX_NOTE = 4000
MAX_ACCREDITATION = 200
ACCREDITABLE = frozenset({"mentor_training"})
EARLIEST = date(1950, 1, 1)


def contribution_problems(
    kind: str,
    occurred_on: date,
    minutes: int,
    today: date,
    mentorship_span: tuple[date, date | None] | None,
    own_operation: bool = False,
    accreditation: str | None = None,
) -> dict[str, list[str]]:
    """Field -> broken rules for a new contribution. ``mentorship_span`` is the named
    mentorship's (start, end), or None when no mentorship is named."""
    problems: dict[str, list[str]] = {}

    def refuse(field: str, rule: str) -> None:
        problems.setdefault(field, []).append(rule)

    if kind not in KINDS:
        refuse("kind", f"must be one of {', '.join(KINDS)}")
    elif kind in RECORDED_ELSEWHERE and not own_operation:
        refuse("kind", "is recorded with its own form (a reflection: POST /api/v1/reflections)")
    elif KINDS[kind] and mentorship_span is None:
        label = LABELS[kind].lower()
        refuse("mentorship_id", f"is required for {'an' if label[0] in 'aeiou' else 'a'} {label}")
    if occurred_on > today:
        refuse("occurred_on", "must not be in the future")
    if occurred_on < EARLIEST:
        refuse("occurred_on", f"must not be before {EARLIEST.isoformat()}")
    if mentorship_span is not None:
        start, end = mentorship_span
        if occurred_on < start:
            refuse("occurred_on", f"must not be before the mentorship started ({start.isoformat()})")
        elif end is not None and occurred_on > end:
            refuse("occurred_on", f"must not be after the mentorship ended ({end.isoformat()})")
    if not 0 <= minutes <= MAX_MINUTES:
        refuse("minutes", f"must be between 0 and {MAX_MINUTES}")
    elif kind in ("meeting", "peer_group_session", "mentor_training", "feedback_reflection") and minutes == 0:
        refuse("minutes", "must be more than 0 for this kind")
    if accreditation is not None:
        if kind not in ACCREDITABLE:
            refuse("accreditation", "may be given only for mentor training")
        elif not accreditation.strip():
            refuse("accreditation", "must not be blank: name the accrediting body and activity, or leave it out")
        elif len(accreditation) > MAX_ACCREDITATION:
            refuse("accreditation", f"must be at most {MAX_ACCREDITATION} characters")
    return problems


def may_record_personal(kind: str, subject_id: int, actor_id: int | None, actor_is_admin: bool) -> bool:
    """Whether the actor may record this kind as ``subject_id``'s work: personal kinds only
    by the person themself or an administrator (recorded as the recorder); work between two
    people by either of them (checked against the mentorship)."""
    return kind not in PERSONAL or actor_is_admin or actor_id == subject_id


def may_reverse(
    actor_id: int | None,
    actor_is_admin: bool,
    *,
    subject_id: int,
    recorder_id: int,
    kind: str | None,
    pair: tuple[int, int] | None,
) -> bool:
    """Who may reverse a contribution: an administrator, whoever recorded it, the person it
    is about (it is their ledger and their credit, so they can always dispute what someone
    else wrote there), and, for work between two people, either person of the mentorship
    (the counterpart disputes a meeting that did not happen). ``pair`` is the mentorship's
    (mentor_id, mentee_id), or None."""
    if actor_is_admin or actor_id in (subject_id, recorder_id):
        return True
    return pair is not None and kind in CONFIRMABLE and actor_id in pair


def counterparts(entry_type: str, kind: str | None, recorder_id: int | None, pair: tuple[int, int] | None) -> set[int]:
    """Who confirms or disputes an entry: the other person of its mentorship (``pair``,
    (mentor_id, mentee_id), or None), or, for work an administrator recorded for the
    pair, either of the two. Empty for anything that is not work between two people."""
    if entry_type != "contribution" or kind not in CONFIRMABLE or pair is None:
        return set()
    return {person for person in pair if person != recorder_id} if recorder_id in pair else set(pair)


# Confirmation over time ---------------------------------------------------------------
# The counterpart is asked when the work is recorded, reminded once after REMIND_AFTER_DAYS,
# and after UNCONFIRMED_AFTER_DAYS the entry reads "unconfirmed" (no more reminders).
REMIND_AFTER_DAYS = 14
UNCONFIRMED_AFTER_DAYS = 60
MAX_DISPUTE_REASON = 2000
# What an entry of work between two people says about its confirmation.
CONFIRMATION_STATES = ("awaiting", "confirmed", "unconfirmed", "disputed", "reversed")


def days_waiting(recorded_on: date, today: date) -> int:
    """Whole days since the work was recorded (the counterpart was asked that day)."""
    return (today - recorded_on).days


def confirmation_state(
    kind: str | None, recorded_on: date, today: date, *, confirmed: bool, reversed_: bool, disputed: bool
) -> str | None:
    """``CONFIRMATION_STATES`` for work between two people; None for anything else."""
    if kind not in CONFIRMABLE:
        return None
    if reversed_:
        return "reversed"
    if disputed:
        return "disputed"
    if confirmed:
        return "confirmed"
    return "unconfirmed" if days_waiting(recorded_on, today) >= UNCONFIRMED_AFTER_DAYS else "awaiting"


def reminder_due(recorded_on: date, today: date) -> bool:
    """Whether a still-open request to confirm is reminded now: from day REMIND_AFTER_DAYS,
    and no longer once the entry reads "unconfirmed" (a scheduler that was down still
    reminds what is inside the window; the outbox key keeps it to once)."""
    return REMIND_AFTER_DAYS <= days_waiting(recorded_on, today) < UNCONFIRMED_AFTER_DAYS


def dispute_problems(reason: str | None) -> dict[str, list[str]]:
    """Field -> broken rules for a dispute's reason."""
    text = (reason or "").strip()
    if not text:
        return {"reason": ["must not be blank: say what did not happen as logged"]}
    if len(text) > MAX_DISPUTE_REASON:
        return {"reason": [f"must be at most {MAX_DISPUTE_REASON} characters"]}
    return {}
