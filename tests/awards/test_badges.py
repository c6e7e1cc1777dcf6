"""The Open Badges 3.0 credential an award winner receives: its structure, its
``eddsa-jcs-2022`` Data Integrity proof (recomputed here from the W3C recipe, with a JCS,
a base58 and an Ed25519 check of our own, not the module's), and what an offline check can
and cannot prove.

An offline check proves a credential is intact and signed by the key its proof names (a
``did:key``). Anyone can make a key and sign a credential naming us; what ties a
credential to this department is the check against the deployment's key
(``POST /api/v1/verify/credential``) and the status ``/verify/<code>`` gives.

All but one test need no database.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from recognition.awards.announcement import badges
from recognition.credits.signing import SigningKey, app_key

V2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
URL = "https://recognition.example.org/verify/ABCDEFGHJKLMNPQRSTUVWXYZ"
EMAIL = "Zoe.Angstrom@Example.org "
ISSUED_AT = datetime(2026, 5, 15, 12, 0, 7, 123456)
SIGNED_AT = datetime(2026, 5, 15, 12, 0, 8)


def new_key(tmp_path) -> SigningKey:
    return SigningKey(Ed25519PrivateKey.generate(), Path(tmp_path) / "key.pem")


def unsigned() -> dict:
    return badges.credential(
        url=URL,
        issuer_url="https://recognition.example.org",
        issuer_name="Department of Medicine",
        achievement_url="https://recognition.example.org/recognition/mentor-of-the-year",
        award_name="Mentor of the Year",
        description="For sustained, generous mentorship.",
        criteria="Chosen by the committee on a 1-5 rubric.",
        year=2026,
        recipient_name="Zoë Ångström-Nguyễn",
        recipient_email=EMAIL,
        awarded_on=date(2026, 5, 15),
        issued_at=ISSUED_AT,
    )


@pytest.fixture
def key(tmp_path) -> SigningKey:
    return new_key(tmp_path)


@pytest.fixture
def signed(key) -> dict:
    return badges.sign(unsigned(), key, SIGNED_AT)


# An independent eddsa-jcs-2022 -----------------------------------------------------------------


def jcs(value) -> bytes:
    """RFC 8785 for JSON without floats: ECMAScript string escaping, object members sorted
    by UTF-16 code units, no whitespace, UTF-8."""

    def text(s: str) -> str:
        out = ['"']
        for ch in s:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ch in "\b\f\n\r\t":
                out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
            elif ord(ch) < 0x20:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return "".join(out) + '"'

    def write(v) -> str:
        if v is None:
            return "null"
        if v is True or v is False:
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return text(v)
        if isinstance(v, list):
            return "[" + ",".join(write(item) for item in v) + "]"
        if isinstance(v, dict):
            keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
            return "{" + ",".join(text(k) + ":" + write(v[k]) for k in keys) + "}"
        raise TypeError(f"not in this JSON subset: {v!r}")

    return write(value).encode("utf-8")


ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58btc(text: str) -> bytes:
    number = 0
    for ch in text:
        number = number * 58 + ALPHABET.index(ch)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body


def proof_holds(secured: dict) -> bool:
    """W3C Data Integrity EdDSA Cryptosuites v1.0, 3.3 (eddsa-jcs-2022): hashData is
    SHA-256(JCS(proof options + the document's @context)) followed by SHA-256(JCS(document
    without its proof)); the proofValue is the Ed25519 signature of hashData, multibase
    base58-btc; the key is the did:key's multicodec ed25519-pub (0xed 0x01) public key."""
    document = {k: v for k, v in secured.items() if k != "proof"}
    options = {k: v for k, v in secured["proof"].items() if k != "proofValue"}
    options["@context"] = document["@context"]
    hash_data = hashlib.sha256(jcs(options)).digest() + hashlib.sha256(jcs(document)).digest()
    value = secured["proof"]["proofValue"]
    assert value.startswith("z"), "multibase base58-btc"
    signature = base58btc(value[1:])
    method = secured["proof"]["verificationMethod"]
    did, fragment = method.split("#")
    assert did.startswith("did:key:z") and fragment == did[len("did:key:") :]
    raw = base58btc(did[len("did:key:z") :])
    assert raw[:2] == b"\xed\x01" and len(raw) == 34
    try:
        Ed25519PublicKey.from_public_bytes(raw[2:]).verify(signature, hash_data)
    except InvalidSignature:
        return False
    return True


