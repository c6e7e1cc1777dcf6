import base64
import binascii
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, missing, validate
from marshmallow.utils import ensure_text_type

from .. import fields
from ..apidoc import ID, PageArgsSchema, PageMetaSchema, UtcDateTime
from .models import ENTRY_TYPES
from .rules import (
    CONFIRMATION_STATES,
    DIRECT_KINDS,
    KINDS,
    MAX_ACCREDITATION,
    MAX_DISPUTE_REASON,
    MAX_MINUTES,
    MAX_NOTE,
    UNCONFIRMED_AFTER_DAYS,
)

CONFIRM_DUPLICATE = (
    "Set to true to record a second, separate activity that looks like one already recorded (same person, kind, "
    "date, minutes and mentorship, not reversed). Without it such a request is refused with 409, naming the entry "
    "it repeats, so the same work is not counted twice."
)


class ContributionInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(DIRECT_KINDS))
    mentorship_id = fields.Integer(
        validate=ID,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Required for meetings, plan reviews and peer-group sessions. For personal work (mentor training, mentoring preparation, other) only the mentor of the mentorship or an administrator may name one: such work is the mentor's own"
        },
    )
    person_id = fields.Integer(
        validate=ID,
        allow_none=True,
        load_default=None,
        metadata={"description": "Whose work, for personal kinds; defaults to you (only admins may name someone else)"},
    )
    occurred_on = fields.Date(required=True)
    minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_MINUTES))
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))
    accreditation = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=MAX_ACCREDITATION),
        metadata={
            "description": "Mentor training only: the accrediting body and activity, which makes it "
            "Section 1 / Category 1 credit (e.g. 'Royal College accredited group learning, CPD-1234')"
        },
    )
    confirm_duplicate = fields.Boolean(load_default=False, metadata={"description": CONFIRM_DUPLICATE})


class EntrySchema(Schema):
    id = fields.Integer()
    seq = fields.Integer(metadata={"description": "Position in the hash chain"})
    entry_type = fields.String(metadata={"enum": list(ENTRY_TYPES)})
    kind = fields.String(allow_none=True)
    mentorship_id = fields.Integer(allow_none=True)
    person_id = fields.Integer()
    occurred_on = fields.Date()
    minutes = fields.Integer()
    note = fields.String()
    recorded_by_id = fields.Integer()
    recorded_at = UtcDateTime()
    target_id = fields.Integer(
        allow_none=True, metadata={"description": "The entry this reverses, confirms or disputes"}
    )
    reason = fields.String(allow_none=True)
    accreditation = fields.String(allow_none=True)
    prev_hash = fields.String()
    entry_hash = fields.String(
        metadata={
            "description": "SHA-256 of the canonical JSON of the fields above (id and "
            "chain_version included when chain_version is set; accreditation when set)"
        }
    )
    chain_version = fields.Integer(
        allow_none=True,
        metadata={
            "description": "2: the hash covers the entry's id; null for entries chained before, bound to their ids by "
            "a checkpoint"
        },
    )
    confirmed_by_entry_id = fields.Integer(
        allow_none=True, metadata={"description": "The counterpart's confirmation, if any"}
    )
    reversed_by_entry_id = fields.Integer(allow_none=True, metadata={"description": "The reversal, if any"})
    disputed_by_entry_id = fields.Function(
        lambda entry: entry.disputed_by.id if getattr(entry, "disputed_by", None) is not None else None,
        allow_none=True,
        metadata={"type": "integer", "description": "The counterpart's dispute (this did not happen), if any"},
    )
    dispute_reason = fields.Function(
        lambda entry: entry.disputed_by.reason if getattr(entry, "disputed_by", None) is not None else None,
        allow_none=True,
        metadata={"type": "string", "description": "Why the counterpart disputes it"},
    )
    confirmation_state = fields.String(
        allow_none=True,
        metadata={
            "enum": list(CONFIRMATION_STATES),
            "description": "Work between two people: awaiting (the counterpart was asked), confirmed, unconfirmed "
            f"(nobody confirmed it within {UNCONFIRMED_AFTER_DAYS} days of its recording), disputed (it earns no "
            "credit and is no evidence) or reversed; null for other entries",
        },
    )

    def _serialize(self, obj, *, many=False):
        """Each entry by ``_dump_plan``, marshmallow's answer without its walk through the
        fields (every entry an API call answers with goes through here). A mapping, or a
        schema narrowed by ``only`` or ``exclude``, goes marshmallow's way."""
        if many:
            return [self._serialize(item) for item in obj]
        if isinstance(obj, Mapping) or len(self.dump_fields) != len(_ENTRY_PLAN):
            return super()._serialize(obj)
        dumped = {}
        for name, convert, function in _ENTRY_PLAN:
            if function is not None:
                dumped[name] = function(obj)
                continue
            value = getattr(obj, name, missing)
            if value is not missing:
                dumped[name] = None if value is None else convert(value)
        return dumped


def _dump_plan(schema: type[Schema]) -> tuple:
    """For each of the schema's fields, in order: its name and how marshmallow turns a
    value into what is sent (None stays None; an attribute the object lacks is left
    out), or the function a ``fields.Function`` calls with the object. A field of
    another kind, or one renamed, read from another attribute or with a default, has
    no plan: it fails here, at import, instead of being sent differently."""
    plan: list[tuple[str, Callable[[Any], Any] | None, Callable[[Any], Any] | None]] = []
    for name, field in schema._declared_fields.items():
        if field.attribute is not None or field.data_key is not None or field.dump_default is not missing:
            raise TypeError(f"{schema.__name__}.{name}: a plain field has a dump plan")
        if isinstance(field, fields.Function):
            plan.append((name, None, field.serialize_func))
        elif isinstance(field, UtcDateTime):
            plan.append((name, _utc_isoformat, None))
        elif isinstance(field, fields.Date) and not isinstance(field, fields.DateTime) and field.format is None:
            plan.append((name, fields.Date.SERIALIZATION_FUNCS["iso"], None))
        elif isinstance(field, fields.Integer) and not field.as_string:
            plan.append((name, int, None))
        elif type(field) is fields.String:
            plan.append((name, ensure_text_type, None))
        else:
            raise TypeError(f"{schema.__name__}.{name}: no dump plan for a {type(field).__name__}")
    return tuple(plan)


