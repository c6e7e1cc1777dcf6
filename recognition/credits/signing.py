"""The deployment's Ed25519 signing key: made once, kept in the instance folder.

Statements (and, later, award credentials) are signed over their canonical JSON bytes.
The public key is published at ``/verify/key.pem`` and ``/api/v1/verify/key`` so anyone
can check a signed statement offline; ``key_id`` (the first 16 hex digits of the SHA-256
of the raw public key) names which key signed.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "signing-key.pem"
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
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


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


def ensure_key(folder: str | Path, configured: str | None = None) -> tuple[SigningKey, bool]:
    """The key at ``configured`` (or ``<folder>/signing-key.pem``), made now if missing.

    Creation is exclusive, so two processes starting together end up with one key: the
    loser reads the winner's file. Returns the key and whether it was made now.
    """
    path = key_path(folder, configured)
    made = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
                handle.flush()
                os.fsync(handle.fileno())
            made = True
    return load_key(path), made


def key_path(folder: str | Path, configured: str | None = None) -> Path:
    return Path(configured) if configured else Path(folder) / KEY_FILE


def load_key(path: Path) -> SigningKey:
    """The key stored at ``path``; OSError if it cannot be read, ValueError if it is no
    Ed25519 private key."""
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return SigningKey(private, path)


def app_key(app) -> SigningKey:
    """The app's signing key, loaded once per process."""
    key = app.extensions.get("recognition.signing_key")
    if key is None:
        key, _ = ensure_key(app.instance_path, app.config.get("SIGNING_KEY_PATH"))
        app.extensions["recognition.signing_key"] = key
    return key
