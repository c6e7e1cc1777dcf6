"""Feedback instruments as data: versioned JSON definitions in the package
(``feedback/data``) and, for a department's own or licensed ones, in
``<instance>/instruments``. Loading and answer validation are pure functions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DATA = Path(__file__).parent / "data"
DEFAULT_KEY = "mentor-effectiveness"
KEY_RULE = "letters, digits and - only"


@dataclass(frozen=True)
class Item:
    id: str
    text: str


@dataclass(frozen=True)
class Prompt:
    id: str
    prompt: str
    max_length: int


@dataclass(frozen=True)
class Instrument:
    key: str
    version: int
    title: str
    description: str
    scale_min: int
    scale_max: int
    labels: tuple[str, ...]
    not_applicable: bool
    items: tuple[Item, ...]
    prompts: tuple[Prompt, ...]
    content_hash: str
    definition: str  # the JSON it was read from, stored with the responses' instrument

    @property
    def ref(self) -> str:
        return f"{self.key}@{self.version}"

    def label(self, value: int) -> str:
        return self.labels[value - self.scale_min]


class InstrumentError(ValueError):
    pass


def parse(text: str, source: str = "instrument") -> Instrument:
    """An instrument from its JSON text, or InstrumentError saying what is wrong."""
    try:
        data = json.loads(text)
        scale = data["scale"]
        low, high = int(scale["min"]), int(scale["max"])
        labels = tuple(str(label) for label in scale["labels"])
        items = tuple(Item(str(item["id"]), str(item["text"])) for item in data["items"])
        prompts = tuple(
            Prompt(str(p["id"]), str(p["prompt"]), int(p.get("max_length", 1000))) for p in data.get("comments", [])
        )
        key, version = str(data["key"]), int(data["version"])
    except (ValueError, KeyError, TypeError) as error:
        raise InstrumentError(f"{source}: not a valid instrument ({error})") from error
    if not key or not all(c.isalnum() or c == "-" for c in key):
        raise InstrumentError(f"{source}: key must be {KEY_RULE}")
    if version < 1 or not 2 <= high - low + 1 <= 11 or len(labels) != high - low + 1:
        raise InstrumentError(f"{source}: version must be ≥ 1 and the scale needs 2–11 points, one label each")
    ids = [item.id for item in items] + [prompt.id for prompt in prompts]
    if not items or len(set(ids)) != len(ids):
        raise InstrumentError(f"{source}: items are required and every item and prompt id must be unique")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return Instrument(
        key,
        version,
        str(data.get("title", key)),
        str(data.get("description", "")),
        low,
        high,
        labels,
        bool(scale.get("not_applicable", True)),
        items,
        prompts,
        hashlib.sha256(canonical).hexdigest(),
        text,
    )


def load_all(instance_path: str | Path | None = None) -> dict[tuple[str, int], Instrument]:
    """Every instrument: the package's, then the instance folder's (which may add
    versions or instruments, never silently replace a packaged version)."""
    found: dict[tuple[str, int], Instrument] = {}
    folders = [PACKAGE_DATA] + ([Path(instance_path) / "instruments"] if instance_path else [])
    for folder in folders:
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            instrument = parse(path.read_text(encoding="utf-8"), str(path))
            known = found.get((instrument.key, instrument.version))
            if known is not None and known.content_hash != instrument.content_hash:
                raise InstrumentError(
                    f"{path}: {instrument.ref} is already defined differently; give your version a new number"
                )
            found[(instrument.key, instrument.version)] = instrument
    return found


def latest(instruments: dict[tuple[str, int], Instrument], key: str) -> Instrument:
    versions = [inst for (k, _), inst in instruments.items() if k == key]
    if not versions:
        raise InstrumentError(f"no instrument {key!r}")
    return max(versions, key=lambda inst: inst.version)


NA = "not applicable"


def answer_problems(instrument: Instrument, answers: dict, comments: dict) -> dict[str, list[str]]:
    """Field -> broken rules for one response. Every item needs an answer: a whole number
    on the scale or, where the instrument allows it, null for "not applicable"."""
    problems: dict[str, list[str]] = {}
    item_ids = {item.id for item in instrument.items}
    for item in instrument.items:
        field = f"answers.{item.id}"
        if item.id not in answers:
            problems[field] = [
                "is required (choose a point on the scale"
                + (" or not applicable)" if instrument.not_applicable else ")")
            ]
            continue
        value = answers[item.id]
        if value is None:
            if not instrument.not_applicable:
                problems[field] = ["must be on the scale; this instrument has no not-applicable answer"]
        elif (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not instrument.scale_min <= value <= instrument.scale_max
        ):
            problems[field] = [
                f"must be a whole number from {instrument.scale_min} to {instrument.scale_max}"
                + (" or null (not applicable)" if instrument.not_applicable else "")
            ]
    for extra in sorted(set(answers) - item_ids):
        problems[f"answers.{extra}"] = ["is not an item of this instrument"]
    prompts = {prompt.id: prompt for prompt in instrument.prompts}
    for prompt_id, text in comments.items():
        field = f"comments.{prompt_id}"
        if prompt_id not in prompts:
            problems[field] = ["is not a comment prompt of this instrument"]
        elif not isinstance(text, str):
            problems[field] = ["must be text"]
        elif len(text) > prompts[prompt_id].max_length:
            problems[field] = [f"must be at most {prompts[prompt_id].max_length} characters"]
    return problems