def _utc_isoformat(value: datetime) -> str:
    """``UtcDateTime``'s answer: a naive (stored, UTC) time is sent with its offset."""
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()


_ENTRY_PLAN = _dump_plan(EntrySchema)


class ReversalInSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DisputeInSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_DISPUTE_REASON),
        metadata={"description": "What did not happen as logged (the person who logged it reads this)"},
    )


def cursor_for(entry) -> str:
    """The opaque cursor of the page after ``entry``: its date and chain position."""
    return base64.urlsafe_b64encode(f"{entry.occurred_on.isoformat()}.{entry.seq}".encode()).decode().rstrip("=")


class Cursor(fields.String):
    """``meta.next`` of the page before, read back as (date, seq)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            day, seq = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().split(".")
            position = (date.fromisoformat(day), int(seq))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValidationError("must be meta.next of an earlier page") from None
        if not 1 <= position[1] <= 2**62:
            raise ValidationError("must be meta.next of an earlier page")
        return position


PAGING = (
    "Newest first. Two ways to page: `page` and `per_page` (an offset: deep pages cost more, as the database "
    "skips the entries before them), or `cursor`, the `meta.next` of the page before (a keyset: every page "
    "costs what the first costs; `page` is then ignored). `meta.next` is null on the last page."
)
TOTAL = (
    "Whether `meta` carries `total` and `pages`. Default: false for `cursor` requests, so walking a long list "
    "never counts it again on every page; true for `page` requests (as before) when counting reads a bounded "
    "set: your own people and mentorships, one person or mentorship (`person_id`, `mentorship_id`), or an "
    "administrator's whole ledger unfiltered (free). Where it would read a large share of the ledger (an "
    "administrator filtering only by kind, type or date; a director of a large division) `total` and `pages` "
    "are left out unless this is true."
)


class EntryArgsSchema(PageArgsSchema):
    cursor = Cursor(metadata={"description": PAGING})
    with_total = fields.Boolean(metadata={"description": TOTAL})
    person_id = fields.Integer(validate=ID)
    mentorship_id = fields.Integer(validate=ID)
    kind = fields.String(validate=validate.OneOf(list(KINDS)))
    entry_type = fields.String(validate=validate.OneOf(ENTRY_TYPES))
    date_from = fields.Date()
    date_to = fields.Date()


class ChainHeadSchema(Schema):
    seq = fields.Integer()
    hash = fields.String()
    recorded_at = UtcDateTime(allow_none=True)


class VerifyArgsSchema(Schema):
    head = fields.List(
        fields.String(
            validate=validate.Regexp(
                r"^[0-9]{1,18}[: ][0-9a-fA-F]{64}$", error="must be SEQ:HASH, a position and a 64-digit hex hash"
            )
        ),
        load_default=list,
        metadata={
            "description": "A chain head recorded earlier, as `recognition ledger head` prints it "
            "(SEQ:HASH); repeatable. The chain must reach each"
        },
    )


class VerdictSchema(Schema):
    valid = fields.Boolean()
    checked = fields.Integer()
    head_seq = fields.Integer()
    head_hash = fields.String()
    first_bad_seq = fields.Integer(allow_none=True)
    first_bad_id = fields.Integer(allow_none=True)
    problem = fields.String(allow_none=True)
    anchor = fields.String(allow_none=True, metadata={"description": "The recorded head or checkpoint that disagreed"})
    anchors_checked = fields.Integer(metadata={"description": "Recorded heads checked: checkpoints, issued statements"})
    notes = fields.List(fields.String())


class CheckpointSchema(Schema):
    type = fields.String(metadata={"description": "Always recognition-ledger-checkpoint"})
    seq = fields.Integer(metadata={"description": "The chain head's position"})
    hash = fields.String(metadata={"description": "The chain head's hash"})
    at = fields.String(metadata={"description": "When the checkpoint was made (UTC)"})
    prev = fields.String(metadata={"description": "The digest of the checkpoint before (64 zeros for the first)"})
    entries_digest = fields.String(metadata={"description": "SHA-256 of the list of entry ids and hashes it covers"})
    key_id = fields.String()
    signature = fields.String(metadata={"description": "Ed25519 over the canonical JSON of the fields above"})
    digest = fields.String(metadata={"description": "SHA-256 of that canonical JSON"})


class CheckpointListSchema(Schema):
    algorithm = fields.String()
    public_key_url = fields.String(metadata={"description": "The current public key (PEM)"})
    keys_url = fields.String(
        metadata={
            "description": "Every public key this deployment has signed with, with the "
            "period it signed in: a checkpoint names its key by key_id"
        }
    )
    checkpoints = fields.List(fields.Nested(CheckpointSchema))


class EntryPageMetaSchema(PageMetaSchema):
    next = fields.String(
        allow_none=True, metadata={"description": "The cursor of the next page (query `cursor`); null on the last"}
    )


EntryPageSchema = Schema.from_dict(
    {"items": fields.List(fields.Nested(EntrySchema)), "meta": fields.Nested(EntryPageMetaSchema)},
    name="EntryPage",
)
