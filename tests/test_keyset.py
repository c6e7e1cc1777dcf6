"""Paging by keyset (``recognition.keyset``): Next and Previous walk a list in its order
whatever its keys' directions, the total is counted once and capped, and a cursor that
was changed or is of another list is refused naming ``cursor``."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from recognition import keyset
from recognition.errors import DomainError
from recognition.extensions import db
from recognition.people.models import Person

ORDERS = {
    "one direction": (Person.name, Person.id),
    "mixed directions": (Person.rank, Person.name.desc(), Person.id),
    "an expression first": (Person.supervisor_id.is_(None), Person.position.desc(), Person.id.desc()),
}


def walk(order, per_page: int) -> tuple[list[dict], list[int]]:
    pages, cursor = [], None
    while True:
        found = keyset.page(db.session, select(Person), order, per_page=per_page, cursor=cursor)
        pages.append(found)
        if found["meta"]["next"] is None:
            return pages, [person.id for page in pages for person in page["items"]]
        cursor = found["meta"]["next"]


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
def test_next_and_previous_walk_the_list_in_its_order(app, dept, order):
    with app.app_context():
        everything = list(db.session.scalars(select(Person.id).order_by(*order)))
        assert len(everything) >= 7
        pages, walked = walk(order, per_page=3)
        assert walked == everything
        assert [page["meta"]["page"] for page in pages] == list(range(1, len(pages) + 1))
        assert pages[0]["meta"]["previous"] is None and pages[0]["meta"]["total"] == len(everything)
        # Back from the last page to the first, by Previous.
        back, cursor = [], pages[-1]["meta"]["previous"]
        while cursor is not None:
            found = keyset.page(db.session, select(Person), order, per_page=3, cursor=cursor)
            back.insert(0, [person.id for person in found["items"]])
            assert found["meta"]["page"] == len(pages) - len(back)
            cursor = found["meta"]["previous"]
        assert back == [[person.id for person in page["items"]] for page in pages[:-1]]


def test_the_total_is_counted_once_and_capped(app, dept, monkeypatch):
    monkeypatch.setattr(keyset, "COUNT_CAP", 4)
    with app.app_context():
        first = keyset.page(db.session, select(Person), (Person.id,), per_page=2)
        assert first["meta"]["more_than"] == 4 and "total" not in first["meta"] and "pages" not in first["meta"]
        second = keyset.page(db.session, select(Person), (Person.id,), per_page=2, cursor=first["meta"]["next"])
        assert second["meta"]["more_than"] == 4
        few = keyset.page(db.session, select(Person).where(Person.id <= 3), (Person.id,), per_page=2)
        assert few["meta"]["total"] == 3 and few["meta"]["pages"] == 2 and "more_than" not in few["meta"]


def test_a_cursor_is_read_back_only_for_its_own_list_and_unchanged(app, dept):
    with app.app_context():
        keys = keyset.keys_of((Person.name, Person.id))
        cursor = keyset.encode(keyset.Position(("Ada", 7), number=2), keys)
        assert keyset.decode(cursor, keys) == keyset.Position(("Ada", 7), number=2)
        other = keyset.keys_of((Person.name.desc(), Person.id.desc()))
        # Signed, but naming a string where the id goes: refused, not sent to the database.
        wrong_type = keyset._serializer(keys).dumps([["Ada", "7"], False, 2, None, False])
        for refused, keys_ in ((cursor, other), (cursor[:-1] + "x", keys), (wrong_type, keys), ("e30", keys)):
            with pytest.raises(DomainError) as caught:
                keyset.decode(refused, keys_)
            assert caught.value.status == 422 and list(caught.value.errors) == ["cursor"]


KEYSET_LISTS = (
    "/api/v1/mentorships",
    "/api/v1/people",
    "/api/v1/milestones",
    "/api/v1/cases",
    "/api/v1/reflections",
    "/api/v1/statements",
    "/api/v1/awards",
    "/api/v1/cycles",
    "/api/v1/dossiers/access-log",
)


@pytest.mark.dialect_independent
def test_the_openapi_document_says_how_lists_page_and_count(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    meta = spec["components"]["schemas"]["KeysetMeta"]["properties"]
    assert {"next", "previous", "more_than", "total"} <= set(meta)
    assert "at most 1,000 rows" in meta["total"]["description"]
    for path in KEYSET_LISTS:
        operation = spec["paths"][path]["get"]
        cursor = [p for p in operation["parameters"] if p["name"] == "cursor"]
        assert cursor and "meta.next" in cursor[0]["description"], path
        assert "422" in operation["responses"], path
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert spec["components"]["schemas"][page]["properties"]["meta"]["$ref"].endswith("/KeysetMeta"), path


def test_a_cursor_serves_only_the_person_filters_and_page_size_it_was_made_for(client, dept, headers):
    """A cursor carries the total counted on its list's first page: replayed by someone
    else, with other filters or another page size, it is refused, so it never shows one
    person's count (or a stale one) on another's list."""
    admin = headers("admin")
    first = client.get("/api/v1/mentorships?per_page=1", headers=admin).get_json()
    cursor = first["meta"]["next"]
    assert cursor is not None and first["meta"]["total"] >= 2
    assert client.get(f"/api/v1/mentorships?per_page=1&cursor={cursor}", headers=admin).status_code == 200
    for address, sent in (
        (f"/api/v1/mentorships?per_page=1&cursor={cursor}", headers("mentee")),  # someone else
        (f"/api/v1/mentorships?active=true&per_page=1&cursor={cursor}", admin),  # other filters
        (f"/api/v1/mentorships?per_page=2&cursor={cursor}", admin),  # another page size
    ):
        response = client.get(address, headers=sent)
        assert response.status_code == 422, address
        assert list(response.get_json()["errors"]) == ["cursor"]


def test_the_pager_keeps_filters_but_not_names_url_for_keeps_for_itself(client, dept, login, monkeypatch):
    """``?endpoint=…`` or ``?_anchor=…`` in a list's address neither breaks its page (a 500)
    nor rewrites its Previous and Next links."""
    from recognition.people import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    signed_in = login(client, "admin")
    for query in ("endpoint=x", "_anchor=x", "_external=1", "_scheme=javascript", "values=x"):
        response = signed_in.get(f"/admin/people?q=&{query}")
        assert response.status_code == 200, query
        page = response.get_data(as_text=True)
        nexts = [line for line in page.splitlines() if 'rel="next"' in line]
        assert len(nexts) == 1 and 'href="/admin/people?cursor=' in nexts[0], nexts
        assert "#" not in nexts[0] and "javascript" not in nexts[0] and "endpoint" not in nexts[0]


@pytest.mark.dialect_independent
@pytest.mark.parametrize(
    "order",
    [(Person.supervisor_id, Person.id), (Person.name.nulls_last(), Person.id), (Person.name.desc().nulls_first(),)],
    ids=["a column that may be NULL", "nulls last", "nulls first"],
)
def test_a_key_that_may_be_null_is_refused_before_any_page_is_read(order):
    """Paging after a NULL would lose rows (or refuse every cursor), and the two databases
    sort NULLs at opposite ends: such an order is a programming error, found at once."""
    with pytest.raises(TypeError, match="may be NULL"):
        keyset.keys_of(order)
