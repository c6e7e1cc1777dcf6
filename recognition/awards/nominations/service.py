"""Nominations: who may nominate whom, statements, letters, the nominee's philosophy, the
ledger evidence table (frozen when nominations close) and the suggestions.

A nomination is one nominee in one cycle; each nominator adds one statement to it (a second
statement from the same nominator is refused by the database). Letters are PDFs checked on
upload: the right size, a real PDF that opens, and not too many pages.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ...auth.service import Actor
from ...clock import add_years
from ...errors import Conflict, DomainError, Forbidden, NotFound
from ...evidence.rules import MEETING_KINDS
from ...evidence.service import evidence_for, mentee_achievements
from ...extensions import db
from ...feedback.models import Answer, Response
from ...ledger.models import LedgerEntry
from ...mentorships.models import Mentorship
from ...people.models import Person
from ...people.profiles import profile_of
from ..cycles import service as cycles
from ..definitions import service as definitions
from ..managers import conflicts_of, is_manager
from ..models import Cycle, Grant, GrantRevocation, Letter, Nomination, NominationStatement, Withdrawal
from ..rules import SELF_NOMINATION, Candidate, eligibility_problems
from . import letters as letter_files

MAX_STATEMENT = 8000
MAX_PHILOSOPHY = 8000
MAX_LETTERS = 5


# Eligibility -------------------------------------------------------------------------


def wins(award_id: int, person_ids: list[int] | None = None) -> dict[int, list[date]]:
    """The days each person won this award (revoked awards do not count)."""
    query = (
        select(Grant.person_id, Grant.awarded_on)
        .join(Cycle, Cycle.id == Grant.cycle_id)
        .outerjoin(GrantRevocation, GrantRevocation.grant_id == Grant.id)
        .where(Cycle.award_id == award_id, GrantRevocation.grant_id.is_(None))
    )
    if person_ids is not None:
        query = query.where(Grant.person_id.in_(person_ids))
    found: dict[int, list[date]] = defaultdict(list)
    for person_id, awarded_on in db.session.execute(query):
        found[person_id].append(awarded_on)
    return found


def candidates(award_id: int, people: list[Person], day: date) -> dict[int, Candidate]:
    """The rules' view of each person on ``day``: mentoring since, mentees, past wins."""
    ids = [p.id for p in people]
    first: dict[int, date] = {}
    mentees: dict[int, int] = {}
    for first_id in range(0, len(ids), 500):
        chunk = ids[first_id : first_id + 500]
        rows = db.session.execute(
            select(
                Mentorship.mentor_id, func.min(Mentorship.started_on), func.count(func.distinct(Mentorship.mentee_id))
            )
            .where(Mentorship.mentor_id.in_(chunk), Mentorship.started_on <= day)
            .group_by(Mentorship.mentor_id)
        )
        for mentor_id, started, count in rows:
            first[mentor_id], mentees[mentor_id] = started, count
    won = wins(award_id, ids)
    return {
        p.id: Candidate(p.id, p.rank, p.appointed_on, first.get(p.id), mentees.get(p.id, 0), tuple(won.get(p.id, ())))
        for p in people
    }


def problems_for(cycle: Cycle, nominee: Person, nominator_id: int | None, day: date) -> list[str]:
    problems = []
    award = cycle.award
    if award.level == "division" and nominee.division_id != award.division_id:
        problems.append(f"open only to members of {award.division.name}")
    candidate = candidates(award.id, [nominee], day)[nominee.id]
    return problems + eligibility_problems(definitions.eligibility(award), candidate, nominator_id, day)


# Who sees what -----------------------------------------------------------------------


def nominator_ids(nomination_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(NominationStatement.nominator_id).where(NominationStatement.nomination_id == nomination_id)
        )
    )


def role_in(actor: Actor, nomination: Nomination) -> set[str]:
    """The actor's relations to a nomination: manager, member, nominator, nominee. A member
    recused from it is not a member of it, and a manager with a conflict with it is not its
    manager (``managers``)."""
    from ..committee.service import recused  # noqa: PLC0415

    roles = _relations(actor, nomination)
    if "member" in roles and recused(nomination, actor.person_id):
        roles.discard("member")
    if "manager" in roles and conflicts_of(nomination.cycle, actor.person_id, [nomination]):
        roles.discard("manager")
    return roles


