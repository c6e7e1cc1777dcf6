"""What every CSV upload endpoint of the API shares (the roster import, and the milestones
import that reads its file the same way): a blueprint that reads files and form fields
through one schema, and the 413 answer to an upload over the size cap."""

from __future__ import annotations

from flask import current_app
from werkzeug.datastructures import CombinedMultiDict

from ..errors import respond
from ..parsing import Blueprint, Parser
from . import importer
from .sheets import size


class MultipartParser(Parser):
    """Reads files and form fields of one multipart body through one schema, so the
    OpenAPI document shows a single multipart/form-data request body."""

    __location_map__ = {**Parser.__location_map__, "form_and_files": "load_form_and_files"}

    def load_form_and_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class UploadBlueprint(Blueprint):
    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "form_and_files": "multipart/form-data",
    }


def too_large(error):
    """An upload over the cap (a 413 before the body is read), in the API error shape."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or importer.MAX_BYTES
    return respond(
        413,
        f"The upload is larger than {size(limit)}. Split the files and import them separately.",
        {"files": [f"must be at most {size(limit)} together"]},
    )
