"""Grow a database to N ledger entries: a faculty of about 5,000 people with ten years of
mentoring history and a valid hash chain, in minutes, so the scale benchmarks measure the
same department at 10k and at 2M entries.

    python tests/benchmarks/grow.py --entries 2000000 [--people 5000] [--database-url URL] [--out PATH]

or, in an app context, ``grow(entries)``. The first call on an empty database writes the
department with the demo's builders (``recognition.demo.department`` and
``relationships``, their history window stretched to ten years and informal mentoring and
sponsorship scaled up to about 2.6 mentorships a person): divisions with their directors,
a few administrators, one password for every account (``PASSWORD``). Every call then
appends ledger entries until the ledger holds ``entries``, chained exactly as
``ledger.service.append`` would chain them: a later call grows the same ledger further.

The history is written one mentor at a time, in a fixed order, each mentor's whole
history in a block: meetings (academic-plan reviews, peer-group sessions, sponsorship
actions) at a rate drawn per mentor and per mentorship from skewed (log-normal)
distributions (at 2M a few mentors have over 10,000 entries, the median mentor about 400
and a tenth of them fewer than 40); the counterpart's confirmations of
most of them; a few duplicates reversed; and each mentor's own credit-bearing work
(mentor training, some of it accredited, mentoring preparation, reflections on feedback
with their private text) so the year-end batch has real statements to issue. The first
block is a ``featured`` mentor with about 150 entries, followed by every other block that
holds an entry the mentor or one of their mentees sees (their own mentors', the mentee's
own; of the mentees, the one whose blocks hold the least), so a page measured at 10k
entries shows the two with the same history at 2M (``Grown.featured_entries`` says where
it ends). A database grown before these blocks were moved forward cannot be grown
further: its stream no longer matches. Blocks are
written in chain order, so recording times run forward within a mentor's block but
not across blocks (as if each mentor's history had been imported in turn): nothing in
the app orders by recording time.

Resuming relies on every entry so far having been written by ``grow`` with the same seed:
the stream is regenerated up to the head and checked against it.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
import time as timer
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click
from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from recognition import clock
from recognition.auth.models import Account, RoleGrant
from recognition.auth.service import hash_password
from recognition.database import is_postgresql, lock_for_append
from recognition.demo import department, notes, relationships
from recognition.demo import feedback_texts as texts
from recognition.demo.builder import _supervisors_first
from recognition.demo.history import ACCREDITED, HABITS, MEETING_MINUTES
from recognition.extensions import db
from recognition.ledger import chain
from recognition.ledger.models import LedgerEntry
from recognition.ledger.service import LEDGER_LOCK
from recognition.mentorships.models import Mentorship
from recognition.people.models import Division, DivisionDirector, Person
from recognition.reflections.models import Reflection
from recognition.reflections.service import text_digest

PASSWORD = "grow-bench"
SEED = 15
YEARS = 10
TIES_PER_PERSON = 2.45  # aimed at the 12,241 for 5,000 people; the builders make about 13,000
# What the department's history holds when every mentor's block is written: enough for
# 2M entries at 5,000 people (about 2.5M), with a margin. Meeting rates are scaled to it.
CAPACITY_PER_PERSON = 700
# Meeting rates are log-normal: a mentor's own activity times the mentorship's, so each
# mentor's share is skewed (a few with thousands of entries, many with a few dozen).
MENTOR_SIGMA = 1.5
TIE_SIGMA = 1.0
MAX_RATE = 250  # meetings a year on one mentorship: about five a week
FEATURED_ENTRIES = 150
BATCH = 20_000
CONFIRMABLE_KINDS = {"formal": "meeting", "informal": "meeting", "sponsorship": "sponsorship_action"}


@dataclass
class Grown:
    """What ``grow`` built: the ledger's size and the people the benchmarks sign in as."""

    entries: int
    added: int
    seconds: float
    admin_id: int
    director_id: int
    mentor_id: int  # the featured mentor: about 150 entries, all in the first block
    mentee_id: int  # a current mentee of the featured mentor
    # The entries of the blocks that hold the two's history: a ledger of at least this
    # many shows each of them all of it.
    featured_entries: int
    kinds: dict[str, int] = field(default_factory=dict)  # entries added, by entry type or kind
    password: str = PASSWORD


