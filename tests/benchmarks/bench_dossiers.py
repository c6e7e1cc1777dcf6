"""A promotion dossier for a mentor with 40 mentees over 12 years: JSON and PDF latency with
the ledger at 10,000 entries and at a much larger size, and the PDF against a bare
reportlab document of the same table.

    python tests/benchmarks/bench_dossiers.py [--large 2000000] [--database-url URL]

The mentor's own history (about 700 meetings, three in four confirmed, and recorded
milestones of their mentees) is written first; the rest of the ledger is other people's
meetings, bulk-inserted with unique placeholder hashes (this measures reading, not the
chain: ``ledger verify`` is not run on it). The dossier's cost should grow with the
mentor's own history, not the ledger's size: the ratio large/10k says whether it does.

The baseline for the PDF, measured in the same run: the mentee table alone, as plain
strings in reportlab's built-in font on a bare SimpleDocTemplate.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import time
from datetime import date, datetime, timedelta

from common import describe, fresh_app

MENTEES, YEARS = 40, 12
BATCH = 20_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=2_000_000, help="Ledger size of the second measurement")
    parser.add_argument("--database-url", help="PostgreSQL (a fresh, empty, migrated database)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app, _ = fresh_app(args.database_url)
    with app.app_context():
        from recognition.extensions import db

        person_id, start, end = build_mentor()
        print(f"\nbackend {db.engine.dialect.name}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        timings = {}
        for size in (10_000, args.large):
            started = time.perf_counter()
            fill_to(size)
            print(f"ledger filled to {size:,} entries in {time.perf_counter() - started:.1f} s")
            timings[size] = measure(person_id, start, end, args.runs)
        small, large = timings[10_000], timings[args.large]
        for what in ("json", "pdf"):
            print(
                f"dossier {what}: 10k {describe(small[what])}; {args.large:,} {describe(large[what])}; "
                f"ratio {median(large[what]) / median(small[what]):.2f}x"
            )
        bare = bare_pdf(person_id, start, end, args.runs)
        print(
            f"bare reportlab table: {describe(bare)}; dossier PDF render / bare: "
            f"{median(large['render']) / median(bare):.2f}x"
        )


def median(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2]


def build_mentor():
    """The mentor, 40 mentees with mentorships over 12 years, their meetings and milestones."""
    from recognition.extensions import db
    from recognition.mentorships.models import Mentorship
    from recognition.milestones.models import Milestone
    from recognition.people.models import Division, Person

    now = datetime(2026, 12, 1)
    division = Division(name="Cardiology", code="CARD")
    db.session.add(division)
    db.session.flush()

    def person(index: int, rank: str) -> Person:
        row = Person(
            name=f"Person {index}",
            email=f"p{index}@bench.example.org",
            division_id=division.id,
            rank=rank,
            position="clinician_teacher",
            appointed_on=date(2010, 7, 1),
            created_at=now,
        )
        db.session.add(row)
        return row

    mentor = person(0, "full")
    mentees = [person(i + 1, ("lecturer", "assistant", "associate")[i % 3]) for i in range(MENTEES)]
    filler_mentor, filler_mentee = person(900, "full"), person(901, "assistant")
    db.session.flush()
    first = date(2014, 12, 1)
    rows, seq, recorded = [], 0, []
    for i, mentee in enumerate(mentees):
        began = first + timedelta(days=int(i * YEARS * 365 / MENTEES))
        ended = min(began + timedelta(days=365 * (3 + i % 4)), date(2026, 11, 30))
        m = Mentorship(
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            kind=("formal", "sponsorship", "peer_group")[i % 3],
            started_on=began,
            ended_on=ended if ended < date(2026, 11, 30) else None,
            created_at=now,
        )
        db.session.add(m)
        db.session.flush()
        day = began + timedelta(days=20)
        while day <= ended:
            seq += 1
            rows.append(_entry(seq, "contribution", "meeting", m.id, mentor.id, day, 60, None))
            if seq % 4:
                target = seq
                seq += 1
                rows.append(_entry(seq, "confirmation", None, m.id, mentor.id, day, 0, target))
            day += timedelta(days=91)
        for kind, offset, rank in (("promotion", 700, "associate"), ("grant", 400, None)):
            seq += 1
            rows.append(
                _entry(seq, "contribution", "milestone", None, mentee.id, began + timedelta(days=offset), 0, None)
            )
            recorded.append(
                Milestone(
                    person_id=mentee.id,
                    kind=kind,
                    occurred_on=began + timedelta(days=offset),
                    rank=rank,
                    title="Operating grant" if kind == "grant" else None,
                    note="",
                    source="entered",
                    ledger_entry_id=seq,
                    recorded_at=now,
                )
            )
    _insert(rows)
    db.session.add_all(recorded)
    db.session.flush()
    filler = Mentorship(
        mentor_id=filler_mentor.id,
        mentee_id=filler_mentee.id,
        kind="formal",
        started_on=date(2000, 1, 1),
        created_at=now,
    )
    db.session.add(filler)
    db.session.commit()
    _state.update(seq=seq, mentorship=filler.id, person=filler_mentor.id)
    print(f"mentor history: {MENTEES} mentees over {YEARS} years, {seq} ledger entries")
    return mentor.id, date(2015, 1, 1), date(2026, 11, 30)


_state: dict = {}


def _entry(seq, entry_type, kind, mentorship_id, person_id, day, minutes, target):
    return {
        "id": seq,
        "seq": seq,
        "entry_type": entry_type,
        "kind": kind,
        "mentorship_id": mentorship_id,
        "person_id": person_id,
        "occurred_on": day,
        "minutes": minutes,
        "note": "",
        "recorded_by_id": person_id,
        "recorded_at": datetime(2026, 12, 1),
        "target_id": target,
        "reason": None,
        "accreditation": None,
        "prev_hash": hashlib.sha256(str(seq - 1).encode()).hexdigest(),
        "entry_hash": hashlib.sha256(str(seq).encode()).hexdigest(),
        "chain_version": None,
    }


def _insert(rows: list[dict]) -> None:
    from sqlalchemy import insert

    from recognition.extensions import db
    from recognition.ledger.models import LedgerEntry

    for first in range(0, len(rows), BATCH):
        db.session.execute(insert(LedgerEntry), rows[first : first + BATCH])


def fill_to(size: int) -> None:
    """Other people's meetings until the ledger holds ``size`` entries."""
    from recognition.extensions import db

    seq = _state["seq"]
    while seq < size:
        batch = []
        for _ in range(min(BATCH, size - seq)):
            seq += 1
            day = date(2000, 1, 1) + timedelta(days=seq % 9000)
            batch.append(_entry(seq, "contribution", "meeting", _state["mentorship"], _state["person"], day, 30, None))
        _insert(batch)
        db.session.commit()
    _state["seq"] = seq


