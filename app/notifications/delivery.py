"""Outbox delivery: send what is due over SMTP, retry with exponential backoff, never lose a row.

Run by the worker (`deliver_outbox` job, every minute and after each change) and by
`flask --app wsgi notifications deliver`. Each row is claimed with a conditional UPDATE before it
is sent, so several workers on several hosts never send the same message twice.
Without MAIL_SERVER nothing is sent: mail stays pending and the admin outbox page shows it.
"""
import re
import smtplib
import ssl
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app

from app import claims
from app.extensions import db
from app.listing import paginate
from app.models import OutboxEmail
from app.models import OutboxStatus
from app.models import utcnow
from app.notifications.mail import external_url

CLAIM_SECONDS = 300
BASE_DELAY_SECONDS = 60
MAX_DELAY_SECONDS = 6 * 3600


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8… minutes after the 1st, 2nd, 3rd… failed attempt, at most six hours."""
    return timedelta(seconds=min(BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS))


def build_message(row: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or "palisade@localhost"
    message["From"] = sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message["List-Unsubscribe"] = f"<{external_url('notifications.preferences')}>"
    message.set_content(row.body)
    if row.html:
        message.add_alternative(row.html, subtype="html")
    return message


def tls_context() -> ssl.SSLContext:
    """The server's certificate and host name are verified against the system's trusted authorities."""
    return ssl.create_default_context()


def _connect() -> smtplib.SMTP:
    """MAIL_USE_SSL: SMTPS (TLS from the first byte); MAIL_USE_TLS: STARTTLS. Both verify the server."""
    config = current_app.config
    timeout = config.get("MAIL_TIMEOUT", 10)
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 465), timeout=timeout,
                                context=tls_context())
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=tls_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def _claim(row_id: int, now: datetime) -> bool:
    """Take the row for this worker; False when another worker already holds it or it was sent."""
    return claims.claim(OutboxEmail, row_id, OutboxStatus.PENDING, now, CLAIM_SECONDS)


def _permanent(exc: Exception) -> bool:
    """5xx from the server for this message or recipient: retrying will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPAuthenticationError)
    return False


def _record_failure(row: OutboxEmail, exc: Exception, now: datetime) -> None:
    row.attempts += 1
    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
    row.claimed_until = None
    if _permanent(exc) or row.attempts >= current_app.config.get("MAIL_MAX_ATTEMPTS", 8):
        row.status = OutboxStatus.FAILED
        current_app.logger.warning("mail to %s failed permanently: %s", row.recipient, row.last_error)
    else:
        row.next_attempt_at = now + backoff(row.attempts)


def due_ids(now: datetime, limit: int) -> list[int]:
    return list(db.session.scalars(
        sa.select(OutboxEmail.id)
        .where(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.next_attempt_at <= now,
               claims.free(OutboxEmail, now))
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id).limit(limit)))


def deliver_due(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every due outbox row once; commits per row. Returns counts of sent/retry/failed."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not mail_configured():
        return counts
    now = now or utcnow()
    smtp = None
    try:
        for row_id in due_ids(now, limit):
            if not _claim(row_id, now):
                continue
            row = db.session.get(OutboxEmail, row_id)
            try:
                if smtp is None:
                    smtp = _connect()
                smtp.send_message(build_message(row), to_addrs=[row.recipient])
            except (smtplib.SMTPException, OSError) as exc:
                _record_failure(row, exc, now)
                counts["failed" if row.status is OutboxStatus.FAILED else "retry"] += 1
                db.session.commit()
                if not isinstance(exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
                    break  # the server is unreachable: the rest waits for the next run
                continue
            row.status = OutboxStatus.SENT
            row.attempts += 1
            row.sent_at = utcnow()
            row.claimed_until = None
            row.last_error = ""
            db.session.commit()
            counts["sent"] += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
    return counts


def outbox_counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(OutboxEmail.status, sa.func.count()).group_by(OutboxEmail.status))
    counts = {s.value: 0 for s in OutboxStatus}
    counts.update({OutboxStatus(status).value: n for status, n in rows})
    return counts


# What makes a message token-bearing: an account link (?token=…) or a calendar address (/calendar/<token>.ics).
_TOKEN = re.compile(r"token=[A-Za-z0-9_-]+|/calendar/[A-Za-z0-9_-]{16,}\.ics")


def holds_token(row: OutboxEmail) -> bool:
    return bool(_TOKEN.search(row.body or "") or _TOKEN.search(row.html or ""))


def shown_body(row: OutboxEmail) -> str | None:
    """What the outbox page may show of a message: nothing of one that carries a link's token (an admin must
    never be able to use another user's invitation or reset link), else the text with any token masked."""
    if holds_token(row):
        return None
    return _TOKEN.sub("[token hidden]", row.body or "")


def outbox_page(status: str, page: int = 1):
    stmt = sa.select(OutboxEmail)
    if status in {s.value for s in OutboxStatus}:
        stmt = stmt.where(OutboxEmail.status == OutboxStatus(status))
    return paginate(stmt.order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc()))
