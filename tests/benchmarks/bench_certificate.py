"""Certificate rendering: the app's render() vs the same text drawn on a bare canvas.

The baseline is the certificate's own text as it is drawn (pdfium's text objects, run by
run: each with its place, font and size, read once before timing), drawn with ``drawString`` on
a bare reportlab canvas in the same embedded fonts, with the same QR code (the app's
``qr()``, drawn the same way): the ratio says what the layout (wrapping, tables, the
border and rules, "page n of m") costs over the same text, fonts and QR code. Whatever
speeds reportlab (its C accelerator ``rl_accel``) speeds both. Two informational lines
give the baseline with reportlab's stock QR code (which scores all eight mask patterns)
and the same text in standard Helvetica without a QR code.

    python tests/benchmarks/bench_certificate.py [--certificates 200] [--activities 12]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import time

import reportlab
from common import describe
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

LABELS = {
    "section_1": "Section 1: Group learning",
    "section_2": "Section 2: Self-learning",
    "section_3": "Section 3: Assessment",
}
TITLES = (
    "Reflection on feedback received: mentee feedback report (2024)",
    "Mentor training: Entering Mentoring, session 3 (accredited)",
    "Preparation for mentoring meetings: academic plan review",
)


def document(activities: int) -> dict:
    """A realistic statement document, shaped like the one service.prepare signs."""
    sections = ("section_3", "section_1", "section_2")
    rows = [
        {
            "entry_id": 100 + n,
            "entry_hash": hashlib.sha256(str(n).encode()).hexdigest(),
            "date": f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            "kind": "feedback_reflection",
            "title": TITLES[n % 3],
            "minutes": 90,
            "hours": "1.50",
            "section": sections[n % 3],
            "credits": "1.50",
            "note": "",
        }
        for n in range(activities)
    ]
    credits = {s: sum(1.5 for r in rows if r["section"] == s) for s in sections}
    return {
        "type": "recognition-credit-statement",
        "format": 1,
        "number": "RCM-2025-00042-1",
        "version": 1,
        "supersedes": None,
        "issuer": {
            "department": "Department of Medicine",
            "base_url": "https://recognition.example.org",
            "key_id": "0123456789abcdef",
        },
        "person": {"id": 42, "name": "Zoë Ångström-Nguyễn"},
        "framework": {
            "id": "royal_college_moc",
            "name": "Royal College MOC Program",
            "unit": "credits",
            "version": "2024-01-01",
        },
        "period": {"year": 2025, "label": "2025", "start": "2025-01-01", "end": "2025-12-31"},
        "sections": [{"id": key, "label": LABELS[key], "credits": f"{credits[key]:.2f}"} for key in sorted(LABELS)],
        "total": f"{1.5 * activities:.2f}",
        "activities": rows,
        "ledger_head": {"seq": 8131, "hash": hashlib.sha256(b"head").hexdigest()},
        "issued_at": "2026-01-02T05:00:00Z",
        "verification": {
            "code": "ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
            "url": "https://recognition.example.org/verify/ABCDEFGHIJKLMNOPQRSTUVWX",
        },
    }


Run = tuple[float, float, str, float, str]  # x, y, font, size, text


def text_runs(pdf: bytes) -> list[list[Run]]:
    """Every page's text as drawn: each run a text-showing operator draws (pdfium's text
    objects: a table's cells stay apart, as the certificate places them), with its place,
    font and size."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as pdfium
    from reportlab.pdfbase import pdfmetrics

    registered = sorted(pdfmetrics.getRegisteredFontNames(), key=len, reverse=True)
    document = pypdfium2.PdfDocument(pdf)
    pages: list[list[Run]] = []
    try:
        for page in document:
            textpage = page.get_textpage()
            found: list[Run] = []
            for item in page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_TEXT]):
                length = pdfium.FPDFTextObj_GetText(item.raw, textpage.raw, None, 0)
                buffer = ctypes.create_string_buffer(length)
                pdfium.FPDFTextObj_GetText(
                    item.raw, textpage.raw, ctypes.cast(buffer, ctypes.POINTER(pdfium.FPDF_WCHAR)), length
                )
                text = buffer.raw.decode("utf-16-le").rstrip("\x00").rstrip()  # pdfium adds a space after a run
                font = ctypes.create_string_buffer(200)
                pdfium.FPDFFont_GetBaseFontName(pdfium.FPDFTextObj_GetFont(item.raw), font, 200)
                base = font.value.decode().split("+")[-1]
                name = next(name for name in registered if base.startswith(name))  # CID: name + encoding
                size = ctypes.c_float()
                pdfium.FPDFTextObj_GetFontSize(item.raw, ctypes.byref(size))
                matrix = item.get_matrix()
                if text:
                    found.append((matrix.e, matrix.f, name, size.value * matrix.a, text))
            pages.append(found)
    finally:
        document.close()
    return pages


