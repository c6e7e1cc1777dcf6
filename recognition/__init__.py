"""recognition: a trustworthy ledger of mentoring work, turned into recognition.

``create_app`` here is the app with its commands (``recognition.cli.create_app``: the web
app ``recognition.app.create_app`` builds, then every command registered on ``app.cli``), so
servers can be pointed at ``recognition:create_app()`` and ``flask --app recognition`` sees
every command. Nothing inside the package imports this module.
"""

from .cli import create_app

__all__ = ["create_app"]
