"""What the API accepts in place of a form's picker: only what the form would offer. An incident report goes to a
competent authority (not any organisation, not an unknown id); a mitigation to an active organisation."""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import IncidentReport
from app.models import Mitigation
from app.models import Role
from app.models import utcnow
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for


def test_an_incident_goes_only_to_a_competent_authority(app, client):
    with app.app_context():
        operator = factories.organization(name="Water")
        plain = factories.organization(name="Telecom")
        archived = factories.organization(name="Old CSIRT", is_authority=True, archived_at=utcnow())
        auth = bearer(token_for(factories.user(role=Role.COORDINATOR, organization=operator)))
        refused = (plain.id, archived.id, operator.id, 2**31 - 1)
    body = {"title": "Pump control outage", "sectors": ["water"],
            "aware_at": (utcnow() - timedelta(hours=2)).replace(microsecond=0).isoformat()}
    for authority_id in refused:
        answer = client.post("/api/v1/incidents/", json={**body, "authority_organization_id": authority_id},
                             headers=auth)
        assert answer.status_code == 422, (authority_id, answer.status_code)
        assert answer.json["errors"][0]["field"] == "authority_organization_id"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(IncidentReport.id))) == 0


def test_a_mitigation_goes_only_to_an_active_organisation(app, client):
    with app.app_context():
        owner = factories.organization(name="Grid")
        gone = factories.organization(name="Dissolved partner", archived_at=utcnow())
        coordinator = factories.user(role=Role.COORDINATOR, organization=owner)
        risk = factories.risk(created_by=coordinator, owner_organization=owner, tlp=TLP.AMBER)
        auth, risk_id, gone_id = bearer(token_for(coordinator)), risk.id, gone.id
    for org_id in (gone_id, 2**31 - 1):
        answer = client.post(f"/api/v1/risks/{risk_id}/mitigations/",
                             json={"title": "Segment the network", "assigned_organization_id": org_id}, headers=auth)
        assert answer.status_code == 422 and answer.json["errors"][0]["field"] == "assigned_organization_id"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Mitigation.id))) == 0