def grow(
    entries: int, *, people: int = 5000, seed: int = SEED, today: date | None = None, progress: bool = True
) -> Grown:
    """Grow the current app's database to ``entries`` ledger entries (see the module's notes).

    ``people`` and ``today`` (the last day of history; default: the real date) shape a new
    database's department; a grown one keeps its own. Commits every ``BATCH`` entries."""
    started = timer.perf_counter()
    if not db.session.scalar(select(func.count()).select_from(Person)):
        _department(seed, today or clock.today(), people, progress)
    history = _History.load(seed)
    head = db.session.execute(
        select(LedgerEntry.seq, LedgerEntry.entry_hash).order_by(LedgerEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq, head.entry_hash) if head else (0, chain.GENESIS)
    kinds: dict[str, int] = {}
    if seq < entries:
        rows = _rows(history, seq, prev_hash, entries)
        _write(rows, entries - seq, kinds, progress)
    return Grown(
        entries=max(seq, entries),
        added=max(0, entries - seq),
        seconds=timer.perf_counter() - started,
        admin_id=history.admin_id,
        director_id=history.director_of[history.featured[0]],
        mentor_id=history.featured[0],
        mentee_id=history.featured[1],
        featured_entries=history.featured_entries,
        kinds=kinds,
    )


# The department ----------------------------------------------------------------------


def _department(seed: int, today: date, people: int, progress: bool) -> None:
    """People, divisions, directors, accounts and mentorships, with the demo's builders."""
    scale = people / 900
    dept = department.build(random.Random(f"{seed}:people"), today, scale)
    # Ten years of mentorships: the demo's builders draw them inside this window.
    dept.system_start = datetime.combine(clock.add_years(today, -YEARS), time(8))
    formal_etc = len(dept.faculty) * 0.6  # formal mentorships and peer groups over ten years, about
    extra = max(scale, (TIES_PER_PERSON * len(dept.faculty) - formal_etc) / 12 / 1.12)
    ties = relationships.build(random.Random(f"{seed}:mentorships"), dept, extra)
    if progress:
        click.echo(f"Writing {len(dept.people)} people and {len(ties)} mentorships", err=True)
    db.session.execute(insert(Division), dept.divisions)
    db.session.execute(insert(Person), [m.row() for m in _supervisors_first(dept)])
    db.session.execute(
        insert(DivisionDirector), [{"division_id": d, "person_id": p} for d, p in sorted(dept.directors.items())]
    )
    password_hash = hash_password(PASSWORD)  # one hash for all: hashing 5,000 would take minutes
    db.session.execute(
        insert(Account),
        [
            {"person_id": m.id, "password_hash": password_hash, "created_at": m.created_at, "disabled": False}
            for m in dept.people
        ],
    )
    directors = set(dept.directors.values())
    admins = [dept.admin.id] + random.Random(f"{seed}:admins").sample(
        sorted(m.id for m in dept.faculty if m.id not in directors), 3
    )
    db.session.execute(insert(RoleGrant), [{"person_id": p, "role": "admin"} for p in admins])
    for start in range(0, len(ties), BATCH):
        db.session.execute(insert(Mentorship), [tie.row() for tie in ties[start : start + BATCH]])
    _move_sequences("divisions", "people", "mentorships")
    db.session.commit()


def _move_sequences(*tables: str) -> None:
    """PostgreSQL: move each table's id sequence past the ids written explicitly."""
    if is_postgresql(db.session):
        for table in tables:
            db.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            )


# The history ---------------------------------------------------------------------------


@dataclass
class _Tie:
    id: int
    mentor_id: int
    mentee_id: int
    kind: str
    started_on: date
    ended_on: date | None
    rate: float = 0.0  # meetings a year


