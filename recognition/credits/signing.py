"""The deployment's Ed25519 signing keys: the current private key, and the key ring of
every public key the deployment has signed with.

Statements, award credentials and ledger checkpoints are signed over their canonical
bytes; ``key_id`` (the first 16 hex digits of the SHA-256 of the raw public key) names
which key signed. The private key is a file in the instance folder (``signing-key.pem``,
or ``SIGNING_KEY_PATH``), made by ``recognition init`` and replaced only by ``recognition
keys rotate``: a key that is missing or cannot be loaded stops signing with a clear error
(``KeyUnavailable``), never a fresh key that would leave earlier documents unverifiable.

The key ring (``signing-keys.json`` beside the config) keeps every public key with the
period it signed in, so a document signed before a rotation still verifies: it is the
list published at ``/verify/keys.json`` and ``/api/v1/verify/keys``. It holds public keys
only; a retired private key is gone with the rotation. Both files are read again when they
change on disk (size, inode, modification time), so every worker picks up a rotation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import DomainError

KEY_FILE = "signing-key.pem"
RING_FILE = "signing-keys.json"
LOCK_FILE = "signing-keys.lock"
ALGORITHM = "Ed25519"


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    path: Path

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, message: bytes) -> str:
        return b64(self.private.sign(message))

    def public_pem(self) -> str:
        return public_pem(self.public)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(public)).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(
        "ascii"
    )


def load_public_pem(text: str | bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(text.encode("ascii") if isinstance(text, str) else text)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def verify(public: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        public.verify(unb64(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- errors ------------------------------------------------------------------------------

MISSING = (
    "is missing: on a new deployment run `recognition init`; otherwise restore it from the backup, "
    "or replace a lost key with `recognition keys rotate --lost`"
)
UNREADABLE = (
    "cannot be loaded: it must be an unencrypted Ed25519 private key in PEM; restore it from the "
    "backup, or replace it with `recognition keys rotate --lost`"
)
RING_UNREADABLE = "cannot be read: restore signing-keys.json from the backup"
CACHE = "recognition.signing"
log = logging.getLogger(__name__)


class KeyUnavailable(DomainError):
    """Nothing can be signed (or a key ring cannot be read): 503 on the API, a page for
    people, a sentence on the command line. Nothing is signed and nothing is written."""

    status = 503

    @classmethod
    def of_key(cls, rule: str) -> KeyUnavailable:
        state, remedy = rule.split(": ", 1)
        return cls(
            f"Nothing can be signed now: the signing key {state}. The operator must fix it ({remedy}).",
            {"signing_key": [rule]},
        )


# --- the key ring ------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedKey:
    """One public key of the ring and the period it signed in (``valid_from`` None: from
    before the ring was kept; ``valid_until`` None: the current key)."""

    public: Ed25519PublicKey
    valid_from: datetime | None
    valid_until: datetime | None

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    @property
    def current(self) -> bool:
        return self.valid_until is None

    def public_pem(self) -> str:
        return public_pem(self.public)

    def as_json(self) -> dict:
        return {
            "key_id": self.key_id,
            "algorithm": ALGORITHM,
            "public_key_pem": self.public_pem(),
            "valid_from": _iso(self.valid_from),
            "valid_until": _iso(self.valid_until),
        }


def _aware(moment: datetime) -> datetime:
    """A stored (naive UTC) time or an aware one, as aware UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return _aware(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def ring_path(folder: str | Path) -> Path:
    return Path(folder) / RING_FILE


def read_ring(path: Path) -> list[PublishedKey]:
    """The ring stored at ``path`` (empty if there is none); ValueError if it is damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    try:
        return [
            PublishedKey(
                load_public_pem(entry["public_key_pem"]), _moment(entry["valid_from"]), _moment(entry["valid_until"])
            )
            for entry in data["keys"]
        ]
    except (KeyError, TypeError, AttributeError, UnsupportedAlgorithm) as error:
        raise ValueError(f"{path} is not a key ring: {error!r}") from None


def _write_ring(path: Path, ring: list[PublishedKey]) -> None:
    body = json.dumps({"format": 1, "keys": [entry.as_json() for entry in ring]}, indent=2) + "\n"
    _write_atomically(path, body.encode("utf-8"), 0o644)


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write beside ``path`` and rename over it: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(folder: Path):
    """One maker or rotator of keys at a time, across processes."""
    import fcntl  # noqa: PLC0415 - POSIX only: the module still imports where there is none

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _with_current(
    ring: list[PublishedKey], current: Ed25519PublicKey, since: datetime | None, now: datetime
) -> list[PublishedKey]:
    """``ring`` with ``current`` recorded: unchanged if it is there already; else added as
    the open key from ``since`` (None: from before the ring was kept), any other open one
    (a rotation cut short) closing ``now``."""
    if any(entry.key_id == key_id(current) for entry in ring):
        return ring
    closed = [entry if not entry.current else PublishedKey(entry.public, entry.valid_from, now) for entry in ring]
    return [*closed, PublishedKey(current, since, None)]


# --- making, loading and rotating the private key ----------------------------------------


def _new_private_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def ensure_key(
    folder: str | Path, configured: str | None = None, now: datetime | None = None
) -> tuple[SigningKey, bool]:
    """The key at ``configured`` (or ``<folder>/signing-key.pem``), made now if missing,
    and listed in the key ring. This is ``recognition init``'s; nothing else makes a key.

    Returns the key and whether it was made now; KeyUnavailable if the file is there but
    cannot be loaded (it is never replaced here).
    """
    folder = Path(folder)
    path = key_path(folder, configured)
    now = _aware(now or datetime.now(UTC))
    with _locked(folder):
        made = False
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(_new_private_pem())
                handle.flush()
                os.fsync(handle.fileno())
            made = True
            log.warning("Made a new signing key %s", path)
        try:
            key = load_key(path)
        except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
            log.error("The signing key %s cannot be loaded: %s", path, error)
            raise KeyUnavailable.of_key(UNREADABLE) from None
        ring = read_ring(ring_path(folder))
        # A key older than the ring has no recorded start; a key made now starts now.
        updated = _with_current(ring, key.public, now if made else None, now)
        if updated != ring:
            _write_ring(ring_path(folder), updated)
    return key, made


def rotate(
    folder: str | Path, configured: str | None, now: datetime, lost: bool = False
) -> tuple[PublishedKey | None, SigningKey]:
    """Replace the signing key with a new one. The old public key stays in the ring,
    closed at ``now``, so everything it signed still verifies; the old private key is
    gone. A key that is missing or cannot be loaded is replaced only when ``lost`` (an
    unreadable file is kept beside it, renamed). Returns the retired key (None when the
    old one was lost) and the new one."""
    folder = Path(folder)
    path = key_path(folder, configured)
    now = _aware(now)
    with _locked(folder):
        ring = read_ring(ring_path(folder))
        try:
            old = load_key(path)
        except FileNotFoundError:
            if not lost:
                raise KeyUnavailable.of_key(MISSING) from None
            old = None
        except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
            if not lost:
                log.error("The signing key %s cannot be loaded: %s", path, error)
                raise KeyUnavailable.of_key(UNREADABLE) from None
            aside = path.with_name(f"{path.name}.unreadable-{now:%Y%m%dT%H%M%SZ}")
            os.replace(path, aside)
            log.warning("Moved the unreadable signing key %s to %s", path, aside)
            old = None
        if old is not None:
            ring = _with_current(ring, old.public, None, now)
            _write_ring(ring_path(folder), ring)  # the old public key is safe before it stops being current
        pem = _new_private_pem()
        private = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(private, Ed25519PrivateKey)  # _new_private_pem makes Ed25519 keys
        new = SigningKey(private, path)
        _write_atomically(path, pem, 0o600)
        ring = [entry if not entry.current else PublishedKey(entry.public, entry.valid_from, now) for entry in ring]
        ring.append(PublishedKey(new.public, now, None))
        _write_ring(ring_path(folder), ring)
    retired = next((entry for entry in ring if old is not None and entry.key_id == old.key_id), None)
    log.warning(
        "Rotated the signing key: %s retired, %s signs from %s",
        retired.key_id if retired else "a lost key",
        new.key_id,
        _iso(now),
    )
    return retired, new


def key_path(folder: str | Path, configured: str | None = None) -> Path:
    return Path(configured) if configured else Path(folder) / KEY_FILE


def load_key(path: Path) -> SigningKey:
    """The key stored at ``path``; OSError if it cannot be read, ValueError if it is no
    Ed25519 private key."""
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return SigningKey(private, path)


# --- what the app uses ---------------------------------------------------------------------


def _stamp(path: Path) -> tuple[int, int, int]:
    found = path.stat()
    return found.st_ino, found.st_size, found.st_mtime_ns


def _cached(app, name: str, path: Path, load):
    """``load(path)``, kept until the file changes on disk (so another process's rotation
    is seen at the next use). FileNotFoundError if there is no file."""
    stamp = (path, _stamp(path))
    cache = app.extensions.setdefault(CACHE, {})
    if name in cache and cache[name][0] == stamp:
        return cache[name][1]
    value = load(path)
    cache[name] = (stamp, value)
    return value


def app_key(app) -> SigningKey:
    """The app's current signing key. Never made here: KeyUnavailable (logged) when it is
    missing or cannot be loaded, so nothing gets signed with a key nobody can check."""
    path = key_path(app.instance_path, app.config.get("SIGNING_KEY_PATH"))
    try:
        key = _cached(app, "key", path, load_key)
    except FileNotFoundError:
        app.logger.error("The signing key %s does not exist: nothing can be signed", path)
        raise KeyUnavailable.of_key(MISSING) from None
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
        app.logger.error("The signing key %s cannot be loaded: %s", path, error)
        raise KeyUnavailable.of_key(UNREADABLE) from None
    # A key file put back from an old backup may be one a rotation retired: what it signed
    # now would not verify, so it signs nothing.
    entry = next((entry for entry in _ring(app) if entry.key_id == key.key_id), None)
    if entry is not None and not entry.current:
        app.logger.error("The signing key %s is key %s, retired on %s", path, key.key_id, _iso(entry.valid_until))
        raise KeyUnavailable.of_key(
            f"was retired on {_iso(entry.valid_until)}: restore the current key from the "
            "backup (`recognition keys list` names it), or run `recognition keys rotate`"
        )
    return key


def _current_public(app) -> Ed25519PublicKey | None:
    """The current key's public half, or None if it cannot be had (app_key says why)."""
    try:
        return _cached(app, "key", key_path(app.instance_path, app.config.get("SIGNING_KEY_PATH")), load_key).public
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm):
        return None


