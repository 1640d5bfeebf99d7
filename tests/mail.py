"""Emails as the outbox delivers them, captured in memory (the SMTP path has its own tests
with a real server: tests/integration/test_invitation_email.py, test_confidentiality.py)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.message import EmailMessage

from partnership.outbox.services import send_pending

SURVEY_TOKEN = re.compile(r"/s/([A-Za-z0-9_-]{40,})")
RESET_TOKEN = re.compile(r"/reset/([A-Za-z0-9_-]{40,})")


@dataclass(frozen=True)
class Delivered:
    to: str
    subject: str
    text: str
    html: str
    message_id: str
    #: (file name, content type, bytes) of each attachment
    attachments: tuple[tuple[str, str, bytes], ...] = ()

    @property
    def token(self) -> str:
        """The survey token of the email's personal link."""
        found = SURVEY_TOKEN.search(self.text)
        assert found, self.text
        return found.group(1)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text.get_content() if text is not None else "",
        html.get_content() if html is not None else "",
    )


def deliver(app, *, now: dt.datetime | None = None) -> list[Delivered]:
    """Run the outbox sender once and return what it sent, in order."""
    sent: list[EmailMessage] = []
    send_pending(app.config, now=now, transport=sent.append)
    out = []
    for message in sent:
        text, html = parts(message)
        out.append(
            Delivered(
                to=str(message["To"]),
                subject=str(message["Subject"]),
                text=text,
                html=html,
                message_id=str(message["Message-ID"]),
                attachments=tuple(
                    (str(a.get_filename()), a.get_content_type(), a.get_content())
                    for a in message.iter_attachments()
                ),
            )
        )
    return out