@dataclass
class _History:
    """Every mentor's block of history, regenerated from the stored department and the seed."""

    seed: int
    today: date
    admin_id: int
    ties_of: dict[int, list[_Tie]]
    director_of: dict[int, int]  # person -> their division's director
    order: list[int]  # mentors, in the order their blocks are chained
    featured: tuple[int, int]
    featured_entries: int = 0  # in the featured mentor's block and those of their mentee's other mentors
    habits: dict[int, float] = field(default_factory=dict)

    @classmethod
    def load(cls, seed: int) -> _History:
        admin_id, system_start = db.session.execute(
            select(Person.id, Person.created_at).where(Person.division_id.is_(None)).order_by(Person.id).limit(1)
        ).one()
        today = clock.add_years(system_start.date(), 5)  # the demo starts its roster five years back
        directors = dict(db.session.execute(select(DivisionDirector.division_id, DivisionDirector.person_id)).all())
        director_of = {
            pid: directors[division]
            for pid, division in db.session.execute(select(Person.id, Person.division_id))
            if division is not None
        }
        ties = [
            _Tie(*row)
            for row in db.session.execute(
                select(
                    Mentorship.id,
                    Mentorship.mentor_id,
                    Mentorship.mentee_id,
                    Mentorship.kind,
                    Mentorship.started_on,
                    Mentorship.ended_on,
                ).order_by(Mentorship.id)
            )
        ]
        window = clock.add_years(today, -YEARS)
        activity = {
            m: random.Random(f"{seed}:activity:{m}").gauss(0, MENTOR_SIGMA) for m in {t.mentor_id for t in ties}
        }
        weights = [
            math.exp(activity[tie.mentor_id] + random.Random(f"{seed}:rate:{tie.id}").gauss(0, TIE_SIGMA))
            for tie in ties
        ]
        years = [_years(_span(tie, window, today)) for tie in ties]
        # Entries per meeting: 1 + the confirmed share, about 0.8.
        base = CAPACITY_PER_PERSON * len(director_of) / 1.8 / sum(w * y for w, y in zip(weights, years))
        ties_of: dict[int, list[_Tie]] = {}
        for tie, weight in zip(ties, weights):
            tie.rate = min(MAX_RATE, base * weight)
            ties_of.setdefault(tie.mentor_id, []).append(tie)
        estimate = {
            mentor: sum(t.rate * _years(_span(t, window, today)) * 1.8 for t in own) for mentor, own in ties_of.items()
        }
        open_formal = {
            mentor: [t.mentee_id for t in own if t.kind == "formal" and t.ended_on is None]
            for mentor, own in ties_of.items()
        }
        mentors_of: dict[int, set[int]] = {}
        for tie in ties:
            mentors_of.setdefault(tie.mentee_id, set()).add(tie.mentor_id)
        candidates = [m for m, mentees in open_formal.items() if len(mentees) >= 2 and m not in directors.values()]
        nearest = sorted(candidates, key=lambda m: (abs(estimate[m] - FEATURED_ENTRIES), m))[:20]
        order = sorted(set(ties_of))
        random.Random(f"{seed}:order").shuffle(order)
        history = cls(seed, today, admin_id, ties_of, director_of, order, (0, 0))
        mentor = min(nearest, key=lambda m: (abs(len(history.block(m)) - FEATURED_ENTRIES), m))

        # Every block that holds an entry either of the two sees follows the featured one:
        # their mentors' (where they are mentees) and the mentee's own, if they mentor
        # too. Their mentee is the one whose blocks hold the least history. Both people's
        # pages then show the same history at 10k entries as at 2M.
        def blocks_of(person: int) -> set[int]:
            return mentors_of.get(person, set()) | ({person} if person in ties_of else set())

        def others(mentee: int) -> set[int]:
            return (blocks_of(mentor) | blocks_of(mentee)) - {mentor}

        sizes = {m: len(history.block(m)) for p in open_formal[mentor] for m in others(p)}
        mentee = min(open_formal[mentor], key=lambda p: (sum(sizes[m] for m in others(p)), p))
        first = [mentor, *sorted(others(mentee))]
        history.order = [*first, *(m for m in order if m not in first)]
        history.featured = (mentor, mentee)
        history.featured_entries = sum(len(history.block(m)) for m in first)
        return history

    def blocks(self) -> Iterator[list[dict]]:
        for mentor in self.order:
            yield self.block(mentor)

    def habit(self, person: int) -> float:
        """How readily a person confirms what their counterpart recorded."""
        if person not in self.habits:
            rng = random.Random(f"{self.seed}:habit:{person}")
            self.habits[person] = rng.choices([h[2] for h in HABITS], weights=[h[1] for h in HABITS])[0]
        return self.habits[person]

    def block(self, mentor: int) -> list[dict]:
        """One mentor's history, in the order it is chained; a follower names its target by
        the target's index in the block (``target``)."""
        rng = random.Random(f"{self.seed}:block:{mentor}")
        window = clock.add_years(self.today, -YEARS)
        last_day = self.today - timedelta(days=1)
        cutoff = datetime.combine(self.today, time.min) - timedelta(minutes=1)
        events: list[dict] = []

        def add(kind, tie, day, minutes, note, recorder, at, **more) -> dict:
            event = {
                "entry_type": "contribution",
                "kind": kind,
                "mentorship_id": tie.id if tie else None,
                "person_id": mentor,
                "occurred_on": day,
                "minutes": minutes,
                "note": note,
                "recorded_by_id": recorder,
                "recorded_at": min(at, cutoff - timedelta(seconds=rng.randrange(1, 86400))),
                "reason": None,
                "accreditation": None,
                "target": None,
                **more,
            }
            events.append(event)
            return event

        def follow(target: dict, entry_type: str, recorder: int, at: datetime, reason=None) -> None:
            events.append(
                {
                    **target,
                    "entry_type": entry_type,
                    "kind": None,
                    "minutes": target["minutes"] if entry_type == "reversal" else 0,
                    "note": "",
                    "recorded_by_id": recorder,
                    "recorded_at": at,
                    "reason": reason,
                    "accreditation": None,
                    "target": target,
                }
            )

        for tie in self.ties_of[mentor]:
            start, end = _span(tie, window, self.today)
            if start > end:
                continue
            days = (end - start).days + 1
            count = _poisson(rng, tie.rate * days / 365.25)
            kind = "peer_group_session" if tie.kind == "peer_group" else CONFIRMABLE_KINDS.get(tie.kind, "meeting")
            dates = sorted(start + timedelta(days=rng.randrange(days)) for _ in range(count))
            if tie.kind == "formal":
                dates_reviews = [d for d in (start + timedelta(days=365 * y + 60) for y in range(YEARS)) if d <= end]
            else:
                dates_reviews = []
            for day, what in [(d, kind) for d in dates] + [(d, "academic_plan_review") for d in dates_reviews]:
                recorder = mentor if rng.random() < 0.88 else tie.mentee_id
                note = rng.choice(notes.PLAN_REVIEWS if what == "academic_plan_review" else notes.INFORMAL_TOPICS)
                entry = add(what, tie, day, rng.choice(MEETING_MINUTES), note, recorder, _recorded(rng, day, last_day))
                confirmer = tie.mentee_id if recorder == mentor else mentor
                if rng.random() < 0.005:  # recorded twice by mistake, the duplicate reversed
                    duplicate = add(what, tie, day, entry["minutes"], note, recorder, entry["recorded_at"])
                    duplicate["recorded_at"] += timedelta(seconds=rng.randint(20, 3600))
                    noticed = duplicate["recorded_at"] + timedelta(hours=rng.randint(1, 240))
                    if noticed < cutoff:
                        follow(duplicate, "reversal", recorder, noticed, "Duplicate entry.")
                    else:
                        events.pop()
                if rng.random() < self.habit(confirmer):
                    at = entry["recorded_at"] + timedelta(
                        days=rng.choice((0, 1, 2, 5, 14)), seconds=rng.randint(60, 43200)
                    )
                    if at < cutoff:
                        follow(entry, "confirmation", confirmer, at)
        self._personal(rng, mentor, window, last_day, add)
        events.sort(key=lambda e: e["recorded_at"])
        return events

    def _personal(self, rng: random.Random, mentor: int, window: date, last_day: date, add) -> None:
        """The mentor's own credit-bearing work: training, preparation, reflections."""
        span = (last_day - window).days
        for _ in range(_poisson(rng, 0.35 * YEARS)):
            day = window + timedelta(days=rng.randrange(span))
            note = rng.choice(notes.TRAINING)
            minutes = rng.choice((180, 210, 240, 360, 420))
            add("mentor_training", None, day, minutes, note, mentor, _recorded(rng, day, last_day))
        for _ in range(_poisson(rng, 0.6 * YEARS)):
            day = window + timedelta(days=rng.randrange(span))
            note = rng.choice(notes.PREPARATION)
            add(
                "mentoring_preparation",
                None,
                day,
                rng.choice((20, 30, 45, 60)),
                note,
                mentor,
                _recorded(rng, day, last_day),
            )
        for _ in range(_poisson(rng, 0.25 * YEARS)):
            day = window + timedelta(days=rng.randrange(span))
            template, steps = rng.choice(texts.EXTERNAL)
            fields = {
                "source_name": template.format(year=day.year, span=f"{day.year - 1}–{day.year % 100:02d}"),
                **steps,
            }
            salt = hashlib.sha256(f"grow reflection salt:{mentor}:{day}:{rng.random()}".encode()).hexdigest()[:32]
            add(
                "feedback_reflection",
                None,
                day,
                rng.choice(texts.REFLECTION_MINUTES),
                text_digest(fields, salt),
                mentor,
                _recorded(rng, day, last_day),
                reflection={**fields, "salt": salt},
            )


