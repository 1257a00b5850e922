"""Who may take each signing step, insiders first: issue for signature, sign, decline, record a paper
countersignature, download the issued and the executed document; for the observer party's coordinator,
the partner's coordinator, the lead's coordinator, a member, an executive, the signatory whose turn it is,
another signatory out of turn, an administrator and a coordinator of an organisation outside the agreement.
In scope but not allowed is 403, out of scope 404; a step refused changes nothing."""
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AgreementStatus
from app.models import Document
from app.models import SignatureRequest
from app.models import today
from tests.signing_helpers import approved_world
from tests.signing_helpers import document_bytes
from tests.signing_helpers import issue
from tests.signing_helpers import sign
from tests.signing_helpers import state
from tests.test_signing_paper import countersigned_pdf

ACTORS = {  # name in the matrix -> World attribute
    "observer coordinator": "observer_coordinator", "party coordinator": "partner_coordinator",
    "lead coordinator": "coordinator", "member": "bystander", "executive": "executive",
    "signatory": "lead_signer", "signatory out of turn": "partner_signer", "admin": "admin",
    "outsider": "outsider",
}
DENIED = {"observer coordinator": 403, "party coordinator": 403, "lead coordinator": 403, "member": 403,
          "executive": 403, "signatory": 403, "signatory out of turn": 403, "admin": 403, "outsider": 404}
MATRIX = {
    "issue for signature": {**DENIED, "party coordinator": 302, "lead coordinator": 302},
    "sign": {**DENIED, "signatory": 302, "signatory out of turn": 400},
    "decline": {**DENIED, "signatory": 302, "signatory out of turn": 400},
    "record paper signature": {**DENIED, "party coordinator": 302},
}


def _issue_as(app, world, user, **kwargs):
    data = {"mode": kwargs.get("mode", "sequential"), "due_date": "",
            f"signatory_{world.lead_org}": str(world.lead_signer.id),
            f"signatory_{world.partner_org}": kwargs.get("partner", str(world.partner_signer.id)),
            f"title_{world.lead_org}": "Director", f"title_{world.partner_org}": "General manager"}
    return app.test_client(user=user).post(f"/agreements/{world.agreement_id}/issue-for-signature", data=data)


def _paper(app, world, user):
    with app.app_context():
        request_id = db.session.scalar(sa.select(SignatureRequest.id).where(SignatureRequest.method == "paper"))
    content = countersigned_pdf(document_bytes(app, world.agreement_id, "agreement_for_signature"))
    return app.test_client(user=user).post(
        f"/agreements/{world.agreement_id}/paper", content_type="multipart/form-data",
        data={"request_id": str(request_id), "signer_name": "Kim Coast", "signer_title": "Chair",
              "signed_on": today().isoformat(), "confirm": "y", "file": (io.BytesIO(content), "signed.pdf")})


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("action", list(MATRIX))
def test_signing_steps_by_who_takes_them(app, action, actor):
    world = approved_world(app)
    user = getattr(world, ACTORS[actor])
    expected = MATRIX[action][actor]
    if action == "issue for signature":
        answer = _issue_as(app, world, user)
        assert answer.status_code == expected, answer.text[:300]
        issued = state(app, world.agreement_id)[0] is AgreementStatus.OUT_FOR_SIGNATURE
        assert issued == (expected == 302)
        return
    if action == "record paper signature":
        assert issue(app, world, partner="paper", mode="parallel").status_code == 302
        answer = _paper(app, world, user)
        assert answer.status_code == expected, answer.text[:300]
        assert state(app, world.agreement_id)[1] == ([("pending", 1), ("signed", 1)] if expected == 302
                                                     else [("pending", 1), ("pending", 1)])
        return
    assert issue(app, world).status_code == 302
    if action == "sign":
        answer = sign(app, user, world.agreement_id)
    else:
        answer = app.test_client(user=user).post(f"/agreements/{world.agreement_id}/decline",
                                                 data={"reason": "The annex is missing."})
    assert answer.status_code == expected, answer.text[:300]
    after = state(app, world.agreement_id)
    if expected == 302:
        assert after[1][0] == ("signed" if action == "sign" else "declined", 1)
    else:
        assert after[0] is AgreementStatus.OUT_FOR_SIGNATURE and after[1] == [("pending", 1), ("pending", 2)]
    if actor in ("signatory", "signatory out of turn"):  # the signing page itself
        page = app.test_client(user=user).get(f"/agreements/{world.agreement_id}/sign")
        assert page.status_code == 200
    else:
        page = app.test_client(user=user).get(f"/agreements/{world.agreement_id}/sign")
        assert page.status_code == (404 if actor == "outsider" else 403)


def test_the_issued_and_executed_documents_are_read_by_whoever_may_read_the_agreement(app):
    world = approved_world(app)
    issue(app, world)
    sign(app, world.lead_signer, world.agreement_id)
    sign(app, world.partner_signer, world.agreement_id)
    with app.app_context():
        documents = {d.kind: (d.id, d.content) for d in db.session.scalars(sa.select(Document).where(
            Document.object_id == world.agreement_id))}
    issued_id, issued = documents["agreement_for_signature"]
    executed_id, executed = documents["agreement_executed"]
    for actor, attribute in ACTORS.items():
        client = app.test_client(user=getattr(world, attribute))
        answers = {
            "issued": client.get(f"/agreements/{world.agreement_id}.pdf"),
            "issued by id": client.get(f"/documents/{issued_id}.pdf"),
            "executed": client.get(f"/agreements/{world.agreement_id}/executed.pdf"),
            "executed by id": client.get(f"/documents/{executed_id}.pdf"),
        }
        for what, answer in answers.items():
            if actor == "outsider":
                assert answer.status_code == 404, (actor, what)
            else:
                assert answer.status_code == 200, (actor, what, answer.status_code)
                assert answer.data == (issued if what.startswith("issued") else executed), (actor, what)
