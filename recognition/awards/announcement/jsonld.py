"""JSON-LD for the badge proofs: a document loader that serves only the contexts pinned in
``contexts/`` (anything else is refused, never fetched), and RDF Dataset Canonicalization
(RDFC-1.0, the URDNA2015 algorithm) by PyLD."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
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


def loader_with(extra: Mapping[str, dict] | None = None):
    """PyLD's documentLoader: the pinned copy (or one of ``extra``, which tests give), or an
    error: nothing is fetched."""

    def load(url: str, options=None) -> dict:
        if extra and url in extra:
            return {"contextUrl": None, "documentUrl": url, "document": extra[url]}
        try:
            document = context(url)
        except UnknownContext as error:
            raise jsonld.JsonLdError(str(error), "jsonld.LoadDocumentError", code="loading document failed") from None
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load


loader = loader_with()


def _refuse_unpinned(value, extra: Mapping[str, dict] | None) -> None:
    """UnknownContext if any ``@context`` in the document names an unpinned URL (PyLD would
    only say that a remote context failed to load)."""
    if isinstance(value, list):
        for item in value:
            _refuse_unpinned(item, extra)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                for named in item if isinstance(item, list) else [item]:
                    if isinstance(named, str) and named not in PINNED and not (extra and named in extra):
                        raise UnknownContext(f"the JSON-LD context {named} is not one this deployment ships")
            _refuse_unpinned(item, extra)


def canonical(document: dict, extra: Mapping[str, dict] | None = None) -> str:
    """The document's RDF dataset as canonical N-Quads (RDFC-1.0)."""
    _refuse_unpinned(document, extra)
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader_with(extra)}
    with _LOCK:
        return jsonld.normalize(document, options)


def expand(document: dict) -> list:
    _refuse_unpinned(document, None)
    with _LOCK:
        return jsonld.expand(document, {"documentLoader": loader})