def _span(tie: _Tie, window: date, today: date) -> tuple[date, date]:
    last_day = today - timedelta(days=1)
    return max(tie.started_on, window), min(tie.ended_on or last_day, last_day)


def _years(span: tuple[date, date]) -> float:
    return max(0, (span[1] - span[0]).days + 1) / 365.25


def _recorded(rng: random.Random, day: date, last_day: date) -> datetime:
    """Most people log on the day; some a few days or weeks later."""
    roll = rng.random()
    lag = 0 if roll < 0.55 else rng.randint(1, 3) if roll < 0.85 else rng.randint(4, 14)
    return datetime.combine(min(day + timedelta(days=lag), last_day), time(7)) + timedelta(
        seconds=rng.randrange(16 * 3600), microseconds=rng.randrange(10**6)
    )


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count, product = count + 1, product * rng.random()
    return count


# Chaining and writing ------------------------------------------------------------------


def _rows(history: _History, seq: int, prev_hash: str, entries: int) -> Iterator[tuple[dict, dict | None]]:
    """Ledger rows from position ``seq`` on, chained to ``prev_hash``, with each
    reflection's row; the stream before ``seq`` is regenerated and checked against the head."""
    position = 0
    for block in history.blocks():
        if position + len(block) <= seq:
            position += len(block)
            continue
        base = position  # the block's first entry is at seq base + 1, with id = seq
        for index, event in enumerate(block):
            event["id"] = base + index + 1
        if seq > base:
            _check_head(block[seq - base - 1])
        for event in block[max(0, seq - base) :]:
            if event["id"] > entries:
                return
            row = {
                "id": event["id"],
                "seq": event["id"],
                "entry_type": event["entry_type"],
                "kind": event["kind"],
                "mentorship_id": event["mentorship_id"],
                "person_id": event["person_id"],
                "occurred_on": event["occurred_on"],
                "minutes": event["minutes"],
                "note": event["note"],
                "recorded_by_id": event["recorded_by_id"],
                "recorded_at": event["recorded_at"],
                "target_id": event["target"]["id"] if event["target"] is not None else None,
                "reason": event["reason"],
                "prev_hash": prev_hash,
                "accreditation": ACCREDITED.get(event["note"]) if event["kind"] == "mentor_training" else None,
                "chain_version": chain.CHAIN_VERSION,
            }
            row["entry_hash"] = prev_hash = chain.entry_hash(chain.hashed(row))
            reflection = event.get("reflection") if event["entry_type"] == "contribution" else None
            yield row, reflection
        position += len(block)
    raise ValueError(
        f"this department's history holds {position:,} entries, fewer than {entries:,}: grow a larger one (--people)"
    )


