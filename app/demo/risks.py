"""Demo risk register: CIP risks across sectors, every status, treatment and TLP label, with mitigations.

Idempotent: a risk whose title exists is left alone. Dates are relative to today, so some mitigations
are always overdue and some reviews always due.
"""
from datetime import timedelta

import sqlalchemy as sa

from app import audit
from app import records
from app.demo.people import COORDINATORS
from app.demo.risk_content import RISKS
from app.extensions import db
from app.models import TLP
from app.models import Initiative
from app.models import Mitigation
from app.models import MitigationStatus
from app.models import Risk
from app.models import RiskStatus
from app.models import Sector
from app.models import Treatment
from app.models import today
from app.models import utcnow

STATUS = {"open": RiskStatus.OPEN, "mitigating": RiskStatus.MITIGATING, "accepted": RiskStatus.ACCEPTED,
          "closed": RiskStatus.CLOSED}
M_STATUS = {"P": MitigationStatus.PLANNED, "IP": MitigationStatus.IN_PROGRESS,
            "IM": MitigationStatus.IMPLEMENTED, "V": MitigationStatus.VERIFIED, "X": MitigationStatus.CANCELLED}
# Recipients of the TLP:RED demo risks, by owner organisation.
RED_RECIPIENTS = {
    "gov": ["analyst@niro.example.gov", "director@niro.example.gov", "coordinator@northgrid.example.com"],
    "water": ["ops@riverbend.example.com", "ceo@riverbend.example.com", "coordinator@niro.example.gov"],
    "energy": ["security@northgrid.example.com", "ciso@northgrid.example.com", "coordinator@niro.example.gov"],
    "telecom": ["noc@meridian.example.com", "coordinator@niro.example.gov"],
    "intl": ["analyst@ncis.example.se", "coordinator@northgrid.example.com"],
}


def _initiative(keyword: str | None) -> int | None:
    if not keyword:
        return None
    return db.session.scalar(sa.select(Initiative.id).where(Initiative.title.ilike(f"%{keyword}%"))
                             .order_by(Initiative.id).limit(1))


def _description(asset: str, sector: Sector, owner_name: str) -> str:
    return (f"Raised by **{owner_name}** for the {sector.label} sector; the asset at risk is {asset[0].lower()}"
            f"{asset[1:]}.\n\n- Reviewed at each quarterly partnership risk review.\n"
            f"- Mitigations are owned by the assigned partners and tracked below.\n"
            f"- Escalate to the programme coordinator if a mitigation slips by more than 30 days.")


def seed(people) -> int:
    created = 0
    for (title, owner, sector, (likelihood, impact), residual, treatment, status, tlp, initiative, review,
         archived, asset, threat, vulnerability, mitigations) in RISKS:
        if db.session.scalar(sa.select(Risk.id).where(Risk.title == title)) is not None:
            continue
        creator = people.user(COORDINATORS[owner])
        residual = residual or (None, None)
        risk = Risk(
            reference=records.next_reference(Risk, "RSK"), title=title,
            description=_description(asset, Sector(sector), creator.organization.name), sector=Sector(sector), asset=asset,
            threat=threat, vulnerability=vulnerability, likelihood=likelihood, impact=impact,
            residual_likelihood=residual[0], residual_impact=residual[1], treatment=Treatment(treatment),
            status=STATUS[status], tlp=TLP(tlp), owner_organization_id=creator.organization_id,
            created_by=creator, initiative_id=_initiative(initiative),
        )
        # A negative or short review offset makes some reviews due, as in a real register.
        risk.next_review_date = today() + timedelta(days=review if review is not None else risk.level.review_days)
        if risk.tlp is TLP.RED:
            risk.recipients = [people.user(email) for email in RED_RECIPIENTS[owner]]
        db.session.add(risk)
        db.session.flush()
        audit.record(creator, "risk.created", risk,
                     summary=f"{risk.title}; score: {risk.score} ({risk.level.label}); {risk.tlp.label}")
        for m_title, org_key, email, due_days, m_status, effectiveness in mitigations:
            mitigation = Mitigation(
                risk=risk, title=m_title, assigned_organization=people.orgs[org_key],
                assigned_user=people.user(email) if email else None,
                due_date=today() + timedelta(days=due_days), status=M_STATUS[m_status],
                effectiveness=effectiveness, created_by=creator)
            db.session.add(mitigation)
            db.session.flush()
            audit.record(creator, "mitigation.created", mitigation,
                         summary=f"mitigation: {m_title}; risk: {risk.reference}")
        if archived:
            risk.archived_at = utcnow()
            audit.record(creator, "risk.archived", risk)
        created += 1
    db.session.flush()
    return created
