"""Shared set-up for the signing tests: an approved agreement between two organisations with a
signatory user in each, and helpers that drive the pages over HTTP."""
import io
from dataclasses import dataclass

import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Document
from app.models import PartyRole
from app.models import Role
from app.models import SignatureRequest
from tests import factories as f


@dataclass(frozen=True)
class Person:
    """What a test needs of a user once the session that loaded it is gone."""

    id: int
    name: str
    email: str
    session_token: str

    def get_id(self) -> str:
        return self.session_token

    @classmethod
    def of(cls, user) -> "Person":
        return cls(user.id, user.name, user.email, user.session_token)


@dataclass
class World:
    agreement_id: int
    lead_org: int
    partner_org: int
    coordinator: object
    lead_signer: object
    partner_signer: object
    outsider: object
    bystander: object  # a member of the lead organisation who is not a signatory
    partner_coordinator: object
    observer_coordinator: object  # a coordinator of the observer party
    observer_org: int
    admin: object
    executive: object  # an executive of the lead organisation who is not a signatory


def approved_world(app, tlp=TLP.AMBER, suffix="", revision=3) -> World:
    """suffix: a second world in the same database (organisation names are unique). The agreement's
    revision (what its pages print as the version) differs from its lock counter, as after real edits."""
    with app.app_context():
        lead = f.organization(name="Grid Security Office" + suffix)
        partner = f.organization(name="Coastal Power Cooperative" + suffix)
        observer = f.organization(name="Regional Observer Council" + suffix)
        coordinator = f.user(role=Role.COORDINATOR, organization=lead, name="Cora Ordinator")
        lead_signer = f.user(role=Role.EXECUTIVE, organization=lead, name="Robin Grid")
        partner_signer = f.user(role=Role.MEMBER, organization=partner, name="Casey Coast")
        outsider = f.user(role=Role.COORDINATOR, organization=f.organization(name="Elsewhere Ltd" + suffix))
        bystander = f.user(role=Role.MEMBER, organization=lead)
        partner_coordinator = f.user(role=Role.COORDINATOR, organization=partner, name="Pat Partner")
        observer_coordinator = f.user(role=Role.COORDINATOR, organization=observer, name="Olga Observer")
        admin = f.user(role=Role.ADMIN, organization=f.organization(name="Platform Office" + suffix))
        executive = f.user(role=Role.EXECUTIVE, organization=lead, name="Eve Executive")
        agreement = f.agreement(created_by=coordinator, parties=[(lead, PartyRole.LEAD), partner,
                                                                 (observer, PartyRole.OBSERVER)],
                                title="Mutual aid for substations", status=AgreementStatus.APPROVED,
                                tlp=tlp, terms="Each party sends crews on request.", revision=revision)
        agreement.parties[0].signatory_title = "Director"
        agreement.parties[1].signatory_title = "General manager"
        db.session.commit()
        people = [Person.of(u) for u in (coordinator, lead_signer, partner_signer, outsider, bystander)]
        extra = [Person.of(u) for u in (partner_coordinator, observer_coordinator)]
        return World(agreement.id, lead.id, partner.id, *people, *extra, observer.id, Person.of(admin),
                     Person.of(executive))


def issue(app, world: World, mode="sequential", lead="signer", partner="signer", due=""):
    """POST the issue-for-signature form as the coordinator. lead/partner: "signer", "paper" or a user id."""
    def pick(value, user):
        return str(user.id) if value == "signer" else str(value)

    data = {"mode": mode, "due_date": due,
            f"signatory_{world.lead_org}": pick(lead, world.lead_signer),
            f"signatory_{world.partner_org}": pick(partner, world.partner_signer),
            f"title_{world.lead_org}": "Director", f"title_{world.partner_org}": "General manager"}
    return app.test_client(user=world.coordinator).post(
        f"/agreements/{world.agreement_id}/issue-for-signature", data=data)


def sign(app, user, agreement_id, password=f.PASSWORD, **extra):
    data = {"typed_name": user.name, "password": password, "consent": "y", **extra}
    return app.test_client(user=user).post(f"/agreements/{agreement_id}/sign", data=data,
                                           headers={"User-Agent": "SigningTest/1.0"})


def state(app, agreement_id):
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        requests = db.session.scalars(sa.select(SignatureRequest).where(SignatureRequest.agreement_id == agreement_id)
                                      .order_by(SignatureRequest.order, SignatureRequest.id)).all()
        documents = {d.kind: d for d in db.session.scalars(
            sa.select(Document).where(Document.object_type == "agreements", Document.object_id == agreement_id)
            .order_by(Document.id))}
        return agreement.status, [(r.status.value, r.order) for r in requests], documents


def document_bytes(app, agreement_id, kind) -> bytes:
    with app.app_context():
        return db.session.scalars(sa.select(Document.content).where(
            Document.object_id == agreement_id, Document.object_type == "agreements", Document.kind == kind)
            .order_by(Document.id.desc())).first()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