def _relations(actor: Actor, nomination: Nomination, nominated: set[int] | None = None) -> set[str]:
    """``nominated``: the ids of the nominations the actor made, when the caller read them
    all at once; otherwise this nomination's nominators are read."""
    from ..committee.service import is_member  # noqa: PLC0415

    roles = set()
    if is_manager(actor, nomination.cycle):
        roles.add("manager")
    if actor.person_id is not None:
        if nomination.nominee_id == actor.person_id:
            roles.add("nominee")
        made = nomination.id in nominated if nominated is not None else actor.person_id in nominator_ids(nomination.id)
        if made:
            roles.add("nominator")
        if is_member(nomination.cycle_id, actor.person_id) and nomination.cycle.phase not in ("scheduled", "open"):
            roles.add("member")
    return roles


def get_nomination(nomination_id: int, actor: Actor) -> Nomination:
    """The nomination, if the actor may see it at all. A committee member recused from it
    gets a 404 like anyone else: they may not know what it holds."""
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None:
        raise NotFound("No nomination with that id that you may see.", {"nomination_id": ["no such nomination"]})
    if not role_in(actor, nomination):
        raise NotFound("No nomination with that id that you may see.", {"nomination_id": ["no such nomination"]})
    return nomination


def visible_nominations(actor: Actor, cycle: Cycle | None = None) -> list[Nomination]:
    """Nominations the actor may open: all for a manager (except those they have a conflict
    with), unrecused ones of their cycles for a committee member (once nominations close),
    and their own as nominator or nominee."""
    from ..committee.service import recusal_map  # noqa: PLC0415

    query = select(Nomination).join(Cycle, Cycle.id == Nomination.cycle_id)
    if cycle is not None:
        query = query.where(Nomination.cycle_id == cycle.id)
    found = []
    recusals: dict[int, dict] = {}
    conflicted: dict[int, dict] = {}
    nominated = set(
        db.session.scalars(
            select(NominationStatement.nomination_id).where(NominationStatement.nominator_id == actor.person_id)
        )
    )
    for nomination in db.session.scalars(query.order_by(Nomination.cycle_id.desc(), Nomination.id)).all():
        # role_in, with the actor's nominations and each cycle's recusals read once
        roles = _relations(actor, nomination, nominated)
        if "member" in roles:
            if nomination.cycle_id not in recusals:
                recusals[nomination.cycle_id] = recusal_map(nomination.cycle)
            if recusals[nomination.cycle_id].get((nomination.id, actor.person_id)):
                roles.discard("member")
        if "manager" in roles:
            if nomination.cycle_id not in conflicted:
                conflicted[nomination.cycle_id] = conflicts_of(nomination.cycle, actor.person_id)
            if conflicted[nomination.cycle_id].get(nomination.id):
                roles.discard("manager")
        if roles:
            found.append(nomination)
    return found


# Nominating --------------------------------------------------------------------------


