"""The address absolute links name: in emails, certificates and their QR codes, signed
statements and credentials, calendar feeds. Every such link is made by ``url``.

The configured ``BASE_URL`` (instance config or ``RECOGNITION_BASE_URL``) always wins.
Without it, a link made while answering a request names the address that request came to
(through a trusted proxy, the one ProxyFix reads from its headers; Flask's TRUSTED_HOSTS
limits which host names are taken); a link made outside a request (the scheduler, a batch,
the demo loading its history) names the address ``recognition serve`` or ``demo`` was
started on, else ``FALLBACK``.
"""

from __future__ import annotations

import socket
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request, url_for
from werkzeug.sansio.utils import get_current_url

from .apidoc import MAX_ID

FALLBACK = "http://127.0.0.1:5000"
ADDRESSES = "recognition.addresses"
SERVED = "recognition.served_url"
WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]"})


def url(path: str) -> str:
    """The absolute link to ``path`` (which starts with "/")."""
    return base_url() + path


def base_url() -> str:
    """Where the app is reached, without a trailing slash."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return _root(request.scheme, request.host, request.root_path)
    return current_app.extensions.get(SERVED, FALLBACK)


@lru_cache(maxsize=64)
def _root(scheme: str, host: str, root_path: str) -> str:
    """``request.url_root`` without its trailing slash, made once per address: quoting it
    afresh costs a confirmation request more than the rest of its letter."""
    return get_current_url(scheme, host, root_path).rstrip("/")


def is_configured(app: Flask) -> bool:
    return bool(app.config.get("BASE_URL"))


def serving_on(app: Flask, host: str, port: int) -> str:
    """Record that ``app`` is served on ``host``:``port`` (``recognition serve`` or
    ``demo``) and return the address links made outside a request will name."""
    if not is_configured(app):
        app.extensions[SERVED] = derive(host, port, socket.gethostname())
    return base_url_of(app)


def base_url_of(app: Flask) -> str:
    with app.app_context():
        return base_url()


def derive(host: str, port: int, hostname: str) -> str:
    """The address of a server listening on ``host``:``port``. A wildcard host listens on
    every address of the machine, so the machine's name stands for it."""
    host = host.strip()
    if host in WILDCARDS:
        host = hostname or "localhost"
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}" if port == 80 else f"http://{host}:{port}"


def describe(app: Flask) -> str:
    """One line for the operator: which address links name, and how to change it."""
    if is_configured(app):
        return f"Links in emails and certificates name {base_url_of(app)} (BASE_URL)."
    return (
        f"Links in emails and certificates name {base_url_of(app)}, or the address a page was "
        "requested at; set RECOGNITION_BASE_URL to name one address for all."
    )


def unconfigured_warning(app: Flask) -> str | None:
    """For commands that make links with no request to take an address from (the
    scheduler, the statement batch): a warning when BASE_URL is not set."""
    if is_configured(app):
        return None
    return (
        f"Warning: BASE_URL is not set, so links in the emails and certificates made here name "
        f"{base_url_of(app)}. Set RECOGNITION_BASE_URL (or BASE_URL in the instance config) to the "
        "address people reach the app at."
    )


def fixed_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)``, built once per app, mount point (the script root a
    proxy may add) and arguments: such an address cannot change while the app runs, and
    building one costs more than a page's row. For the addresses every page names (the
    menu, the style sheet, a page's own form)."""
    key = (_mount(), endpoint, *sorted(values.items()))
    addresses = current_app.extensions.setdefault(ADDRESSES, {})
    address = addresses.get(key)
    if address is None:
        address = addresses[key] = url_for(endpoint, **values)
    return address


def id_url(endpoint: str, name: str, value: int) -> str:
    """``url_for(endpoint, **{name: value})`` for an integer id, as pages that link many
    entries or mentorships name them: the address is built once per app and mount point
    around a marker id, and each id's is that address with the id in its place."""
    key = (_mount(), endpoint, name)
    addresses = current_app.extensions.setdefault(ADDRESSES, {})
    pattern = addresses.get(key)
    if pattern is None:
        marked: dict[str, Any] = {name: MAX_ID}
        head, _, tail = url_for(endpoint, **marked).rpartition(str(MAX_ID))
        pattern = addresses[key] = (head, tail)
    return f"{pattern[0]}{int(value)}{pattern[1]}"


def _mount() -> str | None:
    return request.script_root if has_request_context() else None


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