def _check_head(event: dict) -> None:
    stored = db.session.execute(
        select(LedgerEntry.person_id, LedgerEntry.entry_type, LedgerEntry.occurred_on).where(
            LedgerEntry.seq == event["id"]
        )
    ).one()
    if tuple(stored) != (event["person_id"], event["entry_type"], event["occurred_on"]):
        raise ValueError("this ledger was not grown by grow() with this seed, or was appended to since: cannot resume")


def _write(rows: Iterator[tuple[dict, dict | None]], total: int, kinds: dict[str, int], progress: bool) -> None:
    next_reflection = (db.session.scalar(select(func.max(Reflection.id))) or 0) + 1
    bar = click.progressbar(length=total, label="Growing the ledger", file=sys.stderr if progress else _Null())
    with bar:
        batch: list[dict] = []
        reflections: list[dict] = []
        for row, reflection in rows:
            batch.append(row)
            key = row["kind"] or row["entry_type"]
            kinds[key] = kinds.get(key, 0) + 1
            if reflection is not None:
                reflections.append(
                    {
                        "id": next_reflection,
                        "ledger_entry_id": row["id"],
                        "person_id": row["person_id"],
                        "source": "external",
                        "release_id": None,
                        "period": None,
                        "created_at": row["recorded_at"],
                        **reflection,
                    }
                )
                next_reflection += 1
            if len(batch) == BATCH:
                _flush(batch, reflections)
                bar.update(len(batch))
                batch, reflections = [], []
        if batch:
            _flush(batch, reflections)
            bar.update(len(batch))
    _move_sequences("ledger_entries", "reflections")
    db.session.commit()