def _text(value, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise DomainError.field(field, "must be text")
    if required and not text:
        raise DomainError.field(field, "is required")
    if len(text) > limit:
        raise DomainError.field(field, f"must be at most {limit} characters")
    return text


def nominate(
    cycle: Cycle, nominee_id: int, statement: str, actor: Actor, day: date, now: datetime, suggested: bool = False
) -> Nomination:
    """Nominate ``nominee_id`` in ``cycle`` with a statement. A colleague already nominated
    gets this statement added to their nomination; a second statement from the same
    nominator is refused."""
    if actor.person_id is None:
        raise Forbidden("A nomination comes from a person: sign in to nominate.", {"nominator": ["must be a person"]})
    if not cycles.is_nominating_open(cycle, day):
        raise Conflict(
            f"Nominations for {cycle.award.name} {cycle.year} are {_window(cycle, day)}.",
            {"cycle_id": [f"is not open for nominations (it is {cycle.phase})"]},
        )
    if suggested and not is_manager(actor, cycle):
        raise Forbidden(
            "Only an award's administrators turn suggestions into nominations.", {"suggested": ["admins only"]}
        )
    text = _text(statement, "statement", MAX_STATEMENT)
    nominee = (
        db.session.get(Person, nominee_id) if isinstance(nominee_id, int) and not isinstance(nominee_id, bool) else None
    )
    if nominee is None:
        raise DomainError.field("nominee_id", "must name a person in the department")
    problems = problems_for(cycle, nominee, actor.person_id, day)
    if problems:
        field = "nominee_id"
        raise DomainError(
            f"{nominee.name} cannot be nominated: " + "; ".join(problems),
            {field: problems if SELF_NOMINATION not in problems else [SELF_NOMINATION]},
        )
    for attempt in (1, 2):  # a colleague nominating the same person at the same moment: join theirs
        nomination = db.session.scalar(
            select(Nomination).where(Nomination.cycle_id == cycle.id, Nomination.nominee_id == nominee.id)
        )
        if nomination is not None and actor.person_id in nominator_ids(nomination.id):
            raise Conflict(
                f"You have already nominated {nominee.name} for {cycle.award.name} {cycle.year}; "
                "edit that statement instead.",
                {"nominee_id": ["already nominated by you in this cycle"]},
            )
        try:
            with db.session.begin_nested():
                if nomination is None:
                    nomination = Nomination(
                        cycle_id=cycle.id, nominee_id=nominee.id, created_at=now, suggested=suggested
                    )
                    db.session.add(nomination)
                    db.session.flush()
                db.session.add(
                    NominationStatement(
                        nomination_id=nomination.id,
                        nominator_id=actor.person_id,
                        text=text,
                        created_at=now,
                        updated_at=now,
                    )
                )
                db.session.flush()
            break
        except IntegrityError:
            if attempt == 2:
                raise Conflict(
                    f"{nominee.name} was nominated by you or a colleague at the same moment; reload and try again.",
                    {"nominee_id": ["nominated meanwhile"]},
                ) from None
    from .. import notices  # noqa: PLC0415

    notices.nominated(nomination, now)
    return nomination


def _window(cycle: Cycle, day: date) -> str:
    if cycle.phase == "scheduled" or day < cycle.opens_on:
        return f"not open yet (they open on {cycle.opens_on.isoformat()})"
    return f"closed (they closed on {cycle.closes_on.isoformat()})"


def _own_statement(nomination: Nomination, actor: Actor) -> NominationStatement:
    found = db.session.scalar(
        select(NominationStatement).where(
            NominationStatement.nomination_id == nomination.id, NominationStatement.nominator_id == actor.person_id
        )
    )
    if found is None:
        raise Forbidden("Only a nominator changes their own statement.", {"statement": ["not your nomination"]})
    return found


def edit_statement(nomination: Nomination, text: str, actor: Actor, day: date, now: datetime) -> NominationStatement:
    statement = _own_statement(nomination, actor)
    _require_open(nomination.cycle, day, "statement")
    statement.text = _text(text, "statement", MAX_STATEMENT)
    statement.updated_at = now
    db.session.flush()
    return statement


def withdraw(nomination: Nomination, actor: Actor, day: date, now: datetime, reason: str | None = None) -> bool:
    """Withdraw the actor's statement while nominations are open; the nomination goes too
    when no statement is left. The withdrawal is kept (who, when, what went with it) for
    the award's managers. Returns whether the nomination was removed."""
    statement = _own_statement(nomination, actor)
    _require_open(nomination.cycle, day, "statement")
    reason = _text(reason, "reason", 2000, required=False) or None
    db.session.delete(statement)
    db.session.flush()
    removed = not nominator_ids(nomination.id)
    dropped = 0
    if removed:
        for letter in db.session.scalars(select(Letter).where(Letter.nomination_id == nomination.id)):
            db.session.delete(letter)
            dropped += 1
    db.session.add(
        Withdrawal(
            cycle_id=nomination.cycle_id,
            nomination_id=nomination.id,
            nominee_id=nomination.nominee_id,
            nominator_id=actor.person_id,
            reason=reason,
            letters_removed=dropped,
            nomination_removed=removed,
            at=now,
        )
    )
    if removed:
        db.session.delete(nomination)
    db.session.flush()
    return removed


def withdrawals(cycle_id: int) -> list[Withdrawal]:
    return list(
        db.session.scalars(
            select(Withdrawal).where(Withdrawal.cycle_id == cycle_id).order_by(Withdrawal.at, Withdrawal.id)
        )
    )


def _require_open(cycle: Cycle, day: date, field: str) -> None:
    if not cycles.is_nominating_open(cycle, day):
        raise Conflict(
            f"Nominations are {_window(cycle, day)}: nothing can change now.",
            {field: ["cannot change after nominations close"]},
        )


def set_philosophy(nomination: Nomination, text: str, actor: Actor, day: date, now: datetime) -> Nomination:
    """The nominee's mentoring philosophy statement, while nominations are open."""
    if nomination.nominee_id != actor.person_id:
        raise Forbidden("Only the nominee writes their mentoring philosophy.", {"philosophy": ["nominee only"]})
    _require_open(nomination.cycle, day, "philosophy")
    nomination.philosophy = _text(text, "philosophy", MAX_PHILOSOPHY)
    nomination.philosophy_at = now
    db.session.flush()
    return nomination


# Letters -----------------------------------------------------------------------------


def check_pdf(data: bytes, filename: str) -> int:
    """The number of pages of an uploaded letter, or a DomainError naming the broken rule."""
    return normalise_pdf(data, filename)[1]


def normalise_pdf(data: bytes, filename: str) -> tuple[bytes, int]:
    """The letter as it is stored, re-written (``letters.normalise``), and its page count;
    or a DomainError naming the broken rule."""
    config = current_app.config
    limit = int(config["AWARD_LETTER_MAX_BYTES"])
    if not data:
        raise DomainError.field("letter", "is empty: choose a PDF file")
    if len(data) > limit:
        raise DomainError.field("letter", f"must be at most {limit // 1024} KB (this one is {len(data) // 1024} KB)")
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        raise DomainError.field("letter", f"must be a PDF: {filename or 'the file'} does not start like one")
    try:
        copy, pages = letter_files.normalise(data)
    except letter_files.Unreadable as error:
        if str(error) == "encrypted":
            raise DomainError.field("letter", "must not be encrypted or password-protected") from None
        rule = f"must be a PDF that opens: {filename or 'the file'} is damaged"
        raise DomainError.field("letter", rule, f"letter: {rule} (could not be read as a PDF: {error})") from None
    if pages == 0:
        raise DomainError.field("letter", "has no pages")
    most = int(config["AWARD_LETTER_MAX_PAGES"])
    if pages > most:
        raise DomainError.field("letter", f"must be at most {most} page{'s' * (most != 1)} (this one has {pages})")
    return copy, pages


def add_letter(
    nomination: Nomination, data: bytes, filename: str, author: str, actor: Actor, day: date, now: datetime
) -> Letter:
    """A supporting letter, uploaded by a nominator (or the award's admin) while open."""
    roles = role_in(actor, nomination)
    if not roles & {"nominator", "manager"}:
        raise Forbidden("Only a nominator or the award's administrator adds letters.", {"letter": ["nominators only"]})
    _require_open(nomination.cycle, day, "letter")
    author = _text(author, "author", 200)
    filename = (filename or "letter.pdf").replace("/", "_").replace("\\", "_").strip()[-200:] or "letter.pdf"
    count = db.session.scalar(select(func.count()).select_from(Letter).where(Letter.nomination_id == nomination.id))
    if count >= MAX_LETTERS:
        raise Conflict(
            f"A nomination takes at most {MAX_LETTERS} letters; remove one first.",
            {"letter": [f"at most {MAX_LETTERS} letters per nomination"]},
        )
    stored, pages = normalise_pdf(data, filename)
    letter = Letter(
        nomination_id=nomination.id,
        uploaded_by_id=actor.person_id,
        author=author,
        filename=filename,
        pages=pages,
        size=len(stored),
        sha256=hashlib.sha256(stored).hexdigest(),
        original_sha256=hashlib.sha256(data).hexdigest(),
        pdf=stored,
        uploaded_at=now,
    )
    db.session.add(letter)
    db.session.flush()
    return letter


def letters(nomination_id: int) -> list[Letter]:
    return list(db.session.scalars(select(Letter).where(Letter.nomination_id == nomination_id).order_by(Letter.id)))


def get_letter(nomination: Nomination, letter_id: int) -> Letter:
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.nomination_id != nomination.id:
        raise NotFound("No letter with that id on this nomination.", {"letter_id": ["no such letter"]})
    return letter


def remove_letter(nomination: Nomination, letter: Letter, actor: Actor, day: date) -> None:
    if letter.uploaded_by_id != actor.person_id and not is_manager(actor, nomination.cycle):
        raise Forbidden("Only whoever uploaded a letter removes it.", {"letter": ["not yours"]})
    _require_open(nomination.cycle, day, "letter")
    db.session.delete(letter)
    db.session.flush()


def may_read_letters(actor: Actor, nomination: Nomination) -> bool:
    """Whether the reader has a letters section at all: the committee, the award's admins
    and the nominators; never the nominee, whatever other role they hold. Which letters
    they read is ``readable_letters``'s to say."""
    roles = role_in(actor, nomination)
    return "nominee" not in roles and bool(roles & {"manager", "member", "nominator"})


def readable_letters(actor: Actor, nomination: Nomination) -> list[Letter]:
    """Every letter for the committee and the award's admins; a nominator reads the
    letters they uploaded (what they wrote or gathered), not their colleagues'."""
    roles = role_in(actor, nomination)
    if "nominee" in roles:
        return []
    found = letters(nomination.id)
    if roles & {"manager", "member"}:
        return found
    if "nominator" in roles:
        return [letter for letter in found if letter.uploaded_by_id == actor.person_id]
    return []


def readable_letter(actor: Actor, nomination: Nomination, letter_id: int) -> Letter:
    """One letter the reader may read; any other is a 404, as if it were not there."""
    found = next((letter for letter in readable_letters(actor, nomination) if letter.id == letter_id), None)
    if found is None:
        raise NotFound(
            "No letter with that id on this nomination that you may read.", {"letter_id": ["no such letter"]}
        )
    return found


def may_read_evidence(actor: Actor, nomination: Nomination) -> bool:
    """The evidence (feedback means, response counts, mentees' names) is for the committee,
    the award's managers and the nominee: nominating a colleague does not open their record."""
    roles = role_in(actor, nomination)
    return bool(roles & {"manager", "member", "nominee"})


# Evidence ----------------------------------------------------------------------------


def canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def evidence(nomination: Nomination, day: date) -> tuple[dict, str | None]:
    """The evidence table and its hash: frozen once nominations closed, live until then."""
    if nomination.evidence_frozen_at is not None:
        return json.loads(nomination.evidence), nomination.evidence_hash
    return evidence_for(nomination.nominee_id, min(day, nomination.cycle.closes_on)), None


def freeze_evidence(cycle: Cycle, day: date, now: datetime) -> int:
    """Snapshot every nomination's evidence as of the closing date, with its SHA-256."""
    frozen = 0
    for nomination in db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id, Nomination.evidence_frozen_at.is_(None))
    ).all():
        data = evidence_for(nomination.nominee_id, cycle.closes_on)
        body = canonical(data)
        nomination.evidence = body.decode()
        nomination.evidence_hash = hashlib.sha256(body).hexdigest()
        nomination.evidence_frozen_at = now
        frozen += 1
    db.session.flush()
    return frozen