def test_the_proof_follows_eddsa_jcs_2022_as_recomputed_independently(signed, key):
    assert proof_holds(signed)
    # Our JCS and the module's agree on the document (keys here are ASCII, no floats).
    assert jcs(signed) == badges.jcs(signed)
    # The signature is exactly Ed25519 over the two hashes, options first: recompute it.
    document = {k: v for k, v in signed.items() if k != "proof"}
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"} | {"@context": document["@context"]}
    expected = key.private.sign(hashlib.sha256(jcs(options)).digest() + hashlib.sha256(jcs(document)).digest())
    assert base58btc(signed["proof"]["proofValue"][1:]) == expected
    # The other order, or the document alone, is not what was signed.
    swapped = hashlib.sha256(jcs(document)).digest() + hashlib.sha256(jcs(options)).digest()
    with pytest.raises(InvalidSignature):
        key.public.verify(expected, swapped)


def test_our_independent_check_refuses_what_badges_refuses(signed):
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["name"] = "Someone Else"
    assert proof_holds(tampered) is False
    assert badges.check(tampered)[0] is False


def test_the_jcs_here_is_rfc_8785_on_its_own_examples():
    """RFC 8785 3.2.2 and 3.2.3: escaping and UTF-16 member order, checked so the
    reference above is itself right."""
    escaped = jcs({"b": '\u20ac\n\u0001"\\', "a": [1, True, None]})
    assert escaped == '{"a":[1,true,null],"b":"€\\n\\u0001\\"\\\\"}'.encode()
    keys = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = list(json.loads(jcs(keys)))
    assert [keys[k] for k in order] == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


# Checking with the module ------------------------------------------------------------------------


def test_a_signed_credential_passes_offline_and_against_its_key(signed, key):
    assert badges.check(signed) == (True, "genuine: the credential is intact and signed by the key its proof names")
    assert badges.check(signed, key.public)[0] is True
    # As downloaded: through JSON text and back, in another key order, it still holds.
    assert badges.check(json.loads(json.dumps(signed, indent=2, sort_keys=False)), key.public)[0] is True
    assert badges.check(dict(reversed(list(signed.items()))), key.public)[0] is True


def test_a_credential_signed_by_the_app_passes_against_the_app_key(app):
    with app.app_context():
        public = app_key(app).public
        secured = badges.sign(unsigned(), app_key(app), SIGNED_AT)
        assert badges.check(secured, public)[0] is True
        assert proof_holds(secured)
        assert secured["proof"]["verificationMethod"] == badges.verification_method(public)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(name="Chair's Award 2026"),
        lambda c: c.update(validFrom="2020-01-01T00:00:00Z"),
        lambda c: c["credentialSubject"]["achievement"].update(name="Chair's Award"),
        lambda c: c["credentialSubject"].update(name="Someone Else"),
        lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="sha256$" + "0" * 64),
        lambda c: c["issuer"].update(name="Department of Surgery"),
        lambda c: c.update(id="https://recognition.example.org/verify/ZZZZZZZZZZZZZZZZZZZZZZZZ"),
        lambda c: c.update({"@context": list(reversed(c["@context"]))}),
        lambda c: c["proof"].update(created="2020-01-01T00:00:00Z"),
        lambda c: c["proof"].update(proofPurpose="authentication"),
        lambda c: c.update(evidence=[{"type": ["Evidence"], "narrative": "added afterwards"}]),
    ],
    ids=[
        "name",
        "validFrom",
        "achievement-name",
        "recipient-name",
        "identity",
        "issuer-name",
        "id",
        "context-order",
        "proof-created",
        "proof-purpose",
        "added-member",
    ],
)
def test_any_change_breaks_the_proof(signed, key, change):
    tampered = copy.deepcopy(signed)
    change(tampered)
    ok, message = badges.check(tampered)
    assert ok is False
    assert message == "the proof does not match the credential (it was changed, or signed by another key)"
    assert badges.check(tampered, key.public)[0] is False
    assert proof_holds(tampered) is False


