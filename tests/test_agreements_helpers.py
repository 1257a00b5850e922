"""Shared helpers for the agreement tests (no tests here): a partnership fixture and form payloads."""
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import AuditEvent
from app.models import Role
from app.models import User
from tests import factories


@dataclass
class World:
    """Ids of a small partnership: orgs A, B, C and D (a client of A), one user per role that matters."""

    orgs: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)  # name -> user id

    def client(self, app, name: str):
        """A test client signed in as that user (built inside an app context, used outside it)."""
        with app.app_context():
            return app.test_client(user=db.session.get(User, self.users[name]))


def make_world() -> World:
    """Call inside an app context."""
    world = World()
    a = factories.organization(name="Alpha Water")
    b = factories.organization(name="Bravo Power")
    c = factories.organization(name="Charlie Telecom")
    d = factories.organization(name="Delta Client", parent=a)
    world.orgs.update(a=a.id, b=b.id, c=c.id, d=d.id)
    for name, role, org in [("coord_a", Role.COORDINATOR, a), ("member_a", Role.MEMBER, a),
                            ("exec_a", Role.EXECUTIVE, a), ("coord_b", Role.COORDINATOR, b),
                            ("member_b", Role.MEMBER, b), ("coord_c", Role.COORDINATOR, c),
                            ("member_c", Role.MEMBER, c), ("member_d", Role.MEMBER, d),
                            ("admin", Role.ADMIN, c)]:
        world.users[name] = factories.user(role=role, organization=org, name=name.replace("_", " ").title()).id
    return world


def form_data(**overrides) -> dict:
    """A valid create/edit POST body; parties given as [(org_id, role, name, title, email), …]."""
    parties = overrides.pop("parties", [])
    data = {"title": "Water Sector Mutual Aid Agreement", "kind": "mutual_aid", "tlp": "amber",
            "summary": "Utilities help each other after disasters.", "terms": "## Purpose\n\nMutual aid.",
            "effective_date": "2026-01-01", "expiry_date": "2027-12-31", "notice_days": "60",
            "auto_renew": "y", "sectors": ["water"]}
    for index, party in enumerate(parties):
        org_id, role, name, title, email = (tuple(party) + ("", "", ""))[:5]
        data[f"parties-{index}-organization_id"] = str(org_id) if org_id is not None else ""
        data[f"parties-{index}-party_role"] = role
        data[f"parties-{index}-signatory_name"] = name
        data[f"parties-{index}-signatory_title"] = title
        data[f"parties-{index}-signatory_email"] = email
    data.update(overrides)
    return data


def edit_data(agreement: Agreement, **overrides) -> dict:
    """The edit POST body that keeps everything as it is (call inside an app context)."""
    parties = overrides.pop("parties", None)
    if parties is None:
        parties = [(p.organization_id, p.party_role.value, p.signatory_name, p.signatory_title,
                    p.signatory_email) for p in agreement.parties]
    data = form_data(
        title=agreement.title, kind=agreement.kind.value, tlp=agreement.tlp.value, summary=agreement.summary,
        terms=agreement.terms, notice_days=str(agreement.notice_days),
        effective_date=agreement.effective_date.isoformat() if agreement.effective_date else "",
        expiry_date=agreement.expiry_date.isoformat() if agreement.expiry_date else "",
        sectors=[s.value for s in agreement.sectors], parties=parties, version=str(agreement.version),
        recipients=[str(u.id) for u in agreement.recipients])
    if not agreement.auto_renew:
        data.pop("auto_renew")
    data.update(overrides)
    return data


def snapshot(app, agreement_id: int) -> tuple:
    """(version, updated_at, audit rows, parties) of one agreement: what an attacker must not change."""
    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        audits = db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                                   .where(AuditEvent.object_type == "agreements",
                                          AuditEvent.object_id == agreement_id))
        parties = sorted((p.organization_id, p.party_role.value) for p in agreement.parties)
        return agreement.version, agreement.updated_at, audits, agreement.status.value, agreement.title, parties


def audit_actions(app, agreement_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEvent.action, AuditEvent.summary)
                                  .where(AuditEvent.object_type == "agreements",
                                         AuditEvent.object_id == agreement_id)
                                  .order_by(AuditEvent.id)).all()
        return [tuple(r) for r in rows]


def agreement_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Agreement.id)))
