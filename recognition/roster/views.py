"""The import page: upload spreadsheets, see what was stored or every row to fix."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template
from flask_login import login_required
from sqlalchemy import select

from ..auth.current import page_actor
from ..clock import utcnow
from ..errors import DomainError, Forbidden
from ..extensions import db
from ..people.models import Division
from . import examples, importer
from .formats import MENTORSHIP_COLUMNS, MILESTONE_COLUMNS, PEOPLE_COLUMNS
from .forms import ImportForm
from .sheets import size

blp = Blueprint("roster", __name__, url_prefix="/admin/import")


def _importer_actor():
    actor = page_actor()
    if not importer.may_import(actor):
        raise Forbidden("Only administrators and division directors can import a roster.")
    return actor


def _page(form: ImportForm, status: int = 200, **context):
    return render_template(
        "roster/import.html",
        form=form,
        people_columns=PEOPLE_COLUMNS,
        mentorship_columns=MENTORSHIP_COLUMNS,
        milestone_columns=MILESTONE_COLUMNS,
        max_rows=importer.Limits.from_config(current_app.config).max_rows,
        **context,
    ), status


@blp.route("", methods=["GET", "POST"])
@login_required
def import_form():
    actor = _importer_actor()
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.errors else 200)
    try:
        loaded = importer.read(
            importer.uploaded(form.people.data),
            importer.uploaded(form.mentorships.data),
            importer.Limits.from_config(current_app.config),
            milestones_file=importer.uploaded(form.milestones.data),
        )
        outcome = importer.run(loaded, actor, utcnow(), dry_run=form.dry_run.data)
    except importer.ImportRefused as refused:
        db.session.rollback()
        return _page(form, 422, refused=refused)
    except DomainError as error:
        db.session.rollback()
        return _page(form, error.status, failure=error.message)
    if outcome.dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return render_template("roster/imported.html", outcome=outcome)


@blp.errorhandler(413)
def too_large(error):
    """An upload over the cap is refused before the form is read: say so on the form."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or importer.MAX_BYTES
    return _page(
        ImportForm(formdata=None),
        413,
        failure=f"The files are larger than {size(limit)} together. Split them and import them separately.",
    )


@blp.get("/example-people.csv")
@login_required
def example_people():
    actor = _importer_actor()
    return _csv(examples.people(_example_division(actor)), "example-people.csv")


@blp.get("/example-mentorships.csv")
@login_required
def example_mentorships():
    _importer_actor()
    return _csv(examples.mentorships(), "example-mentorships.csv")


@blp.get("/example-milestones.csv")
@login_required
def example_milestones():
    _importer_actor()
    return _csv(examples.milestones(), "example-milestones.csv")


def _example_division(actor) -> str:
    """A division the actor can import into, so the example imports as it is."""
    statement = select(Division.code).order_by(Division.name).limit(1)
    if not actor.is_admin:
        statement = statement.where(Division.id.in_(actor.directed_division_ids))
    return db.session.scalar(statement) or "CARD"


def _csv(text: str, filename: str) -> Response:
    # A byte-order mark, so Excel opens the file as UTF-8.
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
