"""JSON-LD for the badge proofs: a document loader that serves only the contexts pinned in
``contexts/`` (anything else is refused, never fetched), and RDF Dataset Canonicalization
(RDFC-1.0, the URDNA2015 algorithm) by PyLD."""

from __future__ import annotations

import json
import threading
from functools import cache
from importlib import resources

from pyld import jsonld

PINNED = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2": "security-data-integrity-v2.json",
    "https://w3id.org/security/multikey/v1": "security-multikey-v1.json",
}
# PyLD keeps resolved contexts in caches shared by the process that are not thread-safe.
_LOCK = threading.Lock()


class UnknownContext(ValueError):
    """A document names a context that is not pinned here."""


@cache
def context(url: str) -> dict:
    name = PINNED.get(url)
    if name is None:
        raise UnknownContext(f"the JSON-LD context {url} is not one this deployment ships")
    return json.loads(resources.files(__package__).joinpath("contexts", name).read_text("utf-8"))


def loader(url: str, options=None) -> dict:
    """PyLD's documentLoader: the pinned copy, or an error (no network)."""
    try:
        document = context(url)
    except UnknownContext as error:
        raise jsonld.JsonLdError(str(error), "jsonld.LoadDocumentError", code="loading document failed") from None
    return {"contextUrl": None, "documentUrl": url, "document": document}


def canonical(document: dict) -> str:
    """The document's RDF dataset as canonical N-Quads (RDFC-1.0)."""
    with _LOCK:
        return jsonld.normalize(
            document,
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader, "safe": True},
        )


def expand(document: dict) -> list:
    with _LOCK:
        return jsonld.expand(document, {"documentLoader": loader, "safe": True})