@pytest.mark.parametrize(
    "change, why",
    [
        (lambda c: c.pop("proof"), "not a signed credential"),
        (lambda c: c["proof"].pop("proofValue"), "not a signed credential"),
        (lambda c: c["proof"].update(cryptosuite="ecdsa-jcs-2019"), "cryptosuite eddsa-rdfc-2022 or eddsa-jcs-2022"),
        (lambda c: c["proof"].update(type="Ed25519Signature2020"), "DataIntegrityProof"),
        (lambda c: c["proof"].update(proofValue="u" + c["proof"]["proofValue"][1:]), "multibase base58-btc"),
        (lambda c: c["proof"].update(proofValue="z0OIl"), "not a signed credential"),
        (lambda c: c["proof"].update(verificationMethod="https://example.org/keys/1"), "issuer's profile"),
        (lambda c: c.update(proof="z123"), "not a signed credential"),
    ],
    ids=["no-proof", "no-value", "suite", "type", "multibase", "not-base58", "not-did-key", "proof-not-object"],
)
def test_a_malformed_proof_is_refused_with_a_reason(signed, change, why):
    broken = copy.deepcopy(signed)
    change(broken)
    ok, message = badges.check(broken)
    assert ok is False and why in message


def test_another_keys_credential_passes_offline_but_not_against_ours(signed, key, tmp_path):
    """The forger's credential is intact for its own did:key, so a verifier with no more
    than the file is satisfied; checked against this department's key it fails. That check
    (and the status at /verify/<code>) is what ties a credential to us."""
    forger = new_key(tmp_path / "forger")
    forged = badges.sign(signed, forger, SIGNED_AT)  # our content, their key
    assert badges.check(forged)[0] is True
    assert proof_holds(forged)
    assert badges.check(forged, key.public) == (False, "signed by another key than this department's")
    # Naming our did:key while signing with theirs fails both ways.
    posing = copy.deepcopy(forged)
    posing["proof"]["verificationMethod"] = badges.verification_method(key.public)
    assert badges.check(posing)[0] is False
    assert badges.check(posing, key.public)[0] is False


def test_the_did_key_round_trips(key):
    method = badges.verification_method(key.public)
    did = badges.did_key(key.public)
    assert did.startswith("did:key:z6Mk")  # the multibase prefix every Ed25519 did:key has
    assert method == f"{did}#{did[len('did:key:') :]}"
    for named in (method, did):
        back = badges.public_from_method(named)
        raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
        assert back.public_bytes(*raw) == key.public.public_bytes(*raw)
    secp256k1 = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"
    for wrong in ("did:web:example.org", "https://example.org/key", secp256k1):
        with pytest.raises(ValueError):
            badges.public_from_method(wrong)


# Structure -------------------------------------------------------------------------------------


def test_the_credential_has_the_parts_open_badges_3_requires(signed, key):
    assert signed["@context"] == [V2, OB3]
    assert signed["id"] == URL
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["issuer"] == {
        "id": "https://recognition.example.org",
        "type": ["Profile"],
        "name": "Department of Medicine",
    }
    assert signed["name"] == "Mentor of the Year 2026"
    assert signed["validFrom"] == "2026-05-15T12:00:07Z"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", signed["validFrom"])
    subject = signed["credentialSubject"]
    assert "AchievementSubject" in subject["type"] and subject["name"] == "Zoë Ångström-Nguyễn"
    achievement = subject["achievement"]
    assert achievement["id"] == "https://recognition.example.org/recognition/mentor-of-the-year"
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Mentor of the Year"
    assert achievement["description"] == "For sustained, generous mentorship."
    assert achievement["criteria"] == {"narrative": "Chosen by the committee on a 1-5 rubric."}
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"] == "2026-05-15T12:00:08Z"
    assert proof["verificationMethod"] == badges.verification_method(key.public)
    assert "@context" not in proof, "the proof options' context is the document's, not repeated"
    assert len(base58btc(proof["proofValue"][1:])) == 64


def test_the_recipient_is_identified_without_publishing_the_email(signed):
    identity = signed["credentialSubject"]["identifier"][0]
    assert identity["type"] == "IdentityObject" and identity["identityType"] == "emailAddress"
    assert identity["hashed"] is True
    salted = ("zoe.angstrom@example.org" + identity["salt"]).encode()
    assert identity["identityHash"] == "sha256$" + hashlib.sha256(salted).hexdigest()
    text = json.dumps(signed, ensure_ascii=False).lower()
    assert "zoe.angstrom" not in text and "@example.org" not in text


def test_timestamps_are_utc_whatever_the_input(key):
    aware = badges.sign(unsigned(), key, datetime(2026, 5, 15, 8, 0, 8, tzinfo=UTC).astimezone())
    assert aware["proof"]["created"] == "2026-05-15T08:00:08Z"
