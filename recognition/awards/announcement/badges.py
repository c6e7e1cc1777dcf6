"""Open Badges 3.0 credentials, signed with the deployment's Ed25519 key.

An Open Badges 3.0 credential is a W3C Verifiable Credential (data model 2.0) of type
``OpenBadgeCredential`` whose subject holds an ``Achievement``. We secure it with a Data
Integrity proof, cryptosuite ``eddsa-jcs-2022`` (W3C "Data Integrity EdDSA Cryptosuites
v1.0", section 3.3): the proof options (with the document's ``@context``) and the document
without its proof are each canonicalised with JCS (RFC 8785) and hashed with SHA-256; the
signature is Ed25519 over the two hashes, proof options first, written as multibase
base58-btc (``z...``). The verification method is the key as a ``did:key``, so a verifier
needs nothing from us to check it; ``/verify/<code>`` says whether it was revoked.

JCS here is ``json.dumps`` with sorted keys and no spaces: it equals RFC 8785 for the
documents we write, which hold strings, integers, lists and objects only (no floats, no
non-BMP key names).
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ...credits.signing import SigningKey, raw_public

CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CRYPTOSUITE = "eddsa-jcs-2022"
ED25519_MULTICODEC = b"\xed\x01"


def jcs(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def multikey(public: Ed25519PublicKey) -> str:
    """The public key as a Multikey: multibase base58-btc of the multicodec ed25519-pub key."""
    return "z" + base58.b58encode(ED25519_MULTICODEC + raw_public(public)).decode("ascii")


def did_key(public: Ed25519PublicKey) -> str:
    return f"did:key:{multikey(public)}"


def verification_method(public: Ed25519PublicKey) -> str:
    return f"{did_key(public)}#{multikey(public)}"


def public_from_method(method: str) -> Ed25519PublicKey:
    """The key a ``did:key`` verification method names; ValueError if it is not Ed25519."""
    if not method.startswith("did:key:z"):
        raise ValueError("the verification method is not a did:key")
    encoded = method.split("#", 1)[0][len("did:key:") :]
    raw = base58.b58decode(encoded[1:])
    if not raw.startswith(ED25519_MULTICODEC) or len(raw) != 34:
        raise ValueError("the did:key is not an Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def _iso(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def credential(
    *,
    url: str,
    issuer_url: str,
    issuer_name: str,
    achievement_url: str,
    award_name: str,
    description: str,
    criteria: str,
    year: int,
    recipient_name: str,
    recipient_email: str,
    awarded_on,
    issued_at: datetime,
) -> dict:
    """The unsigned credential. The recipient is named and identified by a salted SHA-256
    of their email (as Open Badges does), so the email itself is not published."""
    salt = hashlib.sha256(f"{url}|salt".encode()).hexdigest()[:16]
    return {
        "@context": list(CONTEXTS),
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_url, "type": ["Profile"], "name": issuer_name},
        "validFrom": _iso(issued_at),
        "name": f"{award_name} {year}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": recipient_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$"
                    + hashlib.sha256((recipient_email.strip().lower() + salt).encode()).hexdigest(),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": achievement_url,
                "type": ["Achievement"],
                "achievementType": "Award",
                "name": award_name,
                "description": description or award_name,
                "criteria": {"narrative": criteria},
            },
            "activityEndDate": _iso(datetime(awarded_on.year, awarded_on.month, awarded_on.day)),
        },
    }


def _hash_data(document: dict, options: dict) -> bytes:
    return hashlib.sha256(jcs(options)).digest() + hashlib.sha256(jcs(document)).digest()


def sign(document: dict, key: SigningKey, created: datetime) -> dict:
    """``document`` with an ``eddsa-jcs-2022`` DataIntegrityProof added."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _iso(created),
        "verificationMethod": verification_method(key.public),
        "proofPurpose": "assertionMethod",
        "@context": unsecured["@context"],
    }
    signature = key.private.sign(_hash_data(unsecured, options))
    proof = {k: v for k, v in options.items() if k != "@context"}
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return {**copy.deepcopy(unsecured), "proof": proof}


def signer(secured: dict) -> Ed25519PublicKey | None:
    """The key a credential's proof names, or None when it names none we can read."""
    try:
        return public_from_method(secured["proof"]["verificationMethod"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def check(secured: dict, public: Ed25519PublicKey | None = None) -> tuple[bool, str]:
    """Whether a credential's proof holds: offline, from the document alone (its did:key),
    or against ``public`` when given (so a forger's own did:key does not pass)."""
    try:
        proof = dict(secured["proof"])
        value = proof.pop("proofValue")
        if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
            return False, f"the proof is not a DataIntegrityProof with cryptosuite {CRYPTOSUITE}"
        named = public_from_method(proof["verificationMethod"])
        if not isinstance(value, str) or not value.startswith("z"):
            return False, "the proof value is not multibase base58-btc"
        signature = base58.b58decode(value[1:])
        unsecured = {k: v for k, v in secured.items() if k != "proof"}
        options = {**proof, "@context": unsecured["@context"]}
    except (KeyError, TypeError, ValueError, AttributeError):
        return False, "not a signed credential: it needs a proof with a verificationMethod and a proofValue"
    if public is not None and raw_public(named) != raw_public(public):
        return False, "signed by another key than this department's"
    try:
        named.verify(signature, _hash_data(unsecured, options))
    except Exception:  # noqa: BLE001 - InvalidSignature, or a malformed signature
        return False, "the proof does not match the credential (it was changed, or signed by another key)"
    return True, "genuine: the credential is intact and signed by the key its proof names"
