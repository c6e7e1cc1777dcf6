"""Award credentials as a standard Open Badges 3.0 verifier sees them: ``openbadgeslib``
checks an issued eddsa-rdfc-2022 credential (valid while the award stands, revoked once
it is revoked) against the key the issuer profile publishes and the status list it
fetches from us; the JSON-LD loses no term under the pinned contexts; each grant's bit in
the status list agrees with /verify; the issuer profile resolves; credentials issued
before (eddsa-jcs-2022) still verify; re-issue, the share page and the baked image."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from openbadgeslib import baking
from openbadgeslib.errors import LibOpenBadgesException
from openbadgeslib.ob3.ldp import OB3LdpVerifier, verify_data_integrity_proof

from recognition.awards.announcement import badges, emblem, jsonld, status
from recognition.awards.announcement import service as announce
from recognition.awards.cycles import decision
from recognition.awards.models import BadgeStatus, Grant
from recognition.credits.signing import SigningKey, app_key
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.support.awards import DAYS, AwardWorld, actor, at

BASE = "https://recognition.example.org"
REVOKED_AT = datetime(2026, 6, 2, 9, 30)
SCORES = {
    "mentor": {"impact": 5, "commitment": 5, "quality": 5, "citizenship": 5},
    "other_mentee": {"impact": 2, "commitment": 2, "quality": 2, "citizenship": 2},
    "other_director": {"impact": 3, "commitment": 3, "quality": 3, "citizenship": 3},
}


def announce_winners(app, dept, roles=("mentor",)) -> list[int]:
    """Mentor of the Year 2026 announced, won by ``roles``; the grants' ids in that order."""
    app.config["BASE_URL"] = BASE
    with app.app_context():
        world = AwardWorld.build(dept, winners=len(roles))
        world.to("closed")
        world.to("review")
        world.score_all(SCORES)
        day = DAYS["decided"]
        chosen = [world.nomination_ids[role] for role in roles]
        decision.decide(world.cycle, chosen, {}, "", actor(dept, "admin"), day, at(day))
        db.session.commit()
        world.to("announced")
        by_person = {g.person_id: g.id for g in db.session.scalars(db.select(Grant))}
        return [by_person[dept.ids[role]] for role in roles]


def revoke(app, dept, grant_id: int) -> None:
    with app.app_context():
        announce.revoke(db.session.get(Grant, grant_id), "Counted twice", actor(dept, "admin"), REVOKED_AT)
        db.session.commit()


def issued(app, grant_id: int) -> dict:
    with app.app_context():
        return json.loads(announce.current_credential(db.session.get(Grant, grant_id)))


def fetcher(client):
    """What openbadgeslib downloads with: our own app, through the test client (no network)."""

    def download(url: str) -> bytes:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == BASE, url
        response = client.get(parts.path, headers={"Accept": "application/ld+json"})
        assert response.status_code == 200, (url, response.status_code)
        return response.data

    return download


def pem(app) -> str:
    with app.app_context():
        return app_key(app).public_pem()


@pytest.fixture
def winner(app, dept) -> int:
    return announce_winners(app, dept)[0]


# The specification -------------------------------------------------------------------------

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def test_the_eddsa_rdfc_2022_proof_reproduces_the_w3c_test_vector():
    """vc-di-eddsa, appendix B.1: the alumni credential, its key and creation time give
    exactly the published proofValue."""
    raw = base58.b58decode("3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq")  # multibase z, ed25519-priv
    assert raw[:2] == b"\x80\x26"
    key = SigningKey(Ed25519PrivateKey.from_private_bytes(raw[2:]), Path("unused.pem"))
    assert badges.multikey(key.public) == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "name": "Alumni Credential",
        "description": "A minimum viable example of an Alumni Credential.",
        "issuer": "https://vc.example/issuers/5678",
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    examples = {EXAMPLES: {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}}
    signed = badges.sign(document, key, datetime(2023, 2, 24, 23, 36, 38), suite=badges.RDFC, contexts=examples)
    assert signed["proof"] == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "proofPurpose": "assertionMethod",
        "proofValue": "z2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZme",
    }


def test_only_pinned_contexts_are_loaded_never_fetched():
    with pytest.raises(jsonld.UnknownContext, match="not one this deployment ships"):
        jsonld.canonical({"@context": "https://example.org/ctx.jsonld", "name": "x"})
    assert set(jsonld.PINNED) >= set(badges.CONTEXTS)


