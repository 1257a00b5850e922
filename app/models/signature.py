"""Signature requests: who signs an agreement issued for signature, in which order, and the evidence."""
from datetime import date
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import LabelledEnum
from app.models._common import enum_column_type
from app.models._common import utcnow


class SignatureStatus(LabelledEnum):
    PENDING = "pending"
    SIGNED = "signed"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # closed unsigned because another party declined


class SignatureMethod(LabelledEnum):
    ELECTRONIC = "electronic", "Electronic signature in Palisade"
    PAPER = "paper", "Countersigned on paper"


class SigningMode(LabelledEnum):
    SEQUENTIAL = "sequential", "One after the other, in the order listed"
    PARALLEL = "parallel", "All at once, in any order"


class SignatureRequest(db.Model):
    __tablename__ = "signature_requests"
    __table_args__ = (sa.Index("ix_signature_requests_signatory_status", "signatory_id", "status"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    agreement_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    document_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("documents.id"), index=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"))
    signatory_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))  # None: signs on paper
    method: so.Mapped[SignatureMethod] = so.mapped_column(enum_column_type(SignatureMethod))
    # Sequential requests have 1, 2, 3…; parallel ones share 1. A request is open when none before it is pending.
    order: so.Mapped[int] = so.mapped_column(default=1)
    status: so.Mapped[SignatureStatus] = so.mapped_column(enum_column_type(SignatureStatus),
                                                          default=SignatureStatus.PENDING)
    due_date: so.Mapped[date | None]
    signatory_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    signatory_title: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    requested_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Evidence, set once when the request is signed or declined.
    signed_at: so.Mapped[datetime | None]
    typed_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    ip: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(400), default="")
    document_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    second_factor: so.Mapped[str] = so.mapped_column(sa.String(20), default="")
    decline_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    evidence_attachment_id: so.Mapped[int | None]
    evidence_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # On paper: the date the signer signed by hand, as the recorder states it (signatory_name and
    # signatory_title then hold the signer's name and title as written on the countersigned copy).
    paper_signed_on: so.Mapped[date | None]

    agreement: so.Mapped["Agreement"] = so.relationship()  # noqa: F821
    document: so.Mapped["Document"] = so.relationship()  # noqa: F821
    organization: so.Mapped["Organization"] = so.relationship()  # noqa: F821
    signatory: so.Mapped["User | None"] = so.relationship(foreign_keys=[signatory_id])  # noqa: F821
    requested_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[requested_by_id])  # noqa: F821
    recorded_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[recorded_by_id])  # noqa: F821

    @property
    def is_paper(self) -> bool:
        return self.method is SignatureMethod.PAPER

    def __repr__(self) -> str:
        return f"<SignatureRequest {self.agreement_id} #{self.order} {self.status}>"
