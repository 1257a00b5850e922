"""Everything issued is sealed: a plan issued for review and the approved plan; and a signatory with
two-factor sign-in confirms a signature with a code too."""
import pyotp
import sqlalchemy as sa

from app import seal
from app.auth.two_factor import encrypt_secret
from app.extensions import db
from app.models import TLP
from app.models import Document
from app.models import IncidentPlan
from app.models import Phase
from app.models import PlanSection
from app.models import PlanStatus
from app.models import Role
from app.models import SignatureRequest
from app.models import User
from tests import factories as f
from tests.signing_helpers import approved_world
from tests.signing_helpers import issue
from tests.signing_helpers import sign
from tests.signing_helpers import state


def test_a_plan_is_sealed_when_issued_for_review_and_again_when_approved(app):
    with app.app_context():
        org, covered = f.organization(), f.organization()
        author = f.user(role=Role.COORDINATOR, organization=org)
        approver = f.user(role=Role.COORDINATOR, organization=covered)
        plan = f.incident_plan(created_by=author, tlp=TLP.GREEN, covered=[covered], title="Pipeline IR plan")
        plan.sections.append(PlanSection(phase=Phase.PREPARATION, title="Contacts", body="Keep current."))
        db.session.commit()
        plan_id = plan.id
        author_client, approver_client = app.test_client(user=author), app.test_client(user=approver)
    assert author_client.post(f"/incident-plans/{plan_id}/status", data={"new_status": "in_review"}).status_code == 302
    assert approver_client.post(f"/incident-plans/{plan_id}/status",
                                data={"new_status": "approved"}).status_code == 302
    with app.app_context():
        assert db.session.get(IncidentPlan, plan_id).status is PlanStatus.APPROVED
        documents = db.session.scalars(sa.select(Document).where(Document.object_type == "incident_plans")
                                       .order_by(Document.id)).all()
        assert [d.kind for d in documents] == ["incident_plan_for_review", "incident_plan_approved"]
        assert all(seal.check_seal(d.content).ok for d in documents)
        approved = documents[-1].content
    # The approved plan's PDF is the stored, sealed issue while the plan is unchanged.
    assert approver_client.get(f"/incident-plans/{plan_id}.pdf").data == approved


def test_a_signatory_with_two_factor_confirms_with_a_code(app):
    world = approved_world(app)
    secret = pyotp.random_base32()
    with app.app_context():
        user = db.session.get(User, world.lead_signer.id)
        user.totp_secret_encrypted = encrypt_secret(secret)
        user.totp_enabled = True
        db.session.commit()
    issue(app, world)
    page = app.test_client(user=world.lead_signer).get(f"/agreements/{world.agreement_id}/sign")
    assert "Authentication code" in page.text
    assert sign(app, world.lead_signer, world.agreement_id).status_code == 400  # password alone is not enough
    assert sign(app, world.lead_signer, world.agreement_id, code="000000").status_code == 400
    assert state(app, world.agreement_id)[1][0] == ("pending", 1)
    response = sign(app, world.lead_signer, world.agreement_id, code=pyotp.TOTP(secret).now())
    assert response.status_code == 302
    with app.app_context():
        request = db.session.scalars(sa.select(SignatureRequest).order_by(SignatureRequest.order)).first()
        assert request.status.value == "signed" and request.second_factor == "totp"
