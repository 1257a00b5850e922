"""The inbox's "Signatures to give": the user's pending requests whose turn has come."""
from flask import url_for
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.inbox.providers import InboxEntry, due_note, provider
from app.models import SignatureRequest, User
from app.signing import services

SECTION = "Signatures to give"


def _count(user: User) -> list:
    return [services.turn_has_come(user)]


@provider(15, SECTION, count=_count)
def signatures_to_give(user: User, limit: int | None = None) -> list[InboxEntry]:
    stmt = services.turn_has_come(user).options(
        joinedload(SignatureRequest.agreement), joinedload(SignatureRequest.organization))
    entries = []
    for request in db.session.scalars(stmt if limit is None else stmt.limit(limit)):
        agreement = request.agreement
        entries.append(InboxEntry(
            section=SECTION, action="Read the issued PDF, then sign or decline", reference=agreement.reference,
            title=agreement.title, url=url_for("signing.sign", agreement_id=agreement.id), tlp=agreement.tlp,
            due=request.due_date,
            note=" · ".join(n for n in (f"For {request.organization.name}", due_note(request.due_date)) if n)))
    return entries