def _flush(batch: list[dict], reflections: list[dict]) -> None:
    lock_for_append(db.session, LEDGER_LOCK)
    for table, rows in ((LedgerEntry.__table__, batch), (Reflection.__table__, reflections)):
        if not rows:
            continue
        if is_postgresql(db.session):
            _copy(table.name, rows)
        else:
            # A Core executemany: the ORM's bulk insert splits a batch wherever the rows'
            # NULL columns differ.
            db.session.connection().execute(table.insert(), rows)
    db.session.commit()


def _copy(table: str, rows: list[dict]) -> None:
    """PostgreSQL's COPY, in the session's transaction: several times faster than INSERT."""
    columns = list(rows[0])
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


class _Null:
    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, required=True, help="ledger size to grow to")
    parser.add_argument("--people", type=int, default=5000, help="faculty size, when the database is new")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--database-url", help="a migrated or empty database (default: a new SQLite file)")
    parser.add_argument("--out", help="SQLite file to create or grow (instead of --database-url)")
    args = parser.parse_args()
    from common import fresh_app

    url = args.database_url or (f"sqlite:///{Path(args.out).resolve()}" if args.out else None)
    app, url = fresh_app(url)
    with app.app_context():
        grown = grow(args.entries, people=args.people, seed=args.seed)
    print(
        f"{url}: {grown.entries:,} entries ({grown.added:,} added in {grown.seconds:.1f} s); "
        f"password {grown.password!r}; admin {grown.admin_id}, director {grown.director_id}, "
        f"featured mentor {grown.mentor_id} and mentee {grown.mentee_id} "
        f"(their whole history in the first {grown.featured_entries:,} entries)"
    )


if __name__ == "__main__":
    main()
