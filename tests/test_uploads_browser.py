"""Forms that send files, in Chromium with JavaScript off and on: the attachments panel, a task update
and a mitigation update with a file, and /verify. With the script, uploads show progress and the page that follows is the
server's own answer (its flash message and #anchor; /verify's verdict), exactly as without it.

Needs Debian's chromium and playwright; skipped cleanly without them.
"""
import re

import pytest

from app.extensions import db
from app.models import TLP
from app.models import MemberRole
from app.models import Role
from tests import factories
from tests.browser import sqlite_pass_browser
from tests.verify_pdfs import blank_pdf

sync_api = sqlite_pass_browser()


def _seed(app) -> dict:
    with app.app_context():
        org = factories.organization(name="Riverbend Water")
        coordinator = factories.user(role=Role.COORDINATOR, organization=org, name="Casey Coordinator",
                                     email="casey@riverbend.example.org")
        member = factories.user(role=Role.MEMBER, organization=org, name="Morgan Member",
                                email="morgan@riverbend.example.org")
        group = factories.working_group(created_by=coordinator, tlp=TLP.AMBER, name="OT security",
                                        members=[(coordinator, MemberRole.CHAIR), (member, MemberRole.MEMBER)])
        task = factories.task(working_group=group, title="Patch the pumps", assignee_id=member.id,
                              created_by_id=coordinator.id)
        risk = factories.risk(created_by=coordinator, tlp=TLP.AMBER, title="Pump firmware")
        factories.mitigation(risk=risk, title="Update firmware", assigned_organization_id=org.id,
                             assigned_user_id=member.id)
        db.session.commit()
        return {"member": member.email, "coordinator": coordinator.email, "task": task.id, "risk": risk.id}


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, page.content()[:2000]


def _file(tmp_path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_uploads_show_the_servers_answer(live_app, browser, tmp_path, javascript):
    ids = _seed(live_app.app)
    expect = sync_api.expect
    risk_url = f"{live_app.url}/risks/{ids['risk']}"
    task_url = f"{live_app.url}/tasks/{ids['task']}"

    # The attachments panel (a coordinator on the risk): the flash message, the panel's #anchor, the file.
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    _sign_in(page, live_app.url, ids["coordinator"])
    page.goto(risk_url)
    anchor = f"attachments-risks-{ids['risk']}"
    panel = page.locator(f"#{anchor} form.attachment-upload")
    panel.locator("input[type=file]").set_input_files(_file(tmp_path, "site-survey.txt", b"Pumps 1-4 surveyed.\n"))
    panel.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(f"#{anchor}$"))
    expect(page.locator(".alert", has_text="Uploaded site-survey.txt.")).to_be_visible()
    expect(page.locator(f"#{anchor} a", has_text="site-survey.txt").first).to_be_visible()
    assert page.url == f"{risk_url}#{anchor}"
    context.close()

    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    _sign_in(page, live_app.url, ids["member"])

    # A status update carrying a file: its flash message and the #updates anchor.
    page.goto(task_url)
    form = page.locator("#update form")
    form.locator("select[name=new_status]").select_option("in_progress")
    form.locator("textarea[name=note]").fill("Parts ordered; survey attached.")
    form.locator("input[type=file]").set_input_files(_file(tmp_path, "parts.txt", b"Order 4711\n"))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"#updates$"))
    expect(page.locator(".alert", has_text="Status changed to in progress.")).to_be_visible()
    expect(page.locator("#updates", has_text="parts.txt")).to_be_visible()

    context.close()


@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_verify_shows_its_verdict(live_app, browser, tmp_path, javascript):
    """The verdict on the result page, never the empty form again."""
    ids = _seed(live_app.app)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    _sign_in(page, live_app.url, ids["member"])
    expect = sync_api.expect
    page.goto(live_app.url + "/verify")
    page.locator("input[type=file]").set_input_files(_file(tmp_path, "received.pdf", blank_pdf()))
    page.get_by_role("button", name="Check the PDF").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_be_visible()
    expect(verdict.locator('[data-verdict="unknown"]')).to_contain_text("Not issued by this Palisade")
    expect(verdict.locator('[data-seal="broken"]')).to_contain_text("carries no digital signature")
    context.close()