def measure(person_id: int, start: date, end: date, runs: int) -> dict[str, list[float]]:
    from recognition.auth.service import COMMAND_LINE
    from recognition.credits.service import certificate_settings
    from recognition.dossiers import export, service
    from recognition.dossiers.pdf import render
    from recognition.extensions import db

    found: dict[str, list[float]] = {"json": [], "pdf": [], "render": []}
    for _ in range(runs + 1):  # the first warms caches and fonts
        db.session.expire_all()
        started = time.perf_counter()
        access = service.resolve(COMMAND_LINE, person_id, start, end, date(2026, 12, 1))
        document = service.draft(access)
        export.to_json(document)
        built = time.perf_counter()
        render(document, certificate_settings())
        done = time.perf_counter()
        found["json"].append(built - started)
        found["pdf"].append(done - started)
        found["render"].append(done - built)
    assert len(document["mentees"]) == MENTEES
    return {key: values[1:] for key, values in found.items()}


def bare_pdf(person_id: int, start: date, end: date, runs: int) -> list[float]:
    """The mentee table alone on a bare reportlab document: the floor of any PDF of it."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.platypus import SimpleDocTemplate, Table

    from recognition.auth.service import COMMAND_LINE
    from recognition.dossiers import service

    document = service.draft(service.resolve(COMMAND_LINE, person_id, start, end, date(2026, 12, 1)))
    rows = [["#", "Mentee", "Stage", "Kind", "Span", "Confirmed", "Hours", "Milestones"]]
    rows += [
        [
            r["row"],
            r["mentee"],
            r["career_stage_label"],
            r["kind_label"],
            f"{r['started_on']} {r['ended_on']}",
            f"{r['confirmed_meetings']} of {r['meetings']}",
            r["contact_hours"],
            "; ".join(m["label"] for m in r["milestones"]),
        ]
        for r in document["mentees"]
    ]
    samples = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        SimpleDocTemplate(io.BytesIO(), pagesize=LETTER).build([Table(rows, repeatRows=1)])
        samples.append(time.perf_counter() - started)
    return samples[1:]


if __name__ == "__main__":
    main()
