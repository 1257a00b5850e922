"""What reviewers read: a word-level redline (escaped, marked for every reader, not by colour only)
between the version sent back and the resubmission, and between any two kept versions on the
history pages (terms, plan sections, across plan versions); a version shown whole renders its
Markdown; resubmission ticks the reviewers named last time; the audit timeline shows a changed text
as a word-level diff."""
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import ContentVersion
from app.models import IncidentPlan
from app.redline import redline
from app.redline import summary_change
from tests.test_reviews_integrity import client  # noqa: F401  -- `world` is a fixture
from tests.test_reviews_integrity import edit_agreement  # noqa: F401  -- `world` is a fixture
from tests.test_reviews_integrity import edit_section  # noqa: F401  -- `world` is a fixture
from tests.test_reviews_integrity import status_of  # noqa: F401  -- `world` is a fixture
from tests.test_reviews_integrity import step  # noqa: F401  -- `world` is a fixture
from tests.test_reviews_integrity import submit  # noqa: F401  -- `world` is a fixture
from tests.test_reviews_integrity import world  # noqa: F401  -- `world` is a fixture


def test_redline_marks_words_and_escapes_the_text():
    line = redline("Alerts within 72 hours <b>now</b>.", "Alerts within 24 hours <b>now</b>!\r\n")
    html = str(line.html)
    assert '<del class="redline-del"><span class="visually-hidden">[deleted: </span>72' in html
    assert '<ins class="redline-ins"><span class="visually-hidden">[inserted: </span>24' in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html and "<b>" not in html
    assert (line.inserted, line.deleted) == (2, 2)  # "24" and "!"; "72" and "."
    assert not redline("Same\r\ntext", "Same\ntext").changed


def test_summary_change_redlines_texts_and_keeps_short_values():
    assert str(summary_change("status: Draft → In review")) == "status: Draft → In review"
    html = str(summary_change("summary: The parties share alerts daily → The parties share <i>all</i> alerts daily"))
    assert html.startswith("summary: ") and "redline-ins" in html and "&lt;i&gt;all&lt;/i&gt;" in html


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_resubmission_shows_what_changed_since_it_was_sent_back_and_ticks_the_reviewers(app, client_as, world):
    people, records = world
    agreement_id = records["agreement"]
    with app.app_context():
        db.session.get(Agreement, agreement_id).terms = "Alerts are shared within 72 hours."
        db.session.commit()
    submit(app, client_as, world, "agreement")
    step(app, client_as, people["reviewer"], "agreement", agreement_id, "draft", comment="72 hours is too slow.")
    page = client(app, client_as, people["submitter"]).get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert re.search(rf'value="{people["reviewer"]}" id="reviewer-{people["reviewer"]}" checked', page)
    assert edit_agreement(app, client_as, people["submitter"], agreement_id,
                          terms="Alerts are shared within 24 hours.").status_code == 302
    assert step(app, client_as, people["submitter"], "agreement", agreement_id, "in_review",
                reviewers=[people["reviewer"]]).status_code == 302
    page = client(app, client_as, people["reviewer"]).get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert "What changed since it was sent back" in page
    box = page.split("What changed since it was sent back")[1].split("</details>")[0]
    assert "Terms" in box and "72" in box and "24" in box
    assert re.search(r'<del class="redline-del">.*?72', box) and re.search(r'<ins class="redline-ins">.*?24', box)
    assert "1 part" in _plain(page.split("What changed since it was sent back")[1][:300])


def test_resubmitted_plan_shows_its_section_redline(app, client_as, world):
    people, records = world
    plan_id = records["incident_plan"]
    submit(app, client_as, world, "incident_plan")
    step(app, client_as, people["reviewer"], "incident_plan", plan_id, "draft", comment="Name the officer.")
    assert edit_section(app, client_as, people["submitter"], plan_id,
                        "Call the duty officer, Dana Reyes, on the 24/7 line.").status_code == 302
    step(app, client_as, people["submitter"], "incident_plan", plan_id, "in_review")
    page = client(app, client_as, people["reviewer"]).get(f"/incident-plans/{plan_id}").get_data(as_text=True)
    box = page.split("What changed since it was sent back")[1].split("</details>")[0]
    assert "Preparation / Call tree" in box and re.search(r'<ins class="redline-ins">.*?Dana Reyes', box, re.S)


def _versions(app, object_type, object_id):
    with app.app_context():
        return list(db.session.scalars(sa.select(ContentVersion.id).where(
            ContentVersion.object_type == object_type, ContentVersion.object_id == object_id)
            .order_by(ContentVersion.number)))


