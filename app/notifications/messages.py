"""The words of notification mail. Mail leaves the TLP boundary (DESIGN.md, "E-mail"):

a message about a TLP:AMBER, AMBER+STRICT or RED record names only its reference, kind, TLP
label and a link; CLEAR and GREEN records may also be named by their title (and a reviewer's
comment quoted).
"""
from dataclasses import dataclass

from flask import current_app
from flask import render_template

from app.models import Notification
from app.models import User
from app.notifications import objects
from app.notifications.mail import external_url


@dataclass
class MailItem:
    """What one notification may say in a mail, already reduced to what its TLP allows."""

    heading: str
    summary: str
    reference: str
    noun: str
    tlp_label: str
    link: str
    title: str = ""
    detail: str = ""


def mail_item(notification: Notification, obj) -> MailItem:
    kind = objects.kind_for(notification.object_type)
    named = objects.tlp_allows_title(obj)
    endpoint, values = (objects.link_for(notification.object_type, notification.kind, obj) if kind
                        else ("notifications.index", {}))
    return MailItem(
        heading=notification.kind.label,
        summary=notification.summary,
        reference=kind.reference(obj) if kind else "",
        noun=kind.noun if kind else "Record",
        tlp_label=objects.tlp_of(obj).label,
        link=external_url(endpoint, **values),
        title=kind.title(obj) if (kind and named) else "",
        detail=notification.detail if named else "",
    )


def _site() -> str:
    return current_app.config.get("ORGANIZATION_NAME") or "Palisade"


def preferences_url() -> str:
    return external_url("notifications.preferences")


def notification_email(notification: Notification, obj, user: User) -> tuple[str, str, str]:
    item = mail_item(notification, obj)
    subject = f"[Palisade] {item.heading}: {item.reference}" + (f" {item.title}" if item.title else "")
    context = {"user": user, "items": [item], "site": _site(), "preferences_url": preferences_url(),
               "digest": False}
    return (subject, render_template("notifications/email/message.txt", **context),
            render_template("notifications/email/message.html", **context))


def digest_email(user: User, items: list[MailItem], day) -> tuple[str, str, str]:
    subject = f"[Palisade] Daily digest for {day.isoformat()}: {len(items)} notification" + (
        "" if len(items) == 1 else "s")
    context = {"user": user, "items": items, "site": _site(), "preferences_url": preferences_url(),
               "digest": True, "day": day}
    return (subject, render_template("notifications/email/message.txt", **context),
            render_template("notifications/email/message.html", **context))


def reminders_email(user: User, items: list[MailItem], day) -> tuple[str, str, str]:
    """One mail for the reminders a run of the engine sends one person (each item as TLP-safe as any mail)."""
    subject = f"[Palisade] {len(items)} reminders for {day.isoformat()}"
    context = {"user": user, "items": items, "site": _site(), "preferences_url": preferences_url(),
               "digest": True, "day": day,
               "intro": f"{len(items)} dates in {_site()} need your attention (as of {day.isoformat()})."}
    return (subject, render_template("notifications/email/message.txt", **context),
            render_template("notifications/email/message.html", **context))
