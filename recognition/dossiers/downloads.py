"""A dossier as a file to download, the same from the pages and the API: JSON, CSV, or the
PDF (rendered from the document, or the bytes as issued)."""

from __future__ import annotations

from flask import Response

from ..credits.service import certificate_settings
from . import export

MEDIA = {"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}


def download(document: dict, fmt: str, pdf: bytes | None = None) -> Response:
    """The document as JSON, CSV or PDF (``pdf``: the bytes as issued)."""
    body: bytes | str
    if fmt == "pdf":
        if pdf is None:
            from .pdf import render  # noqa: PLC0415 - reportlab loads only when a PDF is made, off the start-up path

            pdf = render(document, certificate_settings())
        body = pdf
    elif fmt == "csv":
        body = export.to_csv(document).encode("utf-8")
    else:
        body = export.to_json(document)
    disposition = "inline" if fmt == "json" else "attachment"
    return Response(
        body,
        mimetype=MEDIA[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{export.filename(document, fmt)}"'},
    )
