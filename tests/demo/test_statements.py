"""The demo's credit statements: every state a newcomer should see, each statement whole,
issued after the history it counts, and the same from the same seed and day (but for
codes and signatures); and accredited training in a ledger that still verifies."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from recognition.credits import activities, canonical, profiles, service, signing, verification
from recognition.credits.models import Statement, StatementRevocation
from recognition.demo import statements as demo_statements
from recognition.extensions import db
from recognition.ledger import chain
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.people.models import Person

from .conftest import TODAY, load

YEARS = {TODAY.year - 2, TODAY.year - 1}
MIDNIGHT = datetime.combine(TODAY, datetime.min.time())


def test_the_demo_has_current_superseded_and_revoked_statements(app, logins):
    with app.app_context():
        rows = list(db.session.scalars(select(Statement).order_by(Statement.id)))
        states = service.statuses([s.id for s in rows])
        mentor = db.session.scalar(select(Person.id).where(Person.email == logins["mentor"][0]))
        revocations = list(db.session.scalars(select(StatementRevocation)))

        assert Counter(states.values()).keys() == {"current", "superseded", "revoked"}
        assert {s.year for s in rows} == YEARS
        assert all(count <= demo_statements.PER_YEAR + 2 for count in Counter(s.year for s in rows).values())
        # The demo mentor sees a statement and the one it replaced.
        (old,) = [s for s in rows if states[s.id] == "superseded"]
        newer = service.successor_of(old.id)
        assert old.person_id == newer.person_id == mentor
        assert (old.version, newer.version, states[newer.id]) == (1, 2, "current")
        assert json.loads(newer.document)["supersedes"] == old.number
        assert Decimal(json.loads(newer.document)["total"]) > Decimal(json.loads(old.document)["total"])
        # Someone else's statement was revoked, with a reason.
        (revocation,) = revocations
        revoked = db.session.get(Statement, revocation.statement_id)
        assert revoked.person_id != mentor and revocation.reason.strip()
        assert verification.verification(revoked.code)["status"] == "revoked"


def test_every_demo_statement_is_whole_and_issued_after_what_it_counts(app, logins):
    with app.app_context():
        public = signing.app_key(app).public
        for statement in db.session.scalars(select(Statement)):
            assert canonical.check_signed(canonical.signed_json(statement), public)[0], statement.number
            assert hashlib.sha256(statement.pdf).hexdigest() == statement.pdf_sha256
            head = db.session.scalar(select(LedgerEntry).where(LedgerEntry.seq == statement.ledger_seq))
            assert head.entry_hash == statement.ledger_hash
            assert head.recorded_at < statement.issued_at < MIDNIGHT
            for activity in json.loads(statement.document)["activities"]:
                entry = db.session.get(LedgerEntry, activity["entry_id"])
                assert entry.entry_hash == activity["entry_hash"] and entry.seq <= statement.ledger_seq
        for revocation in db.session.scalars(select(StatementRevocation)):
            assert db.session.get(Statement, revocation.statement_id).issued_at < revocation.revoked_at < MIDNIGHT


def test_the_same_seed_and_day_issue_the_same_statements(app, other_app):
    load(app)
    load(other_app)
    snapshots = []
    for each in (app, other_app):
        with each.app_context():
            rows = list(db.session.scalars(select(Statement).order_by(Statement.id)))
            states = service.statuses([s.id for s in rows])
            snapshots.append(
                [
                    (
                        s.number,
                        s.person_id,
                        s.framework_id,
                        s.year,
                        s.version,
                        s.basis_hash,
                        s.total,
                        s.issued_at,
                        s.ledger_seq,
                        s.ledger_hash,
                        states[s.id],
                    )
                    for s in rows
                ]
            )
    assert snapshots[0] == snapshots[1]
    assert snapshots[0]


def test_the_demo_ledger_verifies_with_accredited_training(app, logins):
    with app.app_context():
        assert ledger.verify().valid
        training = list(
            db.session.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.kind == "mentor_training", LedgerEntry.entry_type == "contribution"
                )
            )
        )
        accredited = [entry for entry in training if entry.accreditation]
        assert accredited and len(accredited) < len(training)
        for entry in training:
            fields = entry.hashed_fields()
            assert ("accreditation" in fields) == (entry.accreditation is not None)
            assert chain.entry_hash(fields) == entry.entry_hash
        # Accredited training earns Section 1 credit at the full rate (1/h), the rest at half.
        moc = profiles.framework("royal_college_moc")
        sourced = activities.activities_of(sorted({entry.person_id for entry in training}))
        credited = {
            c.source.entry_id: c.credit
            for person in sourced.values()
            for c in activities.credits_for(moc, person, None)
        }
        for entry in training:
            credit, rate = credited[entry.id], Decimal(1 if entry.accreditation else "0.5")
            assert credit.section == "section_1"
            assert credit.credits == (Decimal(entry.minutes) / 60 * rate).quantize(Decimal("0.01")), entry.id
