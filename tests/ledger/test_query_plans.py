"""Every list, page and per-person query over the ledger reads an index: no full scan of
``ledger_entries`` and no sort of its rows, so it costs what its rows cost however long
the ledger grows.

The SQL checked is what the code emits (captured while the pages, the API and the
services run), not a copy of it: when a change makes a query stop using an index, this
fails. The plans come from ``EXPLAIN QUERY PLAN`` (SQLite) and ``EXPLAIN (FORMAT JSON)``
(PostgreSQL) over a ledger of 50,000 entries, bulk-inserted once per backend (the chain
need not be valid for plans) and analysed, as a grown database would be.

PostgreSQL may sort the rows of one index range (one person's, one mentorship's) when
its costs say a bitmap read and a sort beat an ordered index walk: the rows sorted are
then bounded by the index condition, not by the ledger, and are allowed. A sort fed by
an unbounded read is not."""

from __future__ import annotations

import contextlib
import json
import random
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select, text

from recognition.auth.service import load_actor
from recognition.credits import activities
from recognition.database import is_postgresql
from recognition.evidence import service as evidence
from recognition.extensions import db
from recognition.ledger import service
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.people.models import Division, Person
from tests.conftest import module_app, selected_backends
from tests.support.department import Department

ENTRIES = 50_000
PEOPLE = 1_000
DIVISIONS = 10
START = date(2015, 1, 1)
NOW = datetime(2025, 6, 1)


@pytest.fixture(scope="module", params=selected_backends())
def grown(request, tmp_path_factory):
    """(app, department): the small department inside a department of a thousand people
    (a fifth of them in the director's division, so the director's list takes the
    large-division plan; ten in the other director's, which keeps the small one) and 50,000 entries, the department's mentor with ~150 of them."""
    with module_app(request, tmp_path_factory, "plans") as app:
        with app.app_context():
            dept = Department.build()
            grow(dept)
            db.session.commit()
            analyse()
        yield app, dept


