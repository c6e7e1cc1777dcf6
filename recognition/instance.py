"""The instance folder: where the config, the SQLite database and keys live."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

CONFIG_TEMPLATE = '''"""Instance configuration for recognition. Environment variables RECOGNITION_<KEY>
override anything set here."""

SECRET_KEY = {secret!r}
# DATABASE_URL = "postgresql://recognition@localhost/recognition"
# DEPARTMENT_NAME = "Department of Medicine"
# The address people reach the app at, for links in emails and certificates:
# BASE_URL = "https://mentoring.example.org"
'''


def instance_path() -> Path:
    """The instance folder the app will use, without building the app."""
    return Path(Flask("recognition", instance_path=os.environ.get("RECOGNITION_INSTANCE_PATH") or None).instance_path)


def ensure(path: Path | None = None) -> tuple[Path, bool]:
    """Create the instance folder and a config with a generated secret key, unless they
    exist. Returns the config path and whether it was written now."""
    path = path or instance_path()
    path.mkdir(parents=True, exist_ok=True)
    config = path / "config.py"
    if config.exists():
        return config, False
    config.write_text(CONFIG_TEMPLATE.format(secret=secrets.token_hex(32)), encoding="utf-8")
    config.chmod(0o600)
    return config, True
