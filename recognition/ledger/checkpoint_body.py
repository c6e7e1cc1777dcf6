"""What a checkpoint's signature covers, and its digest: shared by the checkpoints that are
made and published (``checkpoints``) and the check of them (``anchors``)."""

from __future__ import annotations

import hashlib

from .models import LedgerCheckpoint

KIND = "recognition-ledger-checkpoint"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def body(checkpoint: LedgerCheckpoint) -> dict:
    """What a checkpoint's signature covers."""
    return {
        "type": KIND,
        "seq": checkpoint.seq,
        "hash": checkpoint.head_hash,
        "at": checkpoint.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "prev": checkpoint.prev_digest,
        "entries_digest": checkpoint.entries_digest,
        "key_id": checkpoint.key_id,
    }