def grow(dept: Department) -> None:
    rng = random.Random(15)
    divisions = [dept.divisions["CARD"]]
    for n in range(DIVISIONS - 1):
        division = Division(name=f"Division {n}", code=f"D{n}")
        db.session.add(division)
        db.session.flush()
        divisions.append(division.id)
    first = db.session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) + 1
    db.session.execute(
        insert(Person),
        [
            {
                "id": first + n,
                "name": f"Person {n}",
                "email": f"person{n}@grown.example.org",
                "division_id": divisions[0]
                if n % 5 == 0
                else dept.divisions["NEPH"]
                if n % 100 == 1
                else rng.choice(divisions[1:]),
                "rank": "assistant",
                "position": "clinician_teacher",
                "created_at": NOW,
            }
            for n in range(PEOPLE)
        ],
    )
    people = list(range(first, first + PEOPLE))
    pairs = {(rng.choice(people), rng.choice(people)) for _ in range(PEOPLE * 3 // 2)}
    first_mentorship = db.session.scalar(select(Mentorship.id).order_by(Mentorship.id.desc()).limit(1)) + 1
    pairs = [(mentor, mentee) for mentor, mentee in pairs if mentor != mentee]
    db.session.execute(
        insert(Mentorship),
        [
            {
                "id": first_mentorship + n,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "kind": "formal",
                "started_on": START,
                "created_at": NOW,
            }
            for n, (mentor, mentee) in enumerate(pairs)
        ],
    )
    mentorships = {first_mentorship + n: pair for n, pair in enumerate(pairs)}
    mine = db.session.get(Mentorship, dept.mentorship_id)
    mentorships[mine.id] = (mine.mentor_id, mine.mentee_id)
    ids = list(mentorships)
    rows: list[dict] = []
    confirmed: set[int] = set()
    for n in range(1, ENTRIES + 1):
        day = START + timedelta(days=rng.randrange(3650))
        row = {
            "id": n,
            "seq": n,
            "entry_type": "contribution",
            "minutes": 30,
            "note": "",
            "recorded_at": NOW,
            "prev_hash": f"{n - 1:064x}",
            "entry_hash": f"{n:064x}",
            "occurred_on": day,
            "target_id": None,
            "kind": "meeting",
        }
        if n % 10 == 0 and n - 3 not in confirmed and rows[n - 4]["entry_type"] == "contribution":
            target = rows[n - 4]
            confirmed.add(n - 3)
            row |= {
                "entry_type": "confirmation",
                "kind": None,
                "minutes": 0,
                "target_id": target["id"],
                "mentorship_id": target["mentorship_id"],
                "person_id": target["person_id"],
                "recorded_by_id": target["person_id"],
                "occurred_on": target["occurred_on"],
            }
        elif n % 7 == 0:
            person = rng.choice(people)
            row |= {"kind": "mentor_training", "mentorship_id": None, "person_id": person, "recorded_by_id": person}
        else:
            # The department's mentor: ~150 entries, as a mentor of long standing.
            mentorship = mine.id if n % 300 == 1 else rng.choice(ids)
            mentor, mentee = mentorships[mentorship]
            row |= {"mentorship_id": mentorship, "person_id": mentor, "recorded_by_id": rng.choice((mentor, mentee))}
        rows.append(row)
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(LedgerEntry), rows[start : start + 5000])


def analyse() -> None:
    db.session.execute(text("ANALYZE"))
    db.session.commit()


@contextmanager
def captured():
    """The statements that read the ledger, with their parameters, while the block runs."""
    statements: list[tuple[str, object]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if "ledger_entries" in statement and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def ledger_names(statement: str) -> set[str]:
    """``ledger_entries`` and every alias the statement gives it."""
    return {"ledger_entries", *re.findall(r"ledger_entries AS (\w+)", statement)}


def sqlite_problems(statement: str, parameters) -> list[str]:
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    names = ledger_names(statement)
    reads = {}  # node id -> the ledger read it is
    problems = []
    for node, parent, _, detail in rows:
        found = re.match(r"(SCAN|SEARCH) (\w+)(.*)", detail)
        if found and found.group(2) in names:
            reads[node] = (parent, detail)
            if found.group(1) == "SCAN" and "INDEX" not in found.group(3):
                problems.append(f"full scan: {detail}")
            elif found.group(1) == "SCAN" and not re.search(r"\bLIMIT\b", statement):
                problems.append(f"whole index read with no LIMIT: {detail}")
    # A sort is of ledger rows when the loop it sorts is driven by a ledger read (the first
    # read at its level); a ledger read looked up per row of another table sorts those.
    first_read = {}
    for node, parent, _, detail in rows:
        if re.match(r"(SCAN|SEARCH) ", detail):
            first_read.setdefault(parent, node)
    for _, parent, _, detail in rows:
        if detail.startswith("USE TEMP B-TREE FOR") and "ORDER BY" in detail and first_read.get(parent) in reads:
            problems.append(f"sorts ledger rows: {detail}")
    return problems


# Nodes that end a sort's reach: below them, rows are already few (a LIMIT) or already a
# union of bounded, ordered reads.
BOUNDARIES = {"Limit", "Append", "Subquery Scan", "Aggregate", "Unique", "SetOp", "Merge Append", "Hash Aggregate"}


def postgresql_problems(statement: str, parameters) -> list[str]:
    raw = db.session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    problems = []

    def reads_ledger(node) -> bool:
        if node.get("Relation Name") == "ledger_entries":
            return True
        return any(reads_ledger(child) for child in node.get("Plans", []) if child["Node Type"] not in BOUNDARIES)

    def bitmap_ranged(node) -> bool:
        if node["Node Type"] == "Bitmap Index Scan":
            return "Index Cond" in node
        return all(bitmap_ranged(child) for child in node.get("Plans", []))

    def ranged(node) -> bool:
        """Whether every ledger read below ``node`` is bounded by an index condition."""
        if node.get("Relation Name") == "ledger_entries":
            if node["Node Type"] == "Bitmap Heap Scan":
                return bitmap_ranged(node)
            return "Index Cond" in node
        return all(ranged(child) for child in node.get("Plans", []) if child["Node Type"] not in BOUNDARIES)

    def walk(node) -> None:
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "ledger_entries":
            problems.append(f"full scan of ledger_entries ({node.get('Alias')})")
        # An index read with no condition reads the whole index (say, into a hash for NOT IN).
        index_read = node["Node Type"] in ("Index Scan", "Index Only Scan")
        whole = "Index Cond" not in node and node.get("Parent Relationship") != "Outer"
        if index_read and whole and node.get("Relation Name") == "ledger_entries":
            problems.append(f"reads all of {node['Index Name']} ({node.get('Alias')})")
        if node["Node Type"] in ("Sort", "Incremental Sort") and reads_ledger(node) and not ranged(node):
            problems.append(f"sorts ledger rows: {node.get('Sort Key')}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    if problems:
        problems.append(json.dumps(plan, indent=1))
    return problems


def assert_indexed(statements) -> None:
    assert statements, "nothing read the ledger: the capture missed the queries"
    check = postgresql_problems if is_postgresql(db.session) else sqlite_problems
    found = {}
    for statement, parameters in statements:
        problems = check(statement, parameters)
        if problems:
            found[statement] = problems
    assert not found, json.dumps(found, indent=1)


def signed_in(app, dept, role: str):
    client = app.test_client()
    response = client.post("/login", data={"email": dept.email(role), "password": "correct horse battery"})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("mentor", {}),
        ("mentor", {"kind": "meeting", "per_page": 10}),
        ("mentee", {}),
        ("director", {}),  # a large division: the date index, walked newest first
        ("other_director", {"date_from": "2020-01-01"}),  # a small one: a read per person
        ("admin", {}),
        ("admin", {"person_id": "mentor"}),
        ("admin", {"mentorship_id": "mentorship"}),
    ],
)
def test_the_contributions_api_reads_indexes(grown, role, query):
    app, dept = grown
    query = {
        key: dept.ids[value] if value == "mentor" else dept.mentorship_id if value == "mentorship" else value
        for key, value in query.items()
    }
    client = app.test_client()
    with app.app_context():
        headers = dept.headers(client, role)
    with app.app_context(), captured() as statements:
        first = client.get("/api/v1/contributions", query_string=query, headers=headers)
        assert first.status_code == 200, first.get_json()
        cursor = first.get_json()["meta"]["next"]
        assert cursor is not None
        after = client.get("/api/v1/contributions", query_string={**query, "cursor": cursor}, headers=headers)
        assert after.status_code == 200
    with app.app_context():
        assert_indexed(statements)


@pytest.mark.parametrize(
    ("role", "path"), [("mentor", "/mentoring"), ("mentee", "/mentee"), ("mentor", "/contributions")]
)
def test_the_own_pages_read_indexes(grown, role, path):
    app, dept = grown
    client = signed_in(app, dept, role)
    with app.app_context(), captured() as statements:
        assert client.get(path).status_code == 200
    with app.app_context():
        assert_indexed(statements)


def test_a_mentorships_history_reads_an_index(grown):
    app, dept = grown
    client = signed_in(app, dept, "mentor")
    with app.app_context(), captured() as statements:
        assert client.get(f"/mentorships/{dept.mentorship_id}").status_code == 200
    with app.app_context():
        assert_indexed(statements)


def test_per_person_queries_read_indexes(grown):
    app, dept = grown
    mentor = dept.ids["mentor"]
    with app.app_context(), captured() as statements:
        about = db.session.scalars(service.about(mentor).limit(50)).all()
        service.annotate(list(about))
        assert service.followers([entry.id for entry in about]) is not None
        assert activities.activities_of([mentor])[mentor]
        assert evidence.evidence_for(mentor, date(2025, 6, 1))
        actor = load_actor(mentor)
        assert service.get_entry(about[0].id, actor) is about[0]
    with app.app_context():
        assert_indexed(statements)


@pytest.mark.parametrize("role", ["admin", "director"])
def test_the_metrics_dashboard_reads_indexes(grown, role):
    """Every metric of a year and its five-year trend, and what needs attention: each read
    of the ledger is bounded by an index (a stretch of days, a kind, a target). Twice: the
    first view computes the closed years and stores their snapshots, the second reads
    them and what was appended since (the seq index)."""
    app, dept = grown
    client = signed_in(app, dept, role)
    with app.app_context(), captured() as statements:
        assert client.get("/metrics", query_string={"year": "2024"}).status_code == 200
        assert client.get("/metrics", query_string={"year": "2024"}).status_code == 200
    assert any("ledger_entries.seq >" in statement for statement, _ in statements)
    with app.app_context():
        assert_indexed(statements)


@pytest.mark.parametrize("framework_id", [None, "department_points"])
def test_batch_planning_reads_indexes(grown, framework_id):
    """Who has credit-bearing work in the year, and each one's activities until one earns:
    each read is one person's, from the index of people's kinds and days."""
    app, _ = grown
    with app.app_context(), captured() as statements:
        assert activities.eligible(2024, framework_id)
        db.session.rollback()
    assert any("EXISTS" in statement and "people" in statement for statement, _ in statements)
    with app.app_context():
        assert_indexed(statements)


@contextmanager
def without_statistics():
    """On SQLite, the planner as it works on a database nobody analysed (the app never
    runs ANALYZE): the statistics are set aside on this connection while the block runs,
    and gathered again after. Nothing on PostgreSQL, which analyses on its own."""
    if is_postgresql(db.session):
        yield
        return
    connection = db.session.connection()
    connection.exec_driver_sql("DELETE FROM sqlite_stat1")
    connection.exec_driver_sql("ANALYZE sqlite_schema")  # the planner reloads them
    try:
        yield
    finally:
        db.session.rollback()
        analyse()
        db.session.connection().exec_driver_sql("ANALYZE sqlite_schema")


def own_reads(statement: str, parameters) -> list[str]:
    """How the plan reads ``ledger_entries`` itself (not its aliases): the index each read
    uses and its condition."""
    if not is_postgresql(db.session):
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        return [detail for *_, detail in rows if re.match(r"(SCAN|SEARCH) ledger_entries\b", detail)]
    raw = db.session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    found = []

    def walk(node) -> None:
        if "Index Name" in node and node.get("Alias", "ledger_entries") == "ledger_entries":
            found.append(f"{node['Index Name']} {node.get('Index Cond', '')}")
        if node["Node Type"] == "Seq Scan" and node.get("Alias") == "ledger_entries":
            found.append("full scan")
        for child in node.get("Plans", []):
            walk(child)

    walk((json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"])
    return found


@pytest.mark.parametrize("role", ["admin", "director"])
def test_the_admin_mentorship_list_reads_only_the_listed_mentorships_entries(grown, role):
    """The list's meetings this year and last meeting, for the fifty mentorships shown: a
    read of those mentorships' entries, never of every meeting in the ledger through the
    (kind, day) index (at 2M that was a million index entries, 6 s on SQLite)."""
    app, dept = grown
    client = signed_in(app, dept, role)
    with app.app_context(), captured() as statements:
        assert client.get("/admin/mentorships").status_code == 200
    meetings = [(s, p) for s, p in statements if "AS confirmation" in s and "mentorship_id IN" in s]
    assert meetings, statements
    with app.app_context():
        assert_indexed(meetings)
        with without_statistics():
            for statement, parameters in meetings:
                reads = own_reads(statement, parameters)
                assert reads, statement
                assert all("mentorship_id" in read and "kind" not in read for read in reads), reads


def test_a_persons_training_reads_their_own_entries(grown):
    """A dossier's and a nomination's mentor training: the person's own entries, not every
    training entry in the ledger through the (kind, day) index, with or without the
    statistics SQLite never gathers on its own."""
    app, dept = grown
    with app.app_context(), captured() as statements:
        evidence.training(dept.ids["mentor"], date(2025, 6, 1), since=date(2015, 1, 1))
    with app.app_context():
        assert_indexed(statements)
        with without_statistics():
            for statement, parameters in statements:
                reads = own_reads(statement, parameters)
                assert reads and all("person_id" in read for read in reads), reads


def test_this_years_metrics_read_indexes_month_by_month(grown):
    """The year still running, as of a day in the grown ledger's last year: each month's
    confirmations, lapsed relationships' confirmed meetings and unconfirmed count (built
    into snapshots, then read back), and today's part, each bounded by an index."""
    from recognition.auth.service import COMMAND_LINE
    from recognition.metrics import attention, months
    from recognition.metrics import service as metrics
    from recognition.metrics.memo import memo

    app, _ = grown
    day = date(2025, 5, 20)
    with app.app_context(), captured() as statements:
        for _ in range(2):  # built, then read back with what was appended since
            memo().clear()
            for metric in metrics.definitions().values():
                if metric.measure in months.BY_MONTH:
                    months.measured(metric, metrics.year_of(day.year, day))
            attention.unconfirmed(COMMAND_LINE, day, None)
        db.session.rollback()
    assert any("GROUP BY ledger_entries.mentorship_id" in statement for statement, _ in statements)
    with app.app_context():
        assert_indexed(statements)


def list_problems(statement: str, parameters, table: str) -> list[str]:
    """How the plan of a list's page reads ``table`` other than as an index range in the
    list's order: a full scan of it, or a sort."""
    if not is_postgresql(db.session):
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        details = [detail for *_, detail in rows]
        problems = [f"full scan: {d}" for d in details if re.match(rf"SCAN {table}\b", d) and "INDEX" not in d]
        return problems + [f"sorts: {d}" for d in details if d.startswith("USE TEMP B-TREE")]
    raw = db.session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()
    problems = []

    def walk(node) -> None:
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == table:
            problems.append(f"full scan of {table}")
        if node["Node Type"] in ("Sort", "Incremental Sort"):
            problems.append(f"sorts: {node.get('Sort Key')}")
        for child in node.get("Plans", []):
            walk(child)

    walk((json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"])
    return problems


def pages_of(client, path: str, count: int) -> list[str]:
    """The addresses of the first ``count`` pages of a list page, by its Next links."""
    found = [path]
    for _ in range(count - 1):
        body = client.get(found[-1]).get_data(as_text=True)
        following = re.search(r'<a href="([^"]+)" rel="next">', body)
        assert following, found
        found.append(following.group(1).replace("&amp;", "&"))
    return found


@pytest.mark.parametrize(("path", "table"), [("/admin/people", "people"), ("/admin/mentorships", "mentorships")])
def test_an_admin_lists_later_pages_read_a_page_of_an_index(grown, path, table):
    """The roster and the mentorships list, page 1 and pages reached by Next: the page is
    read from the index in the list's order, from where the page before stopped (a
    keyset), never by scanning the table or sorting it, with or without the statistics
    SQLite never gathers on its own."""
    app, dept = grown
    client = signed_in(app, dept, "admin")
    with app.app_context():
        addresses = pages_of(client, path, 3)
        with captured_all() as statements:
            for address in addresses:
                assert client.get(address).status_code == 200
        pages = [(s, p) for s, p in statements if "keyset_0" in s]
        assert len(pages) == 3 and sum(" > " in s or " < " in s for s, _ in pages) == 2, pages
        for stats in (True, False):
            with contextlib.nullcontext() if stats else without_statistics():
                for statement, parameters in pages:
                    assert not list_problems(statement, parameters, table), (statement, stats)


@contextmanager
def captured_all():
    """Every SELECT, with its parameters, while the block runs."""
    statements: list[tuple[str, object]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def test_your_ledgers_later_pages_read_an_index(grown):
    """The person's own ledger (it grows with their history), pages reached by Next: each
    a range of the person's index from where the page before stopped."""
    app, dept = grown
    client = signed_in(app, dept, "mentor")
    with app.app_context():
        addresses = pages_of(client, "/contributions", 3)
        with captured() as statements:
            for address in addresses[1:]:
                assert client.get(address).status_code == 200
        pages = [(s, p) for s, p in statements if "keyset_0" in s]
        assert len(pages) == 2 and all(" < " in s for s, _ in pages), pages
        assert_indexed(statements)
