"""Whatever the ledger holds and whoever asks, the contributions list shows exactly the
entries a plain reading of who-sees-what allows, newest first, however it is paged
(offset or cursor) and whichever way the query is planned (a few ordered index ranges,
or the date index walked for a director of a large division); its total agrees.

One department per backend for the module; each example adds its entries inside a
transaction that is rolled back, so the examples never see each other's."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from recognition.auth.service import Actor
from recognition.extensions import db
from recognition.ledger import service
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from tests.conftest import module_app, selected_backends
from tests.support.department import Department

DAY = date(2025, 1, 1)


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    """(app, people ids, mentorship ids): the small department plus two mentorships that
    cross its divisions, so a mentee's division and the mentor's differ."""
    with module_app(request, tmp_path_factory, "visibility") as app:
        with app.app_context():
            dept = Department.build()
            dept.pair("mentor", "other_mentee", kind="informal")
            dept.pair("other_mentor", "mentee", kind="sponsorship")
            db.session.commit()
            people = sorted(db.session.scalars(select(Person.id)))
            mentorships = sorted(db.session.scalars(select(Mentorship.id)))
        yield app, people, mentorships


def entries(people: list[int], mentorships: list[int]):
    return st.lists(
        st.tuples(
            st.sampled_from(people),
            st.sampled_from(people),
            st.none() | st.sampled_from(mentorships),
            st.integers(0, 6),  # few dates, so many entries share one and seq orders them
        ),
        max_size=25,
    )


def actors(people: list[int]):
    return st.builds(
        lambda person, admin, divisions: Actor(
            person_id=person,
            name="someone",
            roles=frozenset({"admin"} if admin else set()),
            directed_division_ids=frozenset(divisions),
        ),
        st.sampled_from(people),
        st.booleans(),
        st.sets(st.sampled_from([1, 2])),
    )


def add(rows) -> None:
    if not rows:
        return
    base = db.session.scalar(select(func.max(LedgerEntry.seq))) or 0
    db.session.execute(
        insert(LedgerEntry),
        [
            {
                "id": base + n,
                "seq": base + n,
                "entry_type": "contribution",
                "kind": "meeting" if mentorship else "mentor_training",
                "mentorship_id": mentorship,
                "person_id": person,
                "occurred_on": DAY + timedelta(days=day),
                "minutes": 30,
                "note": "",
                "recorded_by_id": recorder,
                "recorded_at": datetime(2025, 6, 1),
                "prev_hash": f"{base + n - 1:064x}",
                "entry_hash": f"{base + n:064x}",
            }
            for n, (person, recorder, mentorship, day) in enumerate(rows, start=1)
        ],
    )


def reference(actor: Actor) -> list[int]:
    """Who sees what, read plainly: every entry, tested one by one."""
    division = dict(db.session.execute(select(Person.id, Person.division_id)).all())
    pairs = {m.id: (m.mentor_id, m.mentee_id) for m in db.session.scalars(select(Mentorship))}
    me, directed = actor.person_id, actor.directed_division_ids

    def sees(entry: LedgerEntry) -> bool:
        pair = pairs.get(entry.mentorship_id) if entry.mentorship_id else None
        return (
            actor.is_admin
            or me in (entry.person_id, entry.recorded_by_id)
            or (pair is not None and me in pair)
            or division[entry.person_id] in directed
            or (pair is not None and division[pair[1]] in directed)
        )

    everything = db.session.scalars(select(LedgerEntry)).all()
    return [e.id for e in sorted(everything, key=lambda e: (e.occurred_on, e.seq), reverse=True) if sees(e)]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), per_page=st.integers(1, 7), many=st.booleans())
def test_the_list_shows_what_the_rules_allow(world, monkeypatch, data, per_page, many):
    app, people, mentorships = world
    rows = data.draw(entries(people, mentorships))
    actor = data.draw(actors(people))
    kind = data.draw(st.sampled_from([None, "meeting", "mentor_training"]))
    args = {"kind": kind} if kind else {}
    # ``many``: plan as for a director of a large division, walking the date index.
    monkeypatch.setattr(service, "MAX_READS", 0 if many else 64)
    with app.app_context():
        try:
            add(rows)
            seen = service.visibility(actor)
            visible = reference(actor)
            expected = visible
            if kind:
                kinds = dict(db.session.execute(select(LedgerEntry.id, LedgerEntry.kind)).all())
                expected = [entry for entry in expected if kinds[entry] == kind]
            assert service.count_visible(seen, args) == len(expected)
            by_offset = [
                [e.id for e in service.listing(seen, args, limit=per_page, offset=start)]
                for start in range(0, len(expected) + 1, per_page)
            ]
            assert [entry for page in by_offset for entry in page] == expected
            walked, after = [], None
            while True:
                page = service.listing(seen, args, limit=per_page, after=after)
                walked += [e.id for e in page]
                if len(page) < per_page:
                    break
                after = (page[-1].occurred_on, page[-1].seq)
            assert walked == expected
            found = set(db.session.scalars(service.visible_entries(actor).with_only_columns(LedgerEntry.id)))
            assert found == set(visible)
        finally:
            db.session.rollback()
