"""The ``recognition`` command line says in a sentence what is wrong and what to run, with
a non-zero exit, where a traceback would only alarm: help before ``init``, no secret key,
a broken signing key, a broken config, a database that cannot be reached."""

from __future__ import annotations

import logging
import sys

import pytest
from flask.cli import main as flask_main

from recognition import cli
from recognition.credits import signing


@pytest.fixture
def run(instance_path, monkeypatch, capsys, script_apps):
    """``run(*args)``: the ``recognition`` script as an operator runs it (its own app, from
    the instance folder and the environment); returns (exit code, everything it printed)."""

    def invoke(*args: str, script=None) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["recognition", *args])
        # A fresh process has no log handlers yet; migrating (here or in the session's template)
        # installs Alembic's on the stderr captured then, which is closed by now.
        handlers, level = logging.root.handlers[:], logging.root.level
        logging.root.handlers[:] = []
        try:
            (script or cli.main)()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        finally:
            logging.root.handlers[:], logging.root.level = handlers, level
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return invoke


@pytest.fixture
def configured(instance_path, database_url, monkeypatch, script_apps):
    """An instance run against the test database, with a secret key, as after ``init``."""
    monkeypatch.setenv("RECOGNITION_DATABASE_URL", database_url)
    monkeypatch.setenv("RECOGNITION_SECRET_KEY", "test")
    return instance_path


def test_help_before_init_lists_the_commands_and_says_what_to_run(run):
    code, output = run("--help")
    assert code == 0
    assert "Traceback" not in output
    assert "init" in output and "serve" in output and "demo" in output
    assert "No SECRET_KEY is configured. Run `recognition init`" in output


def test_a_command_before_init_says_to_run_init(run):
    code, output = run("ledger", "head")
    assert code == 1
    assert "Traceback" not in output
    assert output.strip().startswith("Error: No SECRET_KEY is configured. Run `recognition init`")


def test_flask_app_recognition_says_the_same_before_init(run):
    """``flask --app recognition`` is the other way in: a sentence there too."""
    code, output = run("--app", "recognition", "ledger", "head", script=flask_main)
    assert code != 0
    assert "Traceback" not in output
    assert "Error: No SECRET_KEY is configured. Run `recognition init`" in output


def test_a_broken_config_file_is_named(run, instance_path):
    (instance_path / "config.py").write_text('SECRET_KEY = "unterminated\n')
    code, output = run("ledger", "head")
    assert code == 1
    assert "Traceback" not in output
    assert f"The configuration file {instance_path / 'config.py'} is not valid Python" in output


@pytest.mark.parametrize(
    "command", [("init",), ("statements", "key"), ("statements", "issue", "--year", "2024"), ("keys", "rotate")]
)
def test_a_broken_signing_key_is_one_sentence_and_nothing_is_replaced(configured, run, command):
    (configured / signing.KEY_FILE).write_text("not a key")
    code, output = run(*command)
    assert code == 1
    assert "Traceback" not in output
    assert "Error: Nothing can be signed now: the signing key cannot be loaded" in output
    assert "recognition keys rotate --lost" in output
    assert (configured / signing.KEY_FILE).read_text() == "not a key"


def test_a_database_that_cannot_be_reached_is_one_sentence(run, instance_path, backend, monkeypatch, tmp_path):
    url = (
        f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
        if backend == "sqlite"
        else "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    )
    monkeypatch.setenv("RECOGNITION_DATABASE_URL", url)
    monkeypatch.setenv("RECOGNITION_SECRET_KEY", "test")
    code, output = run("ledger", "head")
    assert code == 1
    assert "Traceback" not in output
    assert "Error: The database cannot be reached or used" in output and "RECOGNITION_DATABASE_URL" in output
