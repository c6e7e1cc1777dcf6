"""``recognition scheduler``: the one scheduler process, its plan, and a job run by hand."""

from __future__ import annotations

import logging
import sys

import click
from flask.cli import ScriptInfo

from .. import clock, links
from ..errors import DomainError
from . import jobs


@click.group("scheduler", invoke_without_command=True)
@click.option("--list", "show", is_flag=True, help="Show the jobs, when they run and their next runs; start nothing.")
@click.option(
    "--no-wait", is_flag=True, help="If another scheduler holds the lock, exit 1 instead of waiting as its standby."
)
@click.pass_context
def scheduler_group(ctx, show: bool, no_wait: bool):
    """Run the scheduler: the single process that runs every dated job (feedback
    requests and reminders, year-end statements, meeting, check-in and CFAR reminders).
    Run one per deployment, however many web workers there are; a second one waits as a
    standby and takes over when the first stops. Jobs missed while none ran run once
    when it starts."""
    if ctx.invoked_subcommand is not None:
        return
    from . import runner  # noqa: PLC0415 - runner loads APScheduler, which web workers (every command is on their app) never import

    app = ctx.ensure_object(ScriptInfo).load_app()
    try:
        if show:
            _show(app)
            return
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        warning = links.unconfigured_warning(app)
        if warning:
            click.echo(warning, err=True)
        sys.exit(runner.serve(app, wait=not no_wait))
    except ValueError as error:  # a configuration the scheduler cannot use
        raise click.ClickException(str(error)) from None


@scheduler_group.command("run")
@click.argument("job_id", metavar="JOB")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date to run it for, YYYY-MM-DD (default: today in SCHEDULER_TIMEZONE).",
)
@click.pass_context
def run_command(ctx, job_id: str, day):
    """Run JOB once for a date, as the scheduler does. Nothing it did before is done
    again, so this is also how to finish a job that failed."""
    from . import runner  # noqa: PLC0415 - runner loads APScheduler, which web workers (every command is on their app) never import

    if job_id not in jobs.JOBS:
        raise click.BadParameter(f"must be one of {', '.join(jobs.JOBS)}", param_hint="JOB")
    app = ctx.ensure_object(ScriptInfo).load_app()
    try:
        today = clock.local_today(app.config)
        day = day.date() if day else today
        if day > today:  # statements and emails for a day still to come cannot be taken back
            raise click.BadParameter(
                f"must not be after today ({today.isoformat()} in {clock.zone(app.config).key})", param_hint="'--date'"
            )
        summary = runner.run(app, job_id, day)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    except DomainError as error:
        fields = "; ".join(f"{field} {', '.join(rules)}" for field, rules in error.errors.items())
        raise click.ClickException(fields or error.message) from None
    click.echo(f"{job_id} for {day.isoformat()}: {summary}")


def _show(app) -> None:
    from . import runner  # noqa: PLC0415 - runner loads APScheduler, which web workers (every command is on their app) never import

    tz = clock.zone(app.config)
    rows = runner.planned(app)
    running = runner.running(app)
    state = "A scheduler is running." if running else "No scheduler is running: `recognition scheduler` starts one."
    click.echo(f"Time zone: {tz.key}. {state}\n")
    table = [("JOB", "WHEN", "NEXT RUN")] + [(row.job.id, row.when, _next(row, running)) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(2)]
    for index, (job_id, when, next_run) in enumerate(table):
        click.echo(f"{job_id.ljust(widths[0])}  {when.ljust(widths[1])}  {next_run}".rstrip())
        if index:
            click.echo(f"    {rows[index - 1].job.description}")
    if not all(row.stored for row in rows):
        click.echo("\n* computed from the trigger: no scheduler has stored this job yet.")
    owed = runner.unfinished(app)
    if owed:
        then = (
            "the running scheduler finishes them within a day" if running else "the next scheduler start finishes them"
        )
        click.echo(f"\nUnfinished duties ({then}; `recognition scheduler run JOB --date D` finishes one now):")
        for line in owed:
            click.echo(f"  {line}")


def _next(row, running: bool) -> str:
    if row.next_run is None:
        return "never"
    shown = row.next_run.strftime("%Y-%m-%d %H:%M %Z")
    if row.overdue:
        return f"{shown} (due: running now)" if running else f"{shown} (missed: runs once as soon as a scheduler runs)"
    return shown if row.stored else f"{shown} *"
