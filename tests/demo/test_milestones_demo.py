"""The demo's recorded milestones and profiles: every milestone is a ledger entry that
fingerprints it; each person's record follows their appointment and rank (an
appointment, a CFAR after three years, the promotions to today's rank after it); most
CFARs due have passed; some milestones were self-reported (most confirmed by the
director, the demo mentee's grant still waiting); one was withdrawn, one corrected; a few
people keep a philosophy, and one of the demo mentor's mentees chose not to be named.

Built once per backend for the module, at a tenth of the size; the tests only read.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from recognition.auth.service import COMMAND_LINE
from recognition.clock import add_years
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.metrics import attention, report
from recognition.metrics import service as metrics
from recognition.milestones import queries
from recognition.milestones.models import Milestone
from recognition.milestones.rules import FINGERPRINTED, OPTIONAL_FIELDS, cleaned, completed, fingerprint, problems
from recognition.people.models import RANKS, DivisionDirector, Person, Profile
from recognition.people.profiles import profile_of
from tests.conftest import module_app, selected_backends

from .conftest import TODAY, demo_source

RANKS_BY_NOW = {"assistant": [], "associate": ["associate"], "full": ["associate", "full"]}


@dataclass
class Demo:
    app: object
    ids: dict[str, int]


@pytest.fixture(scope="module", params=selected_backends())
def demo(request, tmp_path_factory):
    source, logins = demo_source(request, request.param)  # the demo the other demo tests read
    with module_app(request, tmp_path_factory, "milestones-demo", source=source) as app:
        with app.app_context():
            ids = {role: db.session.scalar(select(Person.id).where(Person.email == email)) for role, email, _ in logins}
        yield Demo(app, ids)


def test_every_milestone_is_fingerprinted_by_its_ledger_entry_and_the_chain_verifies(demo):
    with demo.app.app_context():
        rows = list(db.session.scalars(select(Milestone).order_by(Milestone.id)))
        assert len(rows) > 150
        for row in rows:
            entry = db.session.get(LedgerEntry, row.ledger_entry_id)
            assert (entry.entry_type, entry.kind, entry.person_id, entry.occurred_on, entry.minutes) == (
                "contribution",
                "milestone",
                row.person_id,
                row.occurred_on,
                0,
            )
            assert entry.note == fingerprint({name: getattr(row, name) for name in FINGERPRINTED}), row.id
            assert entry.recorded_by_id == row.recorded_by_id and entry.recorded_at == row.recorded_at
            assert row.occurred_on <= row.recorded_at.date() < TODAY
            # As the milestones service would have accepted it on the day it was recorded.
            fields = {name: getattr(row, name) for name in ("kind", "occurred_on", "note", *OPTIONAL_FIELDS)}
            assert problems(cleaned(fields), row.recorded_at.date(), RANKS) == {}, row.id
            assert completed(cleaned(fields), row.recorded_at.date()) == cleaned(fields), row.id
        assert ledger.verify().valid


def test_each_record_follows_the_appointment_and_the_rank(demo):
    with demo.app.app_context():
        people = [p for p in db.session.scalars(select(Person)) if p.appointed_on is not None]
        standing = queries.standing([p.id for p in people])
        pending = {
            m.person_id for m in db.session.scalars(select(Milestone).where(Milestone.source == "self_reported"))
        }
        due, passed = 0, 0
        for person in people:
            mine = standing.get(person.id, [])
            assert [(m.kind, m.occurred_on, m.source) for m in mine if m.kind == "appointment"] == [
                ("appointment", person.appointed_on, "imported")
            ]
            assert all(m.occurred_on >= person.appointed_on for m in mine)
            cfars = [m for m in mine if m.kind == "cfar"]
            assert all(m.occurred_on >= add_years(person.appointed_on, 3) - timedelta(days=200) for m in cfars)
            promotions = [m for m in mine if m.kind == "promotion"]
            if person.id not in pending:
                assert [m.rank for m in promotions] == RANKS_BY_NOW[person.rank], person.id
            if promotions and cfars:
                assert min(m.occurred_on for m in promotions) > max(
                    m.occurred_on for m in cfars if m.outcome == "passed"
                )
            if add_years(person.appointed_on, 3) < TODAY - timedelta(days=90):
                due += 1
                passed += any(m.outcome == "passed" for m in cfars)
            # Nothing due is "reached": a CFAR extended and not yet re-reviewed is due again.
            if person.rank == "assistant" and cfars and cfars[-1].outcome == "extended":
                assert queries.cfar_due_for(person.appointed_on, mine) == add_years(cfars[-1].occurred_on, 2)
        assert passed / due >= 0.8
        kinds = Counter(m.kind for found in standing.values() for m in found)
        assert {"appointment", "cfar", "promotion", "grant"} <= set(kinds)
        grants = list(db.session.scalars(select(Milestone).where(Milestone.kind == "grant")))
        assert all(g.title and g.agency and g.role and g.year == g.occurred_on.year for g in grants)
        assert {"Canadian Institutes of Health Research (CIHR)", "Department of Medicine Research Fund"} <= {
            g.agency for g in grants
        }


def test_self_reported_milestones_wait_for_the_director_and_the_demo_mentee_has_one_waiting(demo):
    with demo.app.app_context():
        reported = list(db.session.scalars(select(Milestone).where(Milestone.source == "self_reported")))
        confirmed = {
            e.target_id: e
            for e in db.session.scalars(
                select(LedgerEntry).where(
                    LedgerEntry.entry_type == "confirmation",
                    LedgerEntry.target_id.in_([m.ledger_entry_id for m in reported]),
                )
            )
        }
        directors = {(d.person_id, d.division_id) for d in db.session.scalars(select(DivisionDirector))}
        waiting = [m for m in reported if m.ledger_entry_id not in confirmed]
        assert 1 <= len(waiting) <= 4 and all(m.recorded_by_id == m.person_id for m in reported)
        for m in reported:
            if m.ledger_entry_id in confirmed:
                by = confirmed[m.ledger_entry_id].recorded_by_id
                assert by == demo.ids["admin"] or (by, m.person.division_id) in directors
        mine = [m for m in waiting if m.person_id == demo.ids["mentee"]]
        assert [m.kind for m in mine] == ["grant"]
        standing = queries.standing([demo.ids["mentee"]]).get(demo.ids["mentee"], [])
        assert mine[0].id not in {m.id for m in standing}


def test_one_milestone_was_withdrawn_and_one_corrected(demo):
    with demo.app.app_context():
        rows = {m.ledger_entry_id: m for m in db.session.scalars(select(Milestone))}
        reversals = [
            e
            for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.entry_type == "reversal"))
            if e.target_id in rows
        ]
        assert len(reversals) == 2
        corrections = [m for m in rows.values() if m.corrects_id is not None]
        assert len(corrections) == 1
        [correction] = corrections
        old = correction.corrects
        assert old.ledger_entry_id in {e.target_id for e in reversals}
        assert (old.kind, old.person_id, old.rank) == (correction.kind, correction.person_id, correction.rank)
        assert old.occurred_on != correction.occurred_on
        standing = {m.id for found in queries.standing([correction.person_id]).values() for m in found}
        assert correction.id in standing and old.id not in standing
        [withdrawn] = [e for e in reversals if e.target_id != old.ledger_entry_id]
        assert rows[withdrawn.target_id].kind == "grant" and "wrong person" in withdrawn.reason


def test_a_few_keep_a_philosophy_and_a_mentee_of_the_demo_mentor_is_not_named(demo):
    with demo.app.app_context():
        profiles = list(db.session.scalars(select(Profile)))
        assert profile_of(demo.ids["mentor"])[1]
        assert sum(1 for p in profiles if p.philosophy) >= 3
        assert all(len(p.philosophy) <= 4000 and p.updated_at.date() < TODAY for p in profiles)
        mentees = set(
            db.session.scalars(select(Mentorship.mentee_id).where(Mentorship.mentor_id == demo.ids["mentor"]))
        )
        hidden = {p.person_id for p in profiles if not p.named_in_dossiers}
        assert hidden & (mentees - {demo.ids["mentee"]})
        assert profile_of(demo.ids["mentee"]) == (True, "")


def test_the_program_metrics_have_something_to_show_including_withheld_cells_and_overdue_check_ins(demo):
    """At a tenth of the demo's size: every metric of the last full year has figures (shown,
    or withheld as too small, never empty), most show the department's; some cells are
    withheld; some check-ins are held and some are overdue. (At full size every metric
    shows the department's figure.)"""
    with demo.app.app_context():
        found = metrics.results(None, TODAY.year - 1, TODAY)  # every division, as an administrator sees them
        states = Counter(cell.state for result in found for row in result.rows for cell in row.cells.values())
        assert states["shown"] and states["withheld"]
        for result in found:
            assert any(cell.state != "no_data" for row in result.rows for cell in row.cells.values()), result.metric.id
        department = [r for r in found if any(c.state == "shown" for c in r.department.cells.values())]
        assert len(department) >= len(found) - 3
        held = db.session.scalar(select(db.func.count()).where(Milestone.kind == "check_in"))
        overdue = next(a for a in attention.needs_attention(COMMAND_LINE, TODAY) if a.kind == "check_in_overdue")
        assert held > 0 and overdue.total > 0


def test_last_years_program_report_is_issued_with_shown_and_withheld_cells(demo):
    with demo.app.app_context():
        (issued,) = report.listed(COMMAND_LINE)
        assert (issued.year, issued.version, issued.issuer) == (TODAY.year - 1, 1, "scheduler")
        assert hashlib.sha256(issued.pdf).hexdigest() == issued.pdf_sha256 and issued.pdf.startswith(b"%PDF")
        cells = [c for r in json.loads(issued.payload)["results"] for row in r["rows"] for c in row["cells"]]
        assert {"shown", "withheld"} <= {cell["state"] for cell in cells}
