"""Supporting letters on a nomination: added by its nominators while nominations are open,
read by those the phase allows (the committee once it reviews), removed by whoever added
them."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from ...auth.service import Actor
from ...errors import Conflict, DomainError, Forbidden, NotFound
from ...extensions import db
from ..managers import is_manager
from ..models import Letter, Nomination
from . import pdf as letter_files
from .service import require_open, required_text, role_in

MAX_LETTERS = 5


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
    nomination: Nomination, data: bytes, filename: str, author: str | None, actor: Actor, day: date, now: datetime
) -> Letter:
    """A supporting letter, uploaded by a nominator (or the award's admin) while open."""
    roles = role_in(actor, nomination)
    if not roles & {"nominator", "manager"}:
        raise Forbidden("Only a nominator or the award's administrator adds letters.", {"letter": ["nominators only"]})
    require_open(nomination.cycle, day, "letter")
    author = required_text(author, "author", 200)
    filename = (filename or "letter.pdf").replace("/", "_").replace("\\", "_").strip()[-200:] or "letter.pdf"
    count = (
        db.session.scalar(select(func.count()).select_from(Letter).where(Letter.nomination_id == nomination.id)) or 0
    )
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
    require_open(nomination.cycle, day, "letter")
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