def test_history_compares_any_two_versions_of_the_terms_and_shows_one_rendered(app, client_as, world):
    people, records = world
    agreement_id = records["agreement"]
    ann = people["author"]
    for terms in ("First **draft** of the terms.", "Second draft of the terms, with notice.",
                  "Third draft of the terms, with notice. <script>alert(1)</script>"):
        assert edit_agreement(app, client_as, ann, agreement_id, terms=terms).status_code == 302
    ids = _versions(app, "agreements", agreement_id)
    assert len(ids) == 3  # one per change (the factory-made agreement had none before its first edit)
    reader = client(app, client_as, people["party"])
    default = reader.get(f"/agreements/{agreement_id}/history").get_data(as_text=True)
    assert "Versions of the content" in default and "Version 3" in default
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in default and "<script>alert(1)" not in default
    page = reader.get(f"/agreements/{agreement_id}/history?from={ids[0]}&to={ids[2]}").get_data(as_text=True)
    compared = page.split('id="compare-heading"')[1].split("</article>")[0]
    assert "Version 1 → Version 3" in _plain(compared)
    assert re.search(r'<del class="redline-del">.*?First', compared, re.S)
    assert re.search(r'<ins class="redline-ins">.*?Third', compared, re.S)
    shown = reader.get(f"/agreements/{agreement_id}/history?show={ids[0]}").get_data(as_text=True)
    assert "<strong>draft</strong>" in shown.split('id="shown-heading"')[1]


def test_history_never_shows_a_version_of_another_record(app, client_as, world):
    people, records = world
    assert edit_section(app, client_as, people["author"], records["incident_plan"], "Secret plan text.").status_code == 302
    plan_version = _versions(app, "incident_plans", records["incident_plan"])[0]
    assert edit_agreement(app, client_as, people["author"], records["agreement"], terms="Agreed.").status_code == 302
    page = client(app, client_as, people["party"]).get(
        f"/agreements/{records['agreement']}/history?show={plan_version}&from=x").get_data(as_text=True)
    assert "Secret plan text" not in page
    assert "That version is not one of this record" in page


def test_plan_history_compares_a_section_across_plan_versions(app, client_as, world):
    people, records = world
    plan_id = records["incident_plan"]
    assert edit_section(app, client_as, people["author"], plan_id, "Call the duty officer at once.").status_code == 302
    submit(app, client_as, world, "incident_plan")
    assert step(app, client_as, people["reviewer"], "incident_plan", plan_id, "approved").status_code == 302
    response = client(app, client_as, people["author"]).post(f"/incident-plans/{plan_id}/revise", data={"bump": "major"})
    assert response.status_code == 302
    with app.app_context():
        draft = db.session.scalar(sa.select(IncidentPlan).where(IncidentPlan.previous_version_id == plan_id))
        draft_id = draft.id
    assert edit_section(app, client_as, people["author"], draft_id, "Call the duty officer and the regulator.").status_code == 302
    old = _versions(app, "incident_plans", plan_id)[-1]
    new = _versions(app, "incident_plans", draft_id)[-1]
    page = client(app, client_as, people["reviewer"]).get(
        f"/incident-plans/{draft_id}/history?from={old}&to={new}").get_data(as_text=True)
    compared = page.split('id="compare-heading"')[1].split("</article>")[0]
    assert "Plan 1.0" in compared and "Plan 2.0" in compared
    assert "Preparation / Call tree" in compared and re.search(r'<ins class="redline-ins">.*?regulator', compared, re.S)


def test_audit_timeline_shows_a_changed_summary_word_by_word(app, client_as, world):
    people, records = world
    agreement_id = records["agreement"]
    assert edit_agreement(app, client_as, people["author"], agreement_id,
                          summary="Water and power operators share threat alerts").status_code == 302
    assert edit_agreement(app, client_as, people["author"], agreement_id,
                          summary="Water and power operators share all threat alerts").status_code == 302
    page = client(app, client_as, people["party"]).get(f"/agreements/{agreement_id}/history").get_data(as_text=True)
    items = re.findall(r'<li class="summary-part">(.*?)</li>', page, re.S)
    assert any(item.startswith("summary: ") and re.search(r'<ins class="redline-ins">.*?all', item) for item in items)
    assert status_of(app, "agreement", agreement_id) == "draft"


def test_issuing_again_preselects_the_signatories_typed_on_the_parties(app):
    from tests.signing_helpers import approved_world

    world = approved_world(app)
    with app.app_context():
        agreement = db.session.get(Agreement, world.agreement_id)
        agreement.parties[0].signatory_name = "ROBIN  GRID"  # case and spacing aside
        agreement.parties[1].signatory_email = world.partner_signer.email.upper()
        db.session.commit()
    page = app.test_client(user=world.coordinator).get(
        f"/agreements/{world.agreement_id}/issue-for-signature").get_data(as_text=True)
    for org, signer in ((world.lead_org, world.lead_signer), (world.partner_org, world.partner_signer)):
        select = page.split(f'name="signatory_{org}"')[1].split("</select>")[0]
        assert re.search(rf'<option selected value="{signer.id}"|<option value="{signer.id}" selected', select), select
