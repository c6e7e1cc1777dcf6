"""Certificate rendering: the app's render() vs the same text drawn on a bare canvas.

The baseline draws the same lines with ``drawString`` on a bare reportlab canvas in the
same embedded DejaVu fonts, with reportlab's own QR code of the same URL, size and error
correction: the ratio says what the layout (platypus, tables, paragraphs, the border and
"page n of m") costs over the same fonts and QR code. Whatever speeds reportlab (its C
accelerator ``rl_accel``) speeds both. A second, informational line gives the same text
in standard Helvetica without a QR code, as the benchmark measured before.

    python tests/benchmarks/bench_certificate.py [--certificates 200] [--activities 12]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import time

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


def lines_of(doc: dict, settings: dict) -> list[str]:
    """The certificate's text, line by line."""
    lines = [
        settings["department"],
        "Statement of Continuing Professional Development Credit",
        f"{doc['framework']['name']} · {doc['period']['label']}",
        "This certifies that",
        doc["person"]["name"],
        f"has been credited with {doc['total']} {doc['framework']['unit']}",
    ]
    lines += [f"{s['label']}: {s['credits']}" for s in doc["sections"]]
    lines += [
        f"Signed: {settings['signatory']}",
        f"Verification code {doc['verification']['code']}",
        doc["verification"]["url"],
        f"Statement No. {doc['number']}",
        f"Ledger head {doc['ledger_head']['hash']}",
    ]
    lines += [f"{a['date']}  {a['title']}  {a['hours']}  {a['section']}  {a['credits']}" for a in doc["activities"]]
    return lines


def bare_same(lines: list[str], url: str, fixed_mask: bool = False) -> bytes:
    """The same lines in the certificate's embedded fonts, and reportlab's QR code of ``url``
    (with ``fixed_mask``, the app's: the same with its mask pattern fixed)."""
    from reportlab.graphics.barcode.qr import QrCode

    from recognition.credits.certificate import SANS, SANS_BOLD, SERIF_BOLD, qr

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    y = LETTER[1] - 25 * mm
    for n, line in enumerate(lines):
        if y < 25 * mm:
            canvas.showPage()
            y = LETTER[1] - 25 * mm
        canvas.setFont(SERIF_BOLD if n == 4 else SANS_BOLD if n < 3 else SANS, 10)
        canvas.drawString(22 * mm, y, line)
        y -= 14
    code = qr(url) if fixed_mask else QrCode(url, width=30 * mm, height=30 * mm, qrLevel="M", qrBorder=4)
    code.drawOn(canvas, 22 * mm, 25 * mm)
    canvas.save()
    return buffer.getvalue()


def bare(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    y = LETTER[1] - 25 * mm
    canvas.setFont("Helvetica", 10)
    for line in lines:
        if y < 25 * mm:
            canvas.showPage()
            canvas.setFont("Helvetica", 10)
            y = LETTER[1] - 25 * mm
        canvas.drawString(22 * mm, y, line)
        y -= 14
    canvas.save()
    return buffer.getvalue()


def timed(makers: list, count: int) -> tuple[list[list[float]], list[bytes]]:
    """Each maker ``count`` times, taking turns (one of each, then again), so a change in the
    machine's load falls on all of them alike."""
    samples: list[list[float]] = [[] for _ in makers]
    made = [b""] * len(makers)
    for _ in range(count):
        for n, make in enumerate(makers):
            started = time.perf_counter()
            made[n] = make()
            samples[n].append(time.perf_counter() - started)
    return samples, made


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
    render(doc, settings)  # fonts registered and parsed once per process, as in the app
    lines = lines_of(doc, settings)
    url = doc["verification"]["url"]
    makers = [
        lambda: render(doc, settings),
        lambda: bare_same(lines, url),
        lambda: bare_same(lines, url, fixed_mask=True),
        lambda: bare(lines),
    ]
    (app_samples, same_samples, fixed_samples, bare_samples), (pdf, same, _, plain) = timed(makers, args.certificates)

    app_ms, same_ms = statistics.median(app_samples) * 1000, statistics.median(same_samples) * 1000
    bare_ms, fixed_ms = statistics.median(bare_samples) * 1000, statistics.median(fixed_samples) * 1000
    try:
        import _rl_accel  # noqa: F401
    except ImportError:
        accelerator = "not installed"
    else:
        accelerator = "installed"
    print(f"{args.activities} activities, {args.certificates} certificates each; rl_accel {accelerator}")
    print(f"render():    {app_ms:7.2f} ms/certificate  ({describe(app_samples)}; {len(pdf) / 1024:.0f} KiB)")
    print(f"bare canvas, same fonts and QR: {same_ms:7.2f} ms  ({describe(same_samples)}; {len(same) / 1024:.0f} KiB)")
    print(f"bare canvas, Helvetica, no QR:  {bare_ms:7.2f} ms  ({describe(bare_samples)}; {len(plain) / 1024:.0f} KiB)")
    print(f"bare canvas, same fonts, the app's fixed-mask QR: {fixed_ms:7.2f} ms  ({describe(fixed_samples)})")
    paired = statistics.median(a / b for a, b in zip(app_samples, same_samples))
    print(f"ratio render / bare canvas with the same fonts and QR (medians): {app_ms / same_ms:5.2f}x (goal 1.25x)")
    print(f"  the same, median of the {len(app_samples)} rounds' ratios: {paired:5.2f}x")
    print(f"ratio render / bare canvas with the same fonts and the app's QR: {app_ms / fixed_ms:5.2f}x (layout alone)")


if __name__ == "__main__":
    main()
