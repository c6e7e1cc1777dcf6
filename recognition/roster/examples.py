"""Example CSV files a division director can download, fill in and import.

The two files import cleanly together: the first person names a supervisor who appears
further down, and the mentorships name people from the people file.
"""

from __future__ import annotations

import csv
import io

from .formats import MENTORSHIP_COLUMNS, PEOPLE_COLUMNS


def people(division: str) -> str:
    rows = [
        ["Ada Osei", "ada.osei@example.org", division, "Assistant Professor", "Clinician Scientist",
         "2023-07-01", "yes", "sam.lee@example.org", "", ""],
        ["Sam Lee", "sam.lee@example.org", division, "Professor", "Clinician Teacher", "1 Jul 2009", "no", "", "", ""],
        ["Priya Natarajan", "priya.natarajan@example.org", division, "Associate Professor", "Clinician Educator",
         "Jul 1, 2015", "no", "", "", ""],
    ]
    return _csv([column.name for column in PEOPLE_COLUMNS], rows)


def mentorships() -> str:
    rows = [
        ["priya.natarajan@example.org", "ada.osei@example.org", "Formal", "2023-09-01", "", ""],
        ["sam.lee@example.org", "ada.osei@example.org", "Sponsorship", "2024-01-15", "", ""],
        ["priya.natarajan@example.org", "sam.lee@example.org", "Peer group", "2022-03-01", "Writing circle", "2023-06-30"],
    ]
    return _csv([column.name for column in MENTORSHIP_COLUMNS], rows)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