def profile_philosophy(nomination: Nomination) -> str:
    """The mentoring philosophy of the nominee's profile, as those who may read the
    evidence see it: live until the evidence is frozen, then as frozen with it (a table
    frozen before profiles existed holds none)."""
    if nomination.evidence_frozen_at is not None:
        return json.loads(nomination.evidence).get("philosophy") or ""
    return profile_of(nomination.nominee_id)[1]


def evidence_intact(nomination: Nomination) -> bool:
    """Whether the frozen evidence still hashes to what was recorded at close."""
    if nomination.evidence_frozen_at is None:
        return True
    return hashlib.sha256(nomination.evidence.encode()).hexdigest() == nomination.evidence_hash


# Suggestions -------------------------------------------------------------------------

# Points per piece of evidence; the order the suggestions come in. Documented on the page.
SUGGESTION_WEIGHTS = {"mentees": 5, "confirmed_meetings": 1, "feedback_responses": 2, "mentee_milestones": 3}
SUGGESTION_YEARS = 5  # the evidence counted: the last five years


@dataclass(frozen=True)
class Suggestion:
    person: Person
    mentees: int
    confirmed_meetings: int
    feedback_responses: int
    feedback_mean: float | None
    mentee_milestones: int
    points: int


def suggestions(cycle: Cycle, day: date, limit: int = 25) -> list[Suggestion]:
    """Eligible mentors not yet nominated, ranked by ledger evidence: points = 5 per mentee
    + 1 per confirmed meeting + 2 per released feedback response + 3 per mentee milestone;
    ties by more mentees, then name. Mentees, meetings and milestones count within the
    last SUGGESTION_YEARS years (mentorships running then; meetings held then). A mentee
    milestone is a mentee's recorded, standing milestone (``evidence.rules.ACHIEVEMENT_KINDS``:
    a CFAR passed or extended, a promotion, a grant, an external award, a leadership role;
    never an appointment, and never a date computed from one) reached on or after the
    mentorship began and inside the window, or the mentee beginning to mentor then
    (derived from the mentorships). Released feedback counts whole, because releases pool responses across
    periods and carry no single date."""
    award = cycle.award
    since = add_years(day, -SUGGESTION_YEARS)
    query = select(Person).where(Person.id.in_(select(Mentorship.mentor_id).where(Mentorship.started_on <= day)))
    if award.level == "division":
        query = query.where(Person.division_id == award.division_id)
    people = db.session.scalars(query).all()
    nominated = set(db.session.scalars(select(Nomination.nominee_id).where(Nomination.cycle_id == cycle.id)))
    rules = definitions.eligibility(award)
    found = candidates(award.id, people, day)
    eligible = [p for p in people if p.id not in nominated and not eligibility_problems(rules, found[p.id], None, day)]
    ids = [p.id for p in eligible]
    if not ids:
        return []
    mentees: dict[int, int] = defaultdict(int)
    confirmed: dict[int, int] = defaultdict(int)
    responses: dict[int, int] = defaultdict(int)
    means: dict[int, float] = {}
    milestones: dict[int, int] = defaultdict(int)
    Confirmation = aliased(LedgerEntry)
    Reversal = aliased(LedgerEntry)
    for first in range(0, len(ids), 500):
        chunk = ids[first : first + 500]
        for mentor_id, count in db.session.execute(
            select(Mentorship.mentor_id, func.count(func.distinct(Mentorship.mentee_id)))
            .where(
                Mentorship.mentor_id.in_(chunk),
                Mentorship.started_on <= day,
                (Mentorship.ended_on.is_(None)) | (Mentorship.ended_on >= since),
            )
            .group_by(Mentorship.mentor_id)
        ):
            mentees[mentor_id] = count
        for mentor_id, count in db.session.execute(
            select(Mentorship.mentor_id, func.count())
            .join(LedgerEntry, LedgerEntry.mentorship_id == Mentorship.id)
            .join(
                Confirmation, and_(Confirmation.target_id == LedgerEntry.id, Confirmation.entry_type == "confirmation")
            )
            .outerjoin(Reversal, and_(Reversal.target_id == LedgerEntry.id, Reversal.entry_type == "reversal"))
            .where(
                Mentorship.mentor_id.in_(chunk),
                LedgerEntry.entry_type == "contribution",
                LedgerEntry.kind.in_(MEETING_KINDS),
                Reversal.id.is_(None),
                LedgerEntry.occurred_on >= since,
                LedgerEntry.occurred_on <= day,
            )
            .group_by(Mentorship.mentor_id)
        ):
            confirmed[mentor_id] = count
        for mentor_id, count, mean in db.session.execute(
            select(Response.mentor_id, func.count(func.distinct(Response.id)), func.avg(Answer.value))
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.mentor_id.in_(chunk), Response.release_id.is_not(None), Answer.value.is_not(None))
            .group_by(Response.mentor_id)
        ):
            responses[mentor_id], means[mentor_id] = count, round(float(mean), 2)
        # Milestones: mentees' recorded achievements and first mentorships as mentors, by the
        # evidence table's rules (recognition.evidence), inside the window.
        for mentor_id, count in mentee_achievements(chunk, since, day).items():
            milestones[mentor_id] += count
    found_rows = []
    for person in eligible:
        pid = person.id
        points = (
            SUGGESTION_WEIGHTS["mentees"] * mentees[pid]
            + SUGGESTION_WEIGHTS["confirmed_meetings"] * confirmed[pid]
            + SUGGESTION_WEIGHTS["feedback_responses"] * responses[pid]
            + SUGGESTION_WEIGHTS["mentee_milestones"] * milestones[pid]
        )
        found_rows.append(
            Suggestion(person, mentees[pid], confirmed[pid], responses[pid], means.get(pid), milestones[pid], points)
        )
    found_rows.sort(key=lambda s: (-s.points, -s.mentees, s.person.name, s.person.id))
    return found_rows[:limit]


def nominate_suggestion(cycle: Cycle, person_id: int, actor: Actor, day: date, now: datetime) -> Nomination:
    """An admin turning a suggestion into a nomination: the statement says where it came from."""
    if not is_manager(actor, cycle):
        raise Forbidden(
            "Only an award's administrators turn suggestions into nominations.", {"person_id": ["admins only"]}
        )
    person = db.session.get(Person, person_id)
    if person is None:
        raise DomainError.field("person_id", "must name a person in the department")
    text = (
        f"Suggested from the mentorship ledger and nominated by {actor.name}, an administrator of "
        f"{cycle.award.name}. The evidence table shows the record this suggestion rests on."
    )
    return nominate(cycle, person_id, text, actor, day, now, suggested=True)