def _ring(app) -> list[PublishedKey]:
    path = ring_path(app.instance_path)
    try:
        return list(_cached(app, "ring", path, read_ring))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        app.logger.error("The key ring %s cannot be read: %s", path, error)
        raise KeyUnavailable(
            "The list of this deployment's signing keys cannot be read, so nothing can be "
            "verified or signed now: the operator must restore it from the backup.",
            {"signing_keys": [RING_UNREADABLE]},
        ) from None


def published(app) -> list[PublishedKey]:
    """Every public key this deployment has signed with, oldest first, the current one
    last (the current key is listed even before ``init`` recorded it in the ring).
    Reading needs no private key: a deployment that lost its key still verifies."""
    ring = _ring(app)
    current = _current_public(app)
    if current is None or any(entry.key_id == key_id(current) for entry in ring):
        return ring
    return [*ring, PublishedKey(current, None, None)]  # not yet recorded by `init`


def current_of(keys: list[PublishedKey]) -> PublishedKey | None:
    """The key of ``keys`` that signs now (the newest open one)."""
    return next((entry for entry in reversed(keys) if entry.current), None)


def named_by(payload: dict) -> str | None:
    """The key id a signed statement names: beside the document, or else in its issuer."""
    issuer = payload.get("document", {}).get("issuer") if isinstance(payload.get("document"), dict) else None
    named = payload.get("key_id") or (issuer.get("key_id") if isinstance(issuer, dict) else None)
    return named if isinstance(named, str) else None


# Servers' clocks differ a little, and a worker may finish a signature it began as the key
# was being retired: documents a retired key signed this long after its retirement pass.
SKEW = timedelta(minutes=5)


def retired_before(key: PublishedKey, signed_at) -> str | None:
    """Why ``key`` cannot have signed a document that says it was signed at ``signed_at``
    (an ISO 8601 string or a datetime): it was retired before. None when it could have.
    A retired key's documents must say when they were signed; the current key's need not."""
    if key.valid_until is None:  # the current key
        return None
    try:
        said = signed_at if isinstance(signed_at, datetime) else _moment(signed_at)
    except (TypeError, ValueError, AttributeError):
        said = None
    if said is None:
        return f"it does not say when it was signed, and key {key.key_id} was retired on {_iso(key.valid_until)}"
    moment = _aware(said)
    if moment > _aware(key.valid_until) + SKEW:
        return (
            f"it says it was signed on {_iso(moment)}, after key {key.key_id} was retired on "
            f"{_iso(key.valid_until)}: the key may have been taken, do not trust it"
        )
    return None


def find(app, wanted: str | None) -> PublishedKey | None:
    """The published key with id ``wanted``, or None."""
    return next((entry for entry in published(app) if entry.key_id == wanted), None) if wanted else None