def bare_same(pages: list[list[Run]], url: str, stock_qr: bool = False) -> bytes:
    """The same runs in the same fonts, and the app's QR code of ``url`` (with ``stock_qr``,
    reportlab's: the same code with the mask pattern scored and chosen)."""
    from reportlab.graphics.barcode.qr import QrCode

    from recognition.credits.certificate import qr

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    for number, runs in enumerate(pages):
        for x, y, font, size, text in runs:
            canvas.setFont(font, size)
            canvas.drawString(x, y, text)
        if number == 0:
            code = QrCode(url, width=30 * mm, height=30 * mm, qrLevel="M", qrBorder=4) if stock_qr else qr(url)
            code.drawOn(canvas, 22 * mm, 25 * mm)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def bare(pages: list[list[Run]]) -> bytes:
    """The same runs in standard Helvetica, without a QR code."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    for runs in pages:
        for x, y, _, size, text in runs:
            canvas.setFont("Helvetica", size)
            canvas.drawString(x, y, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def timed(makers: list, count: int) -> tuple[list[list[float]], list[list[float]], list[bytes]]:
    """Each maker ``count`` times, taking turns (one of each, then again), so a change in the
    machine's load falls on all of them alike: the seconds each took, on the clock and of
    this process's CPU time (which a machine shared with others disturbs less)."""
    samples: list[list[float]] = [[] for _ in makers]
    cpu: list[list[float]] = [[] for _ in makers]
    made = [b""] * len(makers)
    for _ in range(count):
        for n, make in enumerate(makers):
            started, used = time.perf_counter(), time.process_time()
            made[n] = make()
            samples[n].append(time.perf_counter() - started)
            cpu[n].append(time.process_time() - used)
    return samples, cpu, made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=200)
    parser.add_argument("--activities", type=int, default=12)
    args = parser.parse_args()

    from recognition.credits.statement_pdf import render

    doc = document(args.activities)
    settings = {
        "department": "Department of Medicine",
        "logo": None,
        "signatory": "Dr. Ada Chair, Chair of Medicine",
        "instance_path": ".",
    }
    pages = text_runs(render(doc, settings))  # fonts registered and parsed once per process, as in the app
    url = doc["verification"]["url"]
    makers = [
        lambda: render(doc, settings),
        lambda: bare_same(pages, url),
        lambda: bare_same(pages, url, stock_qr=True),
        lambda: bare(pages),
    ]
    samples, cpu, (pdf, same, _, plain) = timed(makers, args.certificates)
    app_samples, same_samples, stock_samples, bare_samples = samples

    app_ms, same_ms = statistics.median(app_samples) * 1000, statistics.median(same_samples) * 1000
    stock_ms, bare_ms = statistics.median(stock_samples) * 1000, statistics.median(bare_samples) * 1000
    try:
        import _rl_accel  # noqa: F401
    except ImportError:
        accelerator = "not installed"
    else:
        accelerator = "installed"
    runs = sum(len(page) for page in pages)
    assert [[run[4] for run in page] for page in text_runs(same)] == [[run[4] for run in page] for page in pages]
    print(
        f"{args.activities} activities, {len(pages)} pages, {runs} runs of text; {args.certificates} certificates each"
    )
    print(f"reportlab {reportlab.Version}, rl_accel {accelerator}")
    print(f"render():                       {app_ms:7.2f} ms  ({describe(app_samples)}; {len(pdf) / 1024:.0f} KiB)")
    print(f"bare canvas, same fonts and QR: {same_ms:7.2f} ms  ({describe(same_samples)}; {len(same) / 1024:.0f} KiB)")
    print(f"bare canvas, same fonts, reportlab's stock QR: {stock_ms:7.2f} ms  ({describe(stock_samples)})")
    print(f"bare canvas, Helvetica, no QR:  {bare_ms:7.2f} ms  ({describe(bare_samples)}; {len(plain) / 1024:.0f} KiB)")
    paired = statistics.median(a / b for a, b in zip(app_samples, same_samples))
    print(
        f"ratio render / bare canvas with the same text, fonts and QR (medians): {app_ms / same_ms:5.2f}x (goal 1.25x)"
    )
    print(f"  the same, median of the {len(app_samples)} rounds' ratios: {paired:5.2f}x")
    app_cpu, same_cpu = statistics.median(cpu[0]) * 1000, statistics.median(cpu[1]) * 1000
    print(f"  in CPU time: render() {app_cpu:.2f} ms, bare canvas {same_cpu:.2f} ms: {app_cpu / same_cpu:5.2f}x")


if __name__ == "__main__":
    main()
