"""``recognition statements`` (the year-end batch and offline checks) and ``recognition
keys`` (the signing keys)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from .. import links, parsing
from ..clock import utcnow
from ..errors import DomainError
from . import batch, canonical, signing
from .signing import ALGORITHM


@click.group("statements")
def statements_group():
    """Issue credit statements and check signed ones."""


@statements_group.command("issue")
@click.option("--year", type=int, required=True, help="The year the statements cover, e.g. last year.")
@click.option(
    "--framework", "framework_id", help="Issue under this framework for everyone (default: each person's own)."
)
@click.option(
    "--reissue-changed",
    is_flag=True,
    help="Also re-issue current statements whose credits changed since (revoked ones stay revoked).",
)
@click.option(
    "--workers", type=click.IntRange(1, 64), help="Processes to render with (default: STATEMENT_BATCH_WORKERS)."
)
@with_appcontext
def issue_command(year: int, framework_id: str | None, reissue_changed: bool, workers: int | None):
    """Issue every eligible person's statement for YEAR. A rerun issues nothing twice,
    so an interrupted run is finished by running it again."""
    workers = workers or int(current_app.config["STATEMENT_BATCH_WORKERS"])
    warning = links.unconfigured_warning(current_app)
    if warning:
        click.echo(warning, err=True)
    try:
        work = batch.plan(year, framework_id, reissue_changed)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    with click.progressbar(
        length=len(work.items) + len(work.skipped), label=f"Issuing {year} statements", file=sys.stderr
    ) as bar:
        result = batch.run(work, workers, progress=bar.update)
    click.echo(result.summary())
    for reason, count in sorted(result.skip_reasons().items()):
        click.echo(f"  skipped {count}: {reason}")
    for failure in result.failures:
        click.echo(f"  FAILED person {failure.person_id} ({failure.framework_id}): {failure.detail}", err=True)
    if result.failures:
        sys.exit(1)


@statements_group.command("verify-file")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    "key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The issuer's public key (PEM), e.g. downloaded from /verify/key.pem. Default: the key of this "
    "deployment's key ring that the statement names.",
)
def verify_file_command(file: Path, key_file: Path | None):
    """Check a downloaded signed statement (JSON) offline: exit 0 if it is genuine, 1 if not.

    Whether it has since been superseded or revoked only the issuer can say: open the
    verification URL it carries."""
    if key_file is not None:
        try:
            public = signing.load_public_pem(key_file.read_bytes())
        except ValueError as error:
            raise click.ClickException(f"{key_file} is not an Ed25519 public key in PEM: {error}") from None
        where = str(key_file)
    try:
        payload = parsing.loads(file.read_bytes())
    except ValueError as error:  # a UnicodeDecodeError too
        _not_genuine(f"{file} is not a signed statement: it is not JSON ({parsing.why_not_json(error)}).")
    if not isinstance(payload, dict):
        _not_genuine(f"{file} is not a signed statement: it needs document and signature.")
    found = None
    if key_file is None:
        problem = canonical.unsigned(payload)
        if problem:
            _not_genuine(f"NOT GENUINE: {problem}.")
        found = _named_key(payload)
        public, where = (
            found.public,
            (
                "this deployment's current key"
                if found.current
                else f"this deployment's key retired on {found.valid_until:%Y-%m-%d}"
            ),
        )
    genuine, reason = canonical.check_signed(payload, public)
    if not genuine:
        signed_by, given = payload.get("key_id"), signing.key_id(public)
        hint = (
            f" It names key {signed_by}; you checked with {given} ({where})."
            if signed_by and signed_by != given
            else ""
        )
        _not_genuine(f"NOT GENUINE: {reason}.{hint}")
    document = payload["document"]
    late = signing.retired_before(found, document.get("issued_at")) if found is not None else None
    if late:
        _not_genuine(f"NOT GENUINE: {late}.")
    click.echo(f"GENUINE: the document is intact and signed by key {signing.key_id(public)} ({where}).")
    click.echo(
        f"  {_get(document, 'number')}: {_get(document, 'person', 'name')}, "
        f"{_get(document, 'framework', 'name')} {_get(document, 'period', 'label')}, "
        f"{_get(document, 'total')} {_get(document, 'framework', 'unit')}, issued {_get(document, 'issued_at')}."
    )
    url = _get(document, "verification", "url")
    click.echo(f"  Still current? Only the issuer knows whether it was superseded or revoked since: {url}")


@statements_group.command("key")
@with_appcontext
def key_command():
    """Print this deployment's current public signing key (PEM) and its key id."""
    key = _deployment_key(current_app)
    click.echo(key.public_pem(), nl=False)
    click.echo(f"Key id: {key.key_id}", err=True)


def _deployment_key(app) -> signing.SigningKey:
    """The app's key; never made here, where a new key would only mislead."""
    try:
        return signing.app_key(app)
    except signing.KeyUnavailable as error:
        raise click.ClickException(f"{error.message} Or pass --public-key to check a file.") from None


def _named_key(payload: dict) -> signing.PublishedKey:
    """The key of this deployment's ring that a signed statement names (current or retired)."""
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    try:
        keys = signing.published(app)
    except signing.KeyUnavailable as error:
        raise click.ClickException(error.message) from None
    if not keys:
        raise click.ClickException(
            "This deployment has no signing key yet (run `recognition init`): "
            "pass --public-key to check the file against the issuer's key."
        )
    named = signing.named_by(payload)
    found = next((entry for entry in keys if entry.key_id == named), None)
    if found is None:
        _not_genuine(
            f"NOT GENUINE: it names key {named or '(none)'}, which is not one of the keys this deployment "
            f"has signed with ({', '.join(entry.key_id for entry in keys)}); if another issuer signed it, "
            "pass their key with --public-key."
        )
    return found


@click.group("keys")
def keys_group():
    """The signing keys: list them, rotate the current one."""


@keys_group.command("list")
@with_appcontext
def keys_list_command():
    """Every key this deployment has signed with, and when each signed."""
    try:
        keys = signing.published(current_app)
    except signing.KeyUnavailable as error:
        raise click.ClickException(error.message) from None
    for entry in keys:
        since = f"{entry.valid_from:%Y-%m-%d %H:%M}Z" if entry.valid_from else "before key dates were kept"
        until = "now (current)" if entry.current else f"{entry.valid_until:%Y-%m-%d %H:%M}Z (retired)"
        click.echo(f"{entry.key_id}  {ALGORITHM}  from {since} to {until}")
    try:
        signing.app_key(current_app)
    except signing.KeyUnavailable as error:
        raise click.ClickException(error.message) from None


@keys_group.command("rotate")
@click.option(
    "--lost",
    is_flag=True,
    help="The current key is missing or cannot be loaded and no backup has it: "
    "start a new one (an unreadable file is kept, renamed).",
)
@with_appcontext
def keys_rotate_command(lost: bool):
    """Sign from now on with a new key. The old public key stays published with the
    period it signed in, so everything signed before still verifies."""
    try:
        retired, new = signing.rotate(
            current_app.instance_path, current_app.config.get("SIGNING_KEY_PATH"), utcnow(), lost=lost
        )
    except signing.KeyUnavailable as error:
        raise click.ClickException(error.message) from None
    if retired is not None:
        click.echo(f"Retired key {retired.key_id}: it stays published, and what it signed still verifies.")
    click.echo(
        f"New signing key {new.key_id} ({new.path}); back it up with the database. Running workers "
        "pick it up at their next signature."
    )


def _get(document, *path) -> str:
    for key in path:
        document = document.get(key) if isinstance(document, dict) else None
    return "?" if document is None else str(document)


def _not_genuine(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)
