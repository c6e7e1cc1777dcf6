"""Award work at demo scale, each against a baseline doing the bare part of the same work
in the same run:

- suggestions for a department award (eligibility of every mentor, ledger evidence, the
  points order) against one bare SQL aggregate of the same counts;
- the committee ranking of 40 nominations by 6 members (reading scores, finding conflicts
  in the mentoring graph, ranking) against ``ranking.rank`` on the same scores in memory;
- opening a cycle (the transition and its call for nominations to every account) against
  a bare executemany insert of the same outbox rows.

    python tests/benchmarks/bench_awards.py [--repeat 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date, timedelta

from common import describe, fresh_app


def timed(work, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app, _ = fresh_app(args.database_url)

    from sqlalchemy import and_, func, insert, select
    from sqlalchemy.orm import aliased

    from recognition.auth.models import RoleGrant
    from recognition.auth.service import load_actor
    from recognition.awards import lifecycle
    from recognition.awards.committee import ranking, recusal
    from recognition.awards.committee import service as committee
    from recognition.awards.cycles import service as cycles
    from recognition.awards.definitions import service as definitions
    from recognition.awards.models import Cycle, Nomination, ScoreSet
    from recognition.awards.nominations import service as nominations
    from recognition.awards.nominations import suggestions
    from recognition.clock import today, utcnow
    from recognition.demo import builder
    from recognition.extensions import db
    from recognition.ledger.models import LedgerEntry
    from recognition.mentorships.models import Mentorship
    from recognition.outbox import OutboxMessage
    from recognition.people.models import Person

    with app.app_context():
        builder.load(2024)
        day = today()
        now = utcnow()
        people = db.session.scalar(select(func.count()).select_from(Person))
        award = definitions.create(
            {
                "slug": "bench-award",
                "name": "Benchmark Award",
                "opens": "01-02",
                "closes": "01-03",
                "review_ends": "01-04",
                "decision": "01-05",
                "announcement": "01-06",
            },
            now,
        )
        cycle = cycles.create_cycle(
            award,
            day.year + 1,
            now,
            dates={
                "opens_on": day,
                "closes_on": day + timedelta(days=10),
                "review_ends_on": day + timedelta(days=20),
                "decision_on": day + timedelta(days=21),
                "announce_on": day + timedelta(days=22),
            },
        )
        db.session.commit()

        # 3. Opening the cycle: the call for nominations to every account.
        def open_cycle():
            fresh = db.session.get(Cycle, cycle.id)
            lifecycle.step(fresh, "open", day, now)
            db.session.rollback()

        opened = timed(open_cycle, max(3, args.repeat // 4))
        calls = [
            {
                "key": f"bench:{i}",
                "recipient": f"p{i}@example.org",
                "subject": "Call for nominations",
                "body": "Dear colleague,\n\n" + "x" * 600,
                "created_at": now,
                "attempts": 0,
            }
            for i in range(people)
        ]

        def bare_insert():
            db.session.execute(insert(OutboxMessage), calls)
            db.session.rollback()

        inserted = timed(bare_insert, max(3, args.repeat // 4))
        lifecycle.step(db.session.get(Cycle, cycle.id), "open", day, now)
        db.session.commit()

        # 1. Suggestions.
        fresh = db.session.get(Cycle, cycle.id)
        suggested = timed(lambda: suggestions.suggestions(fresh, day), args.repeat)
        Confirmation = aliased(LedgerEntry)
        since = date(day.year - 5, day.month, min(day.day, 28))

        def bare_counts():
            db.session.execute(
                select(
                    Mentorship.mentor_id, func.count(func.distinct(Mentorship.mentee_id)), func.count(Confirmation.id)
                )
                .outerjoin(
                    LedgerEntry, and_(LedgerEntry.mentorship_id == Mentorship.id, LedgerEntry.occurred_on >= since)
                )
                .outerjoin(
                    Confirmation,
                    and_(Confirmation.target_id == LedgerEntry.id, Confirmation.entry_type == "confirmation"),
                )
                .group_by(Mentorship.mentor_id)
            ).all()

        counted = timed(bare_counts, args.repeat)

        # 2. The ranking: 40 nominations, 6 members, every unrecused member scores all.
        top = [s.person.id for s in suggestions.suggestions(fresh, day, limit=46)]
        actor = load_actor(db.session.scalar(select(RoleGrant.person_id).where(RoleGrant.role == "admin").limit(1)))
        for person_id in top[:6]:
            committee.add_member(fresh, person_id, actor, now)
        for person_id in top[6:46]:
            nominations.nominate(fresh, person_id, "Benchmark nomination.", actor, day, now)
        db.session.commit()
        fresh = db.session.get(Cycle, cycle.id)
        lifecycle.step(fresh, "closed", day, now)
        lifecycle.step(fresh, "review", day, now)
        db.session.commit()
        rng = random.Random(7)
        text = definitions.rubric_text(award)
        for nomination in db.session.scalars(select(Nomination).where(Nomination.cycle_id == cycle.id)):
            for member_id in top[:6]:
                if recusal.recused(nomination, member_id):
                    continue
                values = {c.id: rng.randint(text.low, text.high) for c in text.criteria}
                committee.score(nomination, load_actor(member_id), values, "", day, now)
        db.session.commit()
        reviews = len(
            db.session.scalars(select(ScoreSet.id).join(Nomination).where(Nomination.cycle_id == cycle.id)).all()
        )
        ranked = timed(lambda: committee.ranking_rows(db.session.get(Cycle, cycle.id)), args.repeat)
        rubric = definitions.rubric(db.session.get(Cycle, cycle.id))
        sets = [
            ranking.ScoreSet(s.member_id, s.nomination_id, json.loads(s.scores))
            for s in db.session.scalars(select(ScoreSet).join(Nomination).where(Nomination.cycle_id == cycle.id))
        ]
        ids = list(db.session.scalars(select(Nomination.id).where(Nomination.cycle_id == cycle.id)))
        pure = timed(lambda: ranking.rank(rubric, sets, ids), args.repeat)

    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    print(f"\nbackend: {backend}; demo department: {people} people")

    def line(label, mine, base, base_label):
        ratio = sorted(mine)[len(mine) // 2] / sorted(base)[len(base) // 2]
        print(f"{label}: {describe(mine)}\n  baseline, {base_label}: {describe(base)}\n  ratio: {ratio:.1f}x")

    line(f"open a cycle (call for nominations to {people} accounts)", opened, inserted, "bare executemany insert")
    line("suggestions for a department award", suggested, counted, "one bare SQL aggregate")
    line(f"ranking of {len(ids)} nominations, {reviews} score sets", ranked, pure, "ranking.rank in memory")


if __name__ == "__main__":
    main()
