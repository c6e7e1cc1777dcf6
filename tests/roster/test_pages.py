"""The import page: who may see it, the examples, the error table, the summary."""

from __future__ import annotations

import io

import pytest

from .conftest import counts, mentorships_csv, people_csv, person_row

URL = "/admin/import"


def post(client, people: bytes | None = None, mentorships: bytes | None = None, **form):
    data = dict(form)
    data["people"] = (io.BytesIO(people or b""), "people.csv" if people is not None else "")
    data["mentorships"] = (io.BytesIO(mentorships or b""), "mentorships.csv" if mentorships is not None else "")
    return client.post(URL, data=data, content_type="multipart/form-data")


def test_signed_out_people_are_sent_to_sign_in(client, dept):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["mentor", "mentee", "outsider"])
def test_other_roles_are_refused(client, login, role):
    login(role)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "/example-people.csv").status_code == 403
    assert post(client, people_csv(person_row(1))).status_code == 403


@pytest.mark.parametrize("role", ["admin", "director"])
def test_the_form_lists_the_columns_and_links_the_examples(client, login, role):
    login(role)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    for label in ('for="people"', 'for="mentorships"', 'id="dry_run"'):
        assert label in html
    for column in ("Supervisor email", "Appointment date", "Mentor email", "Group name"):
        assert f'<th scope="row">{column}</th>' in html
    assert 'href="/admin/import/example-people.csv"' in html
    assert 'href="/admin/import/example-mentorships.csv"' in html
    assert "<script" not in html and "style=" not in html


def test_the_examples_download_and_import_cleanly(client, app, login):
    login("director")
    people = client.get(URL + "/example-people.csv")
    mentorships = client.get(URL + "/example-mentorships.csv")
    for response, name in ((people, "example-people.csv"), (mentorships, "example-mentorships.csv")):
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        assert response.data.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert people.get_data(as_text=True).splitlines()[0] == (
        "\ufeffName,Email,Institutional id,Division,Rank,Position,Appointment date,Trained here,Supervisor email,Gender,Race"
    )
    assert ",CARD," in people.get_data(as_text=True)  # a division this director imports into
    response = post(client, people.data, mentorships.data)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert "Imported 3 people and 3 mentorships." in html
    assert 'href="/admin/import"' in html and "set-password" in html
    assert counts(app) == (13, 5)


def test_problems_are_shown_as_a_table_and_nothing_is_stored(client, app, login):
    login("admin")
    response = post(
        client,
        people_csv(person_row(1), person_row(2, Email="new1@test.example.org")),
        mentorships_csv(["mentor@test.example.org", "nobody@test.example.org", "Formal", "2025-01-01", "", ""]),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported: 2 problems" in html
    assert '<th scope="col" class="num">Row</th><th scope="col">Column</th><th scope="col">Problem</th>' in html
    assert "<caption>People file: 1 problem</caption>" in html
    assert "<caption>Mentorships file: 1 problem</caption>" in html
    assert "<td>must be unique (already used by row 2)</td>" in html
    assert '<td class="num">3</td>' in html and "<td>Email</td>" in html
    assert "<td>Mentee email</td>" in html
    assert counts(app) == (10, 2)


def test_a_whole_file_problem_says_so(client, login):
    login("admin")
    html = post(client, b"Name;Email\r\n").get_data(as_text=True)
    assert '<td class="num">whole file</td>' in html
    assert "has a header row but no rows below it" in html


def test_dry_run_stores_nothing(client, app, login):
    login("admin")
    response = post(client, people_csv(person_row(1)), dry_run="y")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Dry run: nothing was stored." in html
    assert "Importing them would add 1 person and 0 mentorships." in html
    assert counts(app) == (10, 2)


def test_no_files_is_a_clear_error(client, login):
    login("admin")
    response = post(client)
    assert response.status_code == 422
    assert "Send a people file, a mentorships file, a milestones file, or several of them." in response.get_data(
        as_text=True
    )


def test_an_upload_over_the_cap_is_refused_on_the_form(client, app, login):
    login("admin")
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = post(client, people_csv(*[person_row(n) for n in range(1, 40)]))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The files are larger than 2,000 bytes together." in html
    assert 'enctype="multipart/form-data"' in html
    assert counts(app) == (10, 2)


def test_with_csrf_on_the_form_carries_a_token_and_a_post_without_one_is_refused(client, app, login):
    login("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    assert 'name="csrf_token"' in client.get(URL).get_data(as_text=True)
    assert post(client, people_csv(person_row(1))).status_code == 400
    app.config["MAX_CONTENT_LENGTH"] = 2000  # refused before the token is even read
    response = post(client, people_csv(*[person_row(n) for n in range(1, 40)]))
    assert response.status_code == 413
    assert "The files are larger than 2,000 bytes together." in response.get_data(as_text=True)
    assert counts(app) == (10, 2)
