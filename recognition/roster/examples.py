"""Example CSV files a division director can download, fill in and import.

The three files import cleanly together: the first person names a supervisor who appears
further down, and the mentorships and milestones name people from the people file.
"""

from __future__ import annotations

import csv
import io

from .formats import MENTORSHIP_COLUMNS, MILESTONE_COLUMNS, PEOPLE_COLUMNS


def people(division: str) -> str:
    rows = [
        [
            "Ada Osei",
            "ada.osei@example.org",
            "E1023344",
            division,
            "Assistant Professor",
            "Clinician Scientist",
            "2023-07-01",
            "yes",
            "sam.lee@example.org",
            "",
            "",
        ],
        [
            "Sam Lee",
            "sam.lee@example.org",
            "E0981207",
            division,
            "Professor",
            "Clinician Teacher",
            "1 Jul 2009",
            "no",
            "",
            "",
            "",
        ],
        [
            "Priya Natarajan",
            "priya.natarajan@example.org",
            "",
            division,
            "Associate Professor",
            "Clinician Educator",
            "Jul 1, 2015",
            "no",
            "",
            "",
            "",
        ],
    ]
    return _csv([column.name for column in PEOPLE_COLUMNS], rows)


def mentorships() -> str:
    rows = [
        ["priya.natarajan@example.org", "ada.osei@example.org", "Formal", "2023-09-01", "", ""],
        ["sam.lee@example.org", "ada.osei@example.org", "Sponsorship", "2024-01-15", "", ""],
        [
            "priya.natarajan@example.org",
            "sam.lee@example.org",
            "Peer group",
            "2022-03-01",
            "Writing circle",
            "2023-06-30",
        ],
    ]
    return _csv([column.name for column in MENTORSHIP_COLUMNS], rows)


def milestones() -> str:
    rows = [
        ["ada.osei@example.org", "Appointment", "2023-07-01", "", "Assistant Professor", "", "", "", "", ""],
        ["sam.lee@example.org", "Promotion", "1 Jul 2016", "", "Professor", "", "", "", "", "Senate letter 2016-05-20"],
        ["priya.natarajan@example.org", "CFAR", "2018-07-01", "Passed", "", "", "", "", "", ""],
        [
            "priya.natarajan@example.org",
            "Grant",
            "",
            "",
            "",
            "Peer mentoring for new faculty",
            "CIHR",
            "Principal investigator",
            "2021",
            "",
        ],
        [
            "sam.lee@example.org",
            "External award",
            "Nov 12, 2020",
            "",
            "",
            "Mentor of the Year",
            "Canadian Association for Medical Education",
            "",
            "",
            "",
        ],
        [
            "priya.natarajan@example.org",
            "Leadership",
            "2022-01-01",
            "",
            "",
            "Program director",
            "Internal medicine residency",
            "",
            "",
            "",
        ],
    ]
    return _csv([column.name for column in MILESTONE_COLUMNS], rows)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
