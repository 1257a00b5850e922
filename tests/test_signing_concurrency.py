"""Completion happens exactly once: 20 signatories give the last signatures of one agreement at the same
moment against a served app (gunicorn, SQLite or PostgreSQL) and one executed document comes out; a
round found all signed but still out for signature is completed by the worker's periodic job."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import Document
from app.models import PartyRole
from app.models import Role
from app.models import SignatureRequest
from app.models import SignatureStatus
from app.models import utcnow
from tests import factories
from tests.signing_helpers import approved_world
from tests.signing_helpers import issue
from tests.signing_helpers import state

N = 20


def _twenty_party_agreement(app) -> tuple[int, list[tuple[str, str]], object]:
    """An approved agreement with N signing parties, one signatory each; returns (id, [(email, name)], issuer)."""
    with app.app_context():
        lead = factories.organization(name="Concurrent Lead Office")
        coordinator = factories.user(role=Role.COORDINATOR, organization=lead, name="Lena Lead")
        orgs = [lead] + [factories.organization(name=f"Concurrent Partner {i:02d}") for i in range(1, N)]
        signers = [factories.user(role=Role.EXECUTIVE, organization=org, name=f"Signer Number {i:02d}",
                                  email=f"signer{i:02d}@concurrent.example") for i, org in enumerate(orgs)]
        agreement = factories.agreement(created_by=coordinator, status=AgreementStatus.APPROVED,
                                        parties=[(lead, PartyRole.LEAD)] + orgs[1:], title="Twenty-party mutual aid")
        db.session.commit()
        data = {"mode": "parallel", "due_date": ""}
        for org, signer in zip(orgs, signers, strict=True):
            data[f"signatory_{org.id}"] = str(signer.id)
            data[f"title_{org.id}"] = "Authorised officer"
        client = app.test_client(user=coordinator)
        result = agreement.id, [(s.email, s.name) for s in signers]
    answer = client.post(f"/agreements/{result[0]}/issue-for-signature", data=data)
    assert answer.status_code == 302, answer.text[:500]
    return result


def test_twenty_simultaneous_last_signatures_execute_the_agreement_once(served):
    agreement_id, signers = _twenty_party_agreement(served.app)
    sessions = served.parallel(N, lambda i: served.login(signers[i][0], factories.PASSWORD))
    for session in sessions:
        session.headers["Connection"] = "close"  # see tests/test_lifecycle_concurrency.py
        session.close()
    url = f"{served.url}/agreements/{agreement_id}/sign"
    answers = served.parallel(N, lambda i: sessions[i].post(url, allow_redirects=False, timeout=120, data={
        "typed_name": signers[i][1], "password": factories.PASSWORD, "consent": "y"}))
    codes = [a.status_code for a in answers]
    assert codes == [302] * N, (codes, [a.text[:300] for a in answers if a.status_code != 302], served.log()[-2000:])
    with served.app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        statuses = db.session.scalars(sa.select(SignatureRequest.status).where(
            SignatureRequest.agreement_id == agreement_id)).all()
        executed = db.session.scalars(sa.select(Document).where(
            Document.object_id == agreement_id, Document.kind == "agreement_executed")).all()
        assert agreement.status is AgreementStatus.ACTIVE
        assert statuses == [SignatureStatus.SIGNED] * N
        assert len(executed) == 1 and executed[0].issuer_id is None
        parties = db.session.scalar(sa.select(sa.func.count(AgreementParty.id)).where(
            AgreementParty.agreement_id == agreement_id))
        assert parties == N
        db.session.remove()


def test_the_worker_completes_a_round_left_all_signed_but_out_for_signature(app):
    from app.signing.jobs import complete_stranded_rounds

    world = approved_world(app)
    other = approved_world(app, suffix=" (east)")
    assert issue(app, world).status_code == 302 and issue(app, other).status_code == 302
    with app.app_context():  # the state two racing last signatures left behind before the row lock
        for request in db.session.scalars(sa.select(SignatureRequest).where(
                SignatureRequest.agreement_id == world.agreement_id)):
            request.status, request.signed_at = SignatureStatus.SIGNED, utcnow()
            request.document_sha256, request.typed_name = request.document.sha256, request.signatory.name
        db.session.commit()
    assert state(app, world.agreement_id)[0] is AgreementStatus.OUT_FOR_SIGNATURE
    with app.app_context():
        assert complete_stranded_rounds.call_local() == 1
    status, _requests, documents = state(app, world.agreement_id)
    assert status is AgreementStatus.ACTIVE and "agreement_executed" in documents
    # The half-signed agreement is left alone, and a second run finds nothing to do.
    assert state(app, other.agreement_id)[0] is AgreementStatus.OUT_FOR_SIGNATURE
    with app.app_context():
        assert complete_stranded_rounds.call_local() == 0
        assert db.session.scalar(sa.select(sa.func.count(Document.id)).where(
            Document.kind == "agreement_executed")) == 1
