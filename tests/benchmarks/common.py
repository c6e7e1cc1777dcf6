"""Shared set-up for the benchmarks: a fresh migrated database and a small department."""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def fresh_app(database_url: str | None = None, **config):
    """An app on a new migrated database (SQLite in a temp folder unless a URL is given);
    the folder is removed when the benchmark ends."""
    from flask_migrate import upgrade

    from recognition import create_app

    folder = Path(tempfile.mkdtemp(prefix="recognition-bench-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # its instance, keys and SQLite file
    os.environ["RECOGNITION_INSTANCE_PATH"] = str(folder)
    url = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST_KIB": 1024,
            "ARGON2_PARALLELISM": 1,
            **config,
        }
    )
    with app.app_context():
        upgrade()
    from recognition.credits import signing

    signing.ensure_key(folder)  # as `recognition init` makes it
    return app, url


def describe(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (n={len(ordered)})"
