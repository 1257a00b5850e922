"""The inbox's "Signatures to give": the user's pending requests whose turn has come."""
from flask import url_for
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.inbox.providers import InboxEntry, due_note, provider
from app.models import AgreementStatus, SignatureRequest, User
from app.signing import services

SECTION = "Signatures to give"


@provider(15, SECTION)
def signatures_to_give(user: User, limit: int | None = None) -> list[InboxEntry]:
    requests = db.session.scalars(services.pending_for(user).options(
        selectinload(SignatureRequest.agreement), selectinload(SignatureRequest.organization))).all()
    entries = []
    for request in requests:
        agreement = request.agreement
        if agreement.status is not AgreementStatus.OUT_FOR_SIGNATURE or not services.is_turn(request):
            continue
        entries.append(InboxEntry(
            section=SECTION, action="Read the issued PDF, then sign or decline", reference=agreement.reference,
            title=agreement.title, url=url_for("signing.sign", agreement_id=agreement.id), tlp=agreement.tlp,
            due=request.due_date,
            note=" · ".join(n for n in (f"For {request.organization.name}", due_note(request.due_date)) if n)))
    return entries
