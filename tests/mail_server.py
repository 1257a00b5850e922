"""A real SMTP server for tests (aiosmtpd on a free local port) and helpers to read what it received."""
import email
import email.policy
import re
import socket

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def text(message) -> str:
        return message.get_body(("plain",)).get_content()

    def link(self, address: str, path: str = "/auth/set-password") -> str:
        """The last link to `path` mailed to `address`, as a path with its query string."""
        body = self.text(self.to(address)[-1])
        match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S*)", body)
        assert match, body
        return match.group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox(app):
    """Start an SMTP server, point the app's mail settings at it, yield its inbox."""
    inbox = Inbox()
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False,
                      MAIL_USERNAME="", MAIL_DEFAULT_SENDER="palisade@example.org")
    try:
        yield inbox
    finally:
        controller.stop()


def deliver(app) -> dict:
    """What `flask --app wsgi notifications deliver` does: send every due outbox row now."""
    from app.notifications.delivery import deliver_due

    with app.app_context():
        return deliver_due()
