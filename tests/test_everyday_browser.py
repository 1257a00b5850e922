"""The forms issue 23's everyday fixes changed, driven in Chromium as people use them (script on, and off
where the page works without it): the task page's one update form, a draft's "Submit for review", the new
user form without a preselected organisation, the sign-in form after a new password, the risk register form.

Needs Debian's chromium and playwright; skipped cleanly without them (like tests/test_everyday_phone.py).
"""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AgreementStatus
from app.models import Attachment
from app.models import OutboxEmail
from app.models import Role
from app.models import Task
from app.models import TaskStatus
from app.models import TaskUpdate
from app.models import User
from tests import factories
from tests.attachment_files import PDF
from tests.test_everyday_phone import _overflow
from tests.test_everyday_phone import _sign_in

NEW_PASSWORD = "a brand new passphrase for the field"


def _context(browser, javascript: bool, width: int = 1280):
    return browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_task_update_posts_note_status_and_file_in_one_form(live_app, browser, javascript, tmp_path):
    with live_app.app.app_context():
        org = factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        member = factories.user(role=Role.MEMBER, organization=org, email="ana@example.org")
        group = factories.working_group(created_by=coordinator, members=[coordinator, member], tlp=TLP.GREEN)
        task_id = factories.task(working_group=group, assignee=member, title="Patch the pumps").id
    evidence = tmp_path / "pump-report.pdf"
    evidence.write_bytes(PDF)
    context = _context(browser, javascript, width=390)
    page = context.new_page()
    _sign_in(page, live_app.url, "ana@example.org")
    page.goto(f"{live_app.url}/tasks/{task_id}")
    form = page.locator("#update form")
    assert page.locator("form textarea").count() == 1, "one place to write"
    form.locator("textarea[name=note]").fill("Two of five pumps patched.")
    form.locator("select[name=new_status]").select_option("in_progress")
    form.locator("input[type=file]").set_input_files(str(evidence))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert re.search(rf"/tasks/{task_id}(#updates)?$", page.url), page.url
    if not javascript:  # with script, attachments.js's upload path answers for the message (its own tests)
        assert "Status changed to in progress." in page.locator("main").inner_text()
    updates = page.locator("#updates").inner_text()
    assert "Two of five pumps patched." in updates and "pump-report.pdf" in updates
    assert _overflow(page) == 0
    with live_app.app.app_context():
        (update,) = db.session.scalars(sa.select(TaskUpdate).where(TaskUpdate.task_id == task_id)).all()
        (file,) = db.session.scalars(sa.select(Attachment).where(Attachment.object_id == task_id)).all()
        assert file.update_id == update.id and db.session.get(Task, task_id).status is TaskStatus.IN_PROGRESS
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_draft_is_submitted_for_review_from_its_next_step(live_app, browser, javascript):
    with live_app.app.app_context():
        org, partner = factories.organization(), factories.organization()
        author = factories.user(role=Role.COORDINATOR, organization=org, email="author@example.org")
        reviewer = factories.user(role=Role.COORDINATOR, organization=partner, name="Rita Reviewer")
        agreement = factories.agreement(created_by=author, tlp=TLP.GREEN, status=AgreementStatus.DRAFT,
                                        parties=[org, partner])
        agreement_id, reviewer_id = agreement.id, reviewer.id
    context = _context(browser, javascript)
    page = context.new_page()
    _sign_in(page, live_app.url, "author@example.org")
    page.goto(f"{live_app.url}/agreements/{agreement_id}")
    card = page.locator("section[aria-labelledby=lifecycle-heading]")
    assert card.locator("h2").inner_text() == "Next step: submit for review"
    buttons = [b.strip() for b in card.locator("button").all_inner_texts()]
    assert buttons[0] == "Submit for review" and buttons[-1] == "Cancel", buttons
    card.locator(f"#reviewer-{reviewer_id}").check()
    card.get_by_role("button", name="Submit for review").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "Submitted for review by" in text and "Rita Reviewer" in text
    assert page.locator("text=Next step: submit for review").count() == 0
    context.close()


def test_new_user_form_needs_an_organisation_chosen(live_app, browser):
    with live_app.app.app_context():
        gov = factories.organization(name="Aardvark Agency")
        factories.organization(name="Zephyr Water")
        factories.user(role=Role.ADMIN, organization=gov, email="admin@example.org")
    context = _context(browser, True)
    page = context.new_page()
    _sign_in(page, live_app.url, "admin@example.org")
    page.goto(live_app.url + "/users/new")
    select = page.locator("select[name=organization_id]")
    assert select.input_value() == "" and select.locator("option:checked").inner_text() == "Choose an organisation…"
    page.fill("input[name=email]", "new.person@example.org")
    page.fill("input[name=name]", "Nia New")
    page.locator("form.app-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Choose the user's organisation." in page.locator("main").inner_text()
    with live_app.app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "new.person@example.org")) is None
    page.locator("select[name=organization_id]").select_option(label="Zephyr Water")
    page.locator("form.app-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "User new.person@example.org created." in page.locator("main").inner_text()
    with live_app.app.app_context():
        created = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
        assert created.organization.name == "Zephyr Water"
    context.close()


def test_sign_in_after_a_reset_has_the_address_filled_in(live_app, browser):
    with live_app.app.app_context():
        factories.user(email="field.worker@example.org")
    context = _context(browser, True, width=390)
    page = context.new_page()
    page.goto(live_app.url + "/auth/forgot-password")
    page.fill("input[name=email]", "field.worker@example.org")
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    with live_app.app.app_context():
        body = db.session.scalars(sa.select(OutboxEmail.body).where(
            OutboxEmail.recipient == "field.worker@example.org").order_by(OutboxEmail.id.desc())).first()
    link = re.search(r"https?://[^/\s]+(/auth/set-password\S*)", body).group(1)
    page.goto(live_app.url + link)
    page.fill("input[name=new_password]", NEW_PASSWORD)
    page.fill("input[name=confirm]", NEW_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/auth/login" in page.url
    assert page.locator("input[name=email]").input_value() == "field.worker@example.org"
    assert page.evaluate("document.activeElement.name") == "password"
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("form.app-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url
    with live_app.app.app_context():
        subjects = db.session.scalars(sa.select(OutboxEmail.subject).where(
            OutboxEmail.recipient == "field.worker@example.org")).all()
    assert "Your Palisade password was changed" in subjects
    context.close()


def test_the_risk_list_asks_for_the_register_in_the_most_shareable_edition_under_its_filters(live_app, browser):  # noqa: E501
    with live_app.app.app_context():
        org = factories.organization()
        factories.user(role=Role.COORDINATOR, organization=org, email="coord@example.org")
    context = _context(browser, True)
    page = context.new_page()
    _sign_in(page, live_app.url, "coord@example.org")
    page.goto(live_app.url + "/risks/?status=open")
    assert page.locator("#register-edition").input_value() == "clear"
    with page.expect_request(re.compile(r"/risks/register\.pdf\?")) as asked:
        page.locator("form.register-form button[type=submit]").click()
    query = asked.value.url.split("?", 1)[1]
    assert sorted(query.split("&")) == ["status=open", "tlp=clear"], query
    context.close()
