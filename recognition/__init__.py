"""recognition: a trustworthy ledger of mentoring work, turned into recognition.

The app is built by ``recognition.app.create_app``; it is named here too so servers can be
pointed at ``recognition:create_app()``. Nothing inside the package imports this module.
"""

from .app import create_app

__all__ = ["create_app"]
