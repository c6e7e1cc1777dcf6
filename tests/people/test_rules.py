"""Self-identified gender and race appear only in aggregate, small groups withheld."""

import pytest

from recognition.people.rules import aggregate


@pytest.mark.parametrize(
    ("values", "groups", "withheld", "not_given"),
    [
        ([], [], 0, 0),
        ([None, None], [], 0, 2),
        (["woman"] * 6 + ["man"] * 5, [("woman", 6), ("man", 5)], 0, 0),
        # One small group alone would be derivable from the total: the next smallest goes too.
        (["woman"] * 6 + ["man"] * 5 + ["non-binary"], [("woman", 6)], 2, 0),
        # Two small groups hide each other when together they are not small.
        (["woman"] * 9 + ["a"] * 4 + ["b"] * 1, [("woman", 9)], 2, 0),
        # Together they would say "three people answered something rare": the next goes too.
        (["woman"] * 9 + ["a"] * 2 + ["b"] * 1, [], 3, 0),
        # Everyone in one small group: withheld, whatever the total says.
        (["woman"] * 3 + [None] * 4, [], 1, 4),
        (["woman"] * 5 + [None, ""], [("woman", 5)], 0, 2),
    ],
)
def test_small_groups_are_withheld(values, groups, withheld, not_given):
    summary = aggregate(values)
    assert summary["groups"] == groups
    assert summary["withheld_groups"] == withheld
    assert summary["not_given"] == not_given
    assert summary["total"] == len(values)


@pytest.mark.parametrize("small", [1, 2, 3, 4])
def test_no_single_withheld_group_can_be_derived(small):
    values = ["a"] * 7 + ["b"] * 6 + ["c"] * small + [None] * 3
    summary = aggregate(values)
    assert summary["withheld_groups"] != 1
    assert "c" not in dict(summary["groups"])


def test_roster_page_shows_identity_only_in_aggregate(app, client):
    """Groups of five are shown; a rare free-text answer is withheld, name and count."""
    from recognition.extensions import db
    from recognition.people.models import Person
    from tests.support.department import PASSWORD, Department

    with app.app_context():
        dept = Department.build()
        people = db.session.query(Person).order_by(Person.id).all()
        for index, person in enumerate(people):
            person.gender = "Woman" if index < 5 else "Man"
        people[6].race = "Unusual answer"
        db.session.commit()
        admin_email = dept.email("admin")
    client.post("/login", data={"email": admin_email, "password": PASSWORD})
    page = client.get("/admin/people").get_data(as_text=True)
    section = page[page.index("in aggregate") : page.index("Add a person")]
    assert '<td>Woman</td><td class="num">5</td>' in section, section
    assert '<td>Man</td><td class="num">5</td>' in section
    assert "Unusual answer" not in page
    assert "Smaller groups (1), withheld" in section
