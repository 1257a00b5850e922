"""Demo data: agreements in every signing state, executed ones with their sealed documents."""
import sqlalchemy as sa

from app import seal
from app.demo import DEFAULT_PASSWORD
from app.demo import signing as demo_signing
from app.demo.people import seed_people
from app.extensions import db
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Document
from app.models import SignatureRequest


def test_demo_rounds_cover_every_signing_state_and_are_idempotent(app):
    with app.app_context():
        people = seed_people(DEFAULT_PASSWORD)
        assert demo_signing.seed(people) == len(demo_signing.ROUNDS)
        db.session.commit()
        requests = db.session.scalars(sa.select(SignatureRequest)).all()
        assert {r.status.value for r in requests} == {"pending", "signed", "declined", "cancelled"}
        assert {r.method.value for r in requests if r.status.value == "signed"} == {"electronic", "paper"}
        statuses = {a.status for a in db.session.scalars(sa.select(Agreement))}
        assert statuses == {AgreementStatus.OUT_FOR_SIGNATURE, AgreementStatus.DRAFT, AgreementStatus.ACTIVE}
        executed = db.session.scalars(sa.select(Document).where(Document.kind == "agreement_executed")).all()
        assert len(executed) == 2
        for document in executed:
            assert seal.check_seal(document.content).ok
        assert demo_signing.seed(people) == 0
