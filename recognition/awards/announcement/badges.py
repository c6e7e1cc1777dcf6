"""Open Badges 3.0 credentials, signed with the deployment's Ed25519 key.

An Open Badges 3.0 credential is a W3C Verifiable Credential (data model 2.0) of type
``OpenBadgeCredential`` whose subject holds an ``Achievement``. We secure it with a Data
Integrity proof (W3C "Data Integrity EdDSA Cryptosuites v1.0"): the proof options (with the
document's ``@context``) and the document without its proof are each canonicalised and
hashed with SHA-256; the signature is Ed25519 over the two hashes, proof options first,
written as multibase base58-btc (``z...``).

Credentials are signed with ``eddsa-rdfc-2022`` (section 3.2), the suite 1EdTech's
conformance and standard verifiers expect: the canonical form is RDF Dataset
Canonicalization of the JSON-LD (``jsonld.py``, with the contexts pinned in the package).
Its verification method is one the issuer profile publishes (``<issuer id>#key-<key id>``),
so a verifier ties the key to the department. Credentials issued before it carry
``eddsa-jcs-2022`` (section 3.3: JCS, RFC 8785) with the key as a ``did:key``; ``check``
still accepts them.

JCS here is ``json.dumps`` with sorted keys and no spaces: it equals RFC 8785 for the
documents we write, which hold strings, integers, lists and objects only (no floats, no
non-BMP key names).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ...credits.signing import SigningKey, raw_public
from . import jsonld

CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
JCS = "eddsa-jcs-2022"
RDFC = "eddsa-rdfc-2022"
CRYPTOSUITE = JCS  # what the first credentials carry
CRYPTOSUITES = (RDFC, JCS)
# The issuer profile's key terms, with the IRIs the W3C Controlled Identifiers vocabulary
# gives them (no pinned context defines them at the top level).
KEY_TERMS = {
    term: {"@id": f"https://w3id.org/security#{term}", "@type": "@id", "@container": "@set"}
    for term in ("verificationMethod", "assertionMethod")
}
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
    image_url: str | None = None,
    status: dict | None = None,
) -> dict:
    """The unsigned credential. The recipient is named and identified by a salted SHA-256
    of their email (as Open Badges does), so the email itself is not published. ``status``
    is its ``credentialStatus`` (a Bitstring Status List entry), ``image_url`` the award's
    emblem."""
    salt = hashlib.sha256(f"{url}|salt".encode()).hexdigest()[:16]
    document: dict = {
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
    if image_url:
        document["credentialSubject"]["achievement"]["image"] = {"id": image_url, "type": "Image"}
    if status:
        document["credentialStatus"] = status
    return document


def issuer_method(issuer_id: str, key_id: str) -> str:
    """The id of a key in the issuer profile: what an ``eddsa-rdfc-2022`` proof names."""
    return f"{issuer_id}#key-{key_id}"


def named_key_id(secured: dict) -> str | None:
    """The key id an issuer-profile verification method names (``...#key-<id>``), if any."""
    try:
        method = secured["proof"]["verificationMethod"]
    except (KeyError, TypeError):
        return None
    if not isinstance(method, str) or method.startswith("did:"):
        return None
    _, found, wanted = method.rpartition("#key-")
    return wanted if found and wanted else None


def _canonical(suite: str, data: dict, contexts: Mapping[str, dict] | None) -> bytes:
    return jcs(data) if suite == JCS else jsonld.canonical(data, contexts).encode("utf-8")


def _hash_data(document: dict, options: dict, suite: str = JCS, contexts: Mapping[str, dict] | None = None) -> bytes:
    return (
        hashlib.sha256(_canonical(suite, options, contexts)).digest()
        + hashlib.sha256(_canonical(suite, document, contexts)).digest()
    )


def sign(
    document: dict,
    key: SigningKey,
    created: datetime,
    *,
    method: str | None = None,
    suite: str = JCS,
    contexts: Mapping[str, dict] | None = None,
) -> dict:
    """``document`` with a DataIntegrityProof added: ``eddsa-jcs-2022`` naming the key's
    did:key (how the first credentials were signed), or ``eddsa-rdfc-2022`` naming
    ``method`` (the key in the issuer profile). ``contexts`` adds JSON-LD contexts to the
    pinned ones (for the specification's test vectors)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "created": _iso(created),
        "verificationMethod": method or verification_method(key.public),
        "proofPurpose": "assertionMethod",
        "@context": unsecured["@context"],
    }
    signature = key.private.sign(_hash_data(unsecured, options, suite, contexts))
    proof = {k: v for k, v in options.items() if k != "@context"}
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return {**copy.deepcopy(unsecured), "proof": proof}


def sign_rdfc(document: dict, key: SigningKey, created: datetime, issuer_id: str) -> dict:
    """``document`` with an ``eddsa-rdfc-2022`` proof by the key the issuer profile lists."""
    return sign(document, key, created, method=issuer_method(issuer_id, key.key_id), suite=RDFC)


def signer(secured: dict) -> Ed25519PublicKey | None:
    """The key a credential's proof names, or None when it names none we can read."""
    try:
        return public_from_method(secured["proof"]["verificationMethod"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def check(secured: dict, public: Ed25519PublicKey | None = None) -> tuple[bool, str]:
    """Whether a credential's proof holds: offline, from the document alone (a did:key), or
    against ``public`` when given (so a forger's own did:key does not pass). A proof naming
    a key of the issuer profile needs ``public``: the caller finds it by ``named_key_id``."""
    try:
        proof = dict(secured["proof"])
        value = proof.pop("proofValue")
        suite = proof.get("cryptosuite")
        if proof.get("type") != "DataIntegrityProof" or suite not in CRYPTOSUITES:
            return False, f"the proof is not a DataIntegrityProof with cryptosuite {' or '.join(CRYPTOSUITES)}"
        if str(proof["verificationMethod"]).startswith("did:"):
            named = public_from_method(proof["verificationMethod"])
        elif public is not None:
            named = public
        else:
            return False, "the proof names a key of its issuer's profile: check it against the issuer's keys"
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
        named.verify(signature, _hash_data(unsecured, options, suite))
    except Exception:  # noqa: BLE001 - InvalidSignature, or a malformed signature
        return False, "the proof does not match the credential (it was changed, or signed by another key)"
    return True, "genuine: the credential is intact and signed by the key its proof names"