def expanded_terms(document) -> int:
    """How many properties the JSON names (``@context`` aside), ``id``/``type`` included."""
    if isinstance(document, list):
        return sum(expanded_terms(item) for item in document)
    if not isinstance(document, dict):
        return 0
    return sum(1 + expanded_terms(value) for key, value in document.items() if key != "@context")


def kept_terms(expanded) -> int:
    """The same count over the expanded form (``@value`` wrappers are not terms)."""
    if isinstance(expanded, list):
        return sum(kept_terms(item) for item in expanded)
    if not isinstance(expanded, dict):
        return 0
    if "@value" in expanded or set(expanded) == {"@id"}:
        return 0  # a literal, or a reference the JSON wrote as a plain string
    return sum(1 + kept_terms(value) for key, value in expanded.items())


def assert_no_term_dropped(document: dict) -> None:
    expanded = jsonld.expand(document)
    assert kept_terms(expanded) == expanded_terms(document), json.dumps(expanded, indent=1)[:3000]
    text = json.dumps(expanded)
    assert "issuer-dependent" not in text  # no term fell through to the VC catch-all vocabulary


# A standard verifier on what we issue ------------------------------------------------------


def test_a_standard_verifier_accepts_a_current_credential_and_refuses_a_revoked_one(app, client, dept):
    current, revoked = announce_winners(app, dept, ("mentor", "other_director"))
    revoke(app, dept, revoked)
    verifier = OB3LdpVerifier(pubkey_pem=pem(app))
    download = fetcher(client)

    good = issued(app, current)
    credential = verifier.verify(good, check_status=True, download=download, verify_status_list=False)
    assert credential.issuer.id == f"{BASE}/issuer"
    assert good["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert good["credentialStatus"]["type"] == "BitstringStatusListEntry"

    bad = issued(app, revoked)
    with pytest.raises(LibOpenBadgesException, match=r"revocation.*is set"):
        verifier.verify(bad, check_status=True, download=download, verify_status_list=False)
    # the proof itself still holds: it is the status list that says revoked
    verifier.verify(bad, check_status=False)

    # the status list is signed the same way, by the key the issuer profile lists
    listed = json.loads(download(bad["credentialStatus"]["statusListCredential"]))
    verify_data_integrity_proof(listed, pem(app))
    assert listed["issuer"]["id"] == good["issuer"]["id"]


def test_a_changed_credential_fails_the_standard_verifier(app, winner):
    changed = issued(app, winner)
    changed["credentialSubject"]["name"] = "Someone Else"
    with pytest.raises(LibOpenBadgesException):
        OB3LdpVerifier(pubkey_pem=pem(app)).verify(changed)


def test_the_json_ld_loses_no_term_under_the_pinned_contexts(app, client, winner):
    credential = issued(app, winner)
    assert_no_term_dropped({k: v for k, v in credential.items() if k != "proof"})
    listed = client.get("/badges/status/1").get_json(force=True)
    assert_no_term_dropped({k: v for k, v in listed.items() if k != "proof"})
    profile = client.get("/issuer", headers={"Accept": "application/json"}).get_json()
    assert_no_term_dropped(profile)


def test_the_credential_names_the_awards_emblem_and_the_status_list(app, client, winner):
    credential = issued(app, winner)
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["image"] == {"id": f"{BASE}/recognition/mentor-of-the-year/emblem.png", "type": "Image"}
    response = client.get(urlsplit(achievement["image"]["id"]).path)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data == emblem.emblem("mentor-of-the-year")  # the same bytes every time
    entry = credential["credentialStatus"]
    with app.app_context():
        index = db.session.get(BadgeStatus, winner).status_index
    assert entry == status.entry(f"{BASE}/badges/status/1", index)


# The status list and /verify agree --------------------------------------------------------


def status_bit(client, entry: dict) -> bool:
    listed = client.get(urlsplit(entry["statusListCredential"]).path).get_json(force=True)
    bits = status.decode(listed["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == status.SIZE  # 16 KB: every list is as large as the minimum
    return status.is_set(bits, int(entry["statusListIndex"]))


def test_each_grants_bit_and_verify_agree_before_and_after_a_revocation(app, client, dept):
    grants = announce_winners(app, dept, ("mentor", "other_director", "other_mentee"))
    revoke(app, dept, grants[1])
    with app.app_context():
        indexes = {g: db.session.get(BadgeStatus, g).status_index for g in grants}
        codes = {g: db.session.get(Grant, g).code for g in grants}
    assert len(set(indexes.values())) == len(grants)  # one index per grant
    for grant_id in grants:
        entry = issued(app, grant_id)["credentialStatus"]
        verified = client.get(f"/api/v1/verify/{codes[grant_id]}").get_json()
        assert status_bit(client, entry) is (verified["status"] == "revoked"), grant_id
        assert (verified["status"] == "revoked") is (grant_id == grants[1])


def test_a_status_index_is_never_given_twice(app, client, dept):
    first = announce_winners(app, dept, ("mentor", "other_director"))
    with app.app_context():
        grant = db.session.get(Grant, first[0])
        before = db.session.get(BadgeStatus, grant.id).status_index
        announce.reissue(grant, actor(dept, "admin"), at(DAYS["announced"]))
        db.session.commit()
        assert db.session.get(BadgeStatus, grant.id).status_index == before  # kept on re-issue
        assert announce.next_status_index() == max(before, db.session.get(BadgeStatus, first[1]).status_index) + 1


def test_an_unknown_status_list_is_a_404_in_the_json_error_shape(client, winner):
    assert_error(client.get("/badges/status/2"), 404, "number")
    assert_error(client.get("/badges/status/0"), 404, "number")


def test_the_status_list_is_public_and_signed(app, client, winner):
    response = client.get("/badges/status/1")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    listed = response.get_json(force=True)
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["credentialSubject"]["statusPurpose"] == "revocation"
    assert listed["credentialSubject"]["encodedList"].startswith("u")
    ok, _ = badges.check(listed, app_key(app).public)
    assert ok


# The issuer profile ------------------------------------------------------------------------


def test_the_issuer_profile_names_the_department_and_the_key_proofs_name(app, client, winner):
    credential = issued(app, winner)
    for accept in ("application/json", "application/ld+json"):
        response = client.get("/issuer", headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == accept
        assert "Accept" in response.headers["Vary"]
    profile = client.get("/issuer", headers={"Accept": "application/ld+json"}).get_json(force=True)
    assert profile["id"] == credential["issuer"]["id"] == f"{BASE}/issuer"
    assert profile["type"] == ["Profile"]
    assert profile["name"] == app.config["DEPARTMENT_NAME"] == credential["issuer"]["name"]
    assert profile["url"] == BASE
    methods = {m["id"]: m for m in profile["verificationMethod"]}
    method = methods[credential["proof"]["verificationMethod"]]
    assert method["type"] == "Multikey" and method["controller"] == profile["id"]
    assert method["publicKeyMultibase"] == badges.multikey(app_key(app).public)
    assert credential["proof"]["verificationMethod"] in profile["assertionMethod"]


def test_a_browser_gets_the_issuer_page(app, client, winner):
    response = client.get("/issuer", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert app.config["DEPARTMENT_NAME"] in body
    assert badges.multikey(app_key(app).public) in body


# Credentials issued before, and re-issue ----------------------------------------------------


def jcs_signed(*, code, index, award, year, person, awarded_on, now) -> dict:
    """A credential as this deployment signed them before: eddsa-jcs-2022 with a did:key,
    no status entry, the site itself as issuer."""
    document = badges.credential(
        url=f"{BASE}/verify/{code}",
        issuer_url=BASE,
        issuer_name="Department of Medicine",
        achievement_url=f"{BASE}/recognition/{award.slug}",
        award_name=award.name,
        description=award.description,
        criteria=announce.criteria_text(award),
        year=year,
        recipient_name=person.name,
        recipient_email=person.email,
        awarded_on=awarded_on,
        issued_at=now,
    )
    return badges.sign(document, app_key(current_app), now)


@pytest.fixture
def old_winner(app, dept, monkeypatch) -> int:
    """A grant announced before eddsa-rdfc-2022 and status lists: its credential is
    eddsa-jcs-2022 and it holds no status index."""
    monkeypatch.setattr(announce, "signed_credential", jcs_signed)
    grant_id = announce_winners(app, dept)[0]
    monkeypatch.undo()
    with app.app_context():
        db.session.execute(db.delete(BadgeStatus).where(BadgeStatus.grant_id == grant_id))
        db.session.commit()
    return grant_id


def test_a_credential_issued_with_eddsa_jcs_2022_still_verifies(app, client, old_winner):
    old = issued(app, old_winner)
    assert old["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    checked = client.post("/api/v1/verify/credential", json=old).get_json()
    assert checked["genuine"] is True and checked["status"] == "current", checked


def test_a_reissued_credential_conforms_and_the_old_one_still_stands(app, client, dept, old_winner):
    winner = old_winner
    old = issued(app, winner)
    assert "credentialStatus" not in old
    response = client.post(f"/api/v1/awards/grants/{winner}/credential", headers=dept.headers(client, "mentor"))
    assert response.status_code == 201, response.get_data(as_text=True)
    fresh = json.loads(response.data)
    assert fresh["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert fresh["id"] == old["id"]  # the same award, at the same verification address
    OB3LdpVerifier(pubkey_pem=pem(app)).verify(
        fresh, check_status=True, download=fetcher(client), verify_status_list=False
    )
    downloaded = client.get(f"/api/v1/awards/grants/{winner}/credential", headers=dept.headers(client, "mentor"))
    assert json.loads(downloaded.data) == fresh

    checked = client.post("/api/v1/verify/credential", json=old).get_json()
    assert checked["genuine"] is True and checked["status"] == "current"
    assert "a newer credential was issued" in checked["message"]
    newest = client.post("/api/v1/verify/credential", json=fresh).get_json()
    assert newest["genuine"] is True and "newer" not in newest["message"]


def test_a_revoked_award_gets_no_new_credential(app, client, dept, winner):
    revoke(app, dept, winner)
    response = client.post(f"/api/v1/awards/grants/{winner}/credential", headers=dept.headers(client, "admin"))
    assert_error(response, 409, "grant_id")


def test_only_the_winner_and_admins_reissue(client, dept, winner):
    headers = dept.headers(client, "other_director")
    assert_error(client.post(f"/api/v1/awards/grants/{winner}/credential", headers=headers), 404, "grant_id")
    assert_error(client.get("/api/v1/awards/grants/999999/credential", headers=headers), 404, "grant_id")
    assert_error(client.post("/api/v1/awards/grants/999999/credential", headers=headers), 404, "grant_id")


# Sharing ------------------------------------------------------------------------------------


def test_the_share_page_is_the_winners_and_the_admins(app, dept, login, winner):
    for role, expected in [("mentor", 200), ("admin", 200), ("other_director", 404), ("mentee", 404)]:
        client = login(app.test_client(), role)
        assert client.get(f"/awards/mine/{winner}/share").status_code == expected, role
        assert client.get(f"/awards/mine/{winner}/badge.png").status_code == expected, role
    assert login(app.test_client(), "admin").get("/awards/mine/999999/share").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in_from_the_share_page(client, winner):
    response = client.get(f"/awards/mine/{winner}/share")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_the_share_page_links_the_downloads_linkedin_and_the_verification_link(app, client, dept, login, winner):
    login(client, "mentor")
    body = client.get(f"/awards/mine/{winner}/share").get_data(as_text=True)
    credential = issued(app, winner)
    assert f"/awards/mine/{winner}/credential.json" in body
    assert f"/awards/mine/{winner}/badge.png" in body
    assert f'value="{credential["id"]}"' in body and "Copy link" in body
    start = body.index("https://www.linkedin.com/profile/add?")
    link = body[start : body.index('"', start)].replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == ["Mentor of the Year 2026"]
    assert query["organizationName"] == [app.config["DEPARTMENT_NAME"]]
    assert query["certUrl"] == [credential["id"]]
    with app.app_context():
        grant = db.session.get(Grant, winner)
        assert query["issueYear"] == [str(grant.awarded_on.year)]
        assert query["issueMonth"] == [str(grant.awarded_on.month)]


def test_the_baked_image_carries_the_credential(app, client, dept, login, winner):
    login(client, "mentor")
    response = client.get(f"/awards/mine/{winner}/badge.png")
    assert response.mimetype == "image/png"
    baked = baking.extract_png(response.data, keyword=baking.ITXT_KEYWORD_OB3)
    assert json.loads(baked) == issued(app, winner)
    OB3LdpVerifier(pubkey_pem=pem(app)).verify(baked)


def test_a_winner_reissues_from_the_share_page(app, client, dept, login, winner):
    login(client, "mentor")
    before = issued(app, winner)
    page = client.get(f"/awards/mine/{winner}/share").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(f"/awards/mine/{winner}/reissue", data={"csrf_token": token})
    assert response.status_code == 302
    after = issued(app, winner)
    assert after["proof"]["proofValue"] != before["proof"]["proofValue"] or after["validFrom"] != before["validFrom"]
    assert after["credentialStatus"] == before["credentialStatus"]
