"""Demo text is stored as the forms store it (LF, NFC, trimmed).

The demo's agreement terms, initiative descriptions and working-group charters ended with a line
break, which every form trims: the first untouched save of a demo record then changed it, and an
agreement in review went back to draft, telling its submitter and reviewers that it had been
rewritten when nobody had touched it.
"""
from types import SimpleNamespace

from app.demo import agreements as demo_agreements
from app.demo import initiatives as demo_initiatives
from app.demo import working_groups as demo_groups
from app.extensions import db
from app.forms import normalize_text
from app.models import Agreement
from app.models import AgreementKind
from app.models import PartyRole
from app.models import Role
from tests import factories
from tests.browser_forms import browser_form_data


def _people():
    orgs = {key: SimpleNamespace(name=f"Org {key}") for key in demo_agreements.SIGNATORIES}
    return SimpleNamespace(orgs=orgs)


def test_demo_texts_are_stored_as_a_form_would_save_them():
    texts = [demo_agreements.terms(kind, "Share alerts.", ["gov", "water"], _people()) for kind in AgreementKind]
    texts.append(demo_initiatives._description("Harden the meters.", "Northgrid"))
    texts.append(demo_groups._charter("Exchange findings.", "Grid group"))
    for text in texts:
        assert text == normalize_text(text), repr(text[-40:])


def test_untouched_save_of_a_demo_agreement_in_review_keeps_it_in_review(app, client_as):
    with app.app_context():
        alpha, beta = factories.organization(name="Alpha Water"), factories.organization(name="Beta Grid")
        submitter = factories.user(role=Role.COORDINATOR, organization=alpha)
        reviewer = factories.user(role=Role.COORDINATOR, organization=beta)
        agreement = factories.agreement(created_by=submitter, parties=[(alpha, PartyRole.LEAD), beta],
                                        terms=demo_agreements.terms(AgreementKind.MOU, "Share alerts.",
                                                                    ["gov", "water"], _people()))
        db.session.commit()
        agreement_id = agreement.id
        as_submitter, as_reviewer = client_as(submitter), client_as(reviewer)
    sent = as_submitter.post(f"/agreements/{agreement_id}/status",
                             data={"new_status": "in_review", "reviewers": [str(reviewer.id)]})
    assert sent.status_code == 302
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).status.value == "in_review"
    page = as_reviewer.get(f"/agreements/{agreement_id}/edit").get_data(as_text=True)
    data = browser_form_data(page, lambda form: "agreement-form" in form.get("class", ""))
    answer = as_reviewer.post(f"/agreements/{agreement_id}/edit", data=data, follow_redirects=True)
    assert answer.status_code == 200
    assert "back in draft" not in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Agreement, agreement_id).status.value == "in_review"
