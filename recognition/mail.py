"""Outgoing email: through SMTP when MAIL_SERVER is configured, otherwise written as
``.eml`` files to ``<instance>/outbox/`` so nothing is lost and a person can read them."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app


def compose(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(body)
    return message


def send(messages: list[EmailMessage]) -> str:
    """Send or write every message; returns where they went."""
    config = current_app.config
    if not messages:
        return "nothing to send"
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for message in messages:
                smtp.send_message(message)
        return f"SMTP {config['MAIL_SERVER']}"
    outbox = Path(current_app.instance_path) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    for message in messages:
        (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
    return str(outbox)
