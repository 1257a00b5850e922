"""The advisory forms in Chromium. With JavaScript on: the agency's coordinator drafts a co-authored advisory with a
public edition (a refused save keeps what was typed and writes nothing), submits it, the operator's coordinator
and the agency's second coordinator approve it (four eyes), and it is released; an untouched save of the edit form
changes nothing (an advisory in review keeps its approvals and its state). With JavaScript off, as every page
promises (app/static/js/enhance.js): the recipient acknowledges, comments, and the author withdraws it.

Needs Debian's chromium and playwright; skipped cleanly without them."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Advisory
from app.models import AdvisoryStatus
from app.models import AuditEvent
from app.models import Comment
from tests import advisory_world as w
from tests import factories
from tests.browser import sqlite_pass_browser
from tests.security_world import db_snapshot
from tests.security_world import snapshot_diff

sync_api = sqlite_pass_browser()


def _page(browser, url, world, who, javascript=True):
    # Reduced motion: Bootstrap scrolls smoothly otherwise, and a moving button is never "stable" to click.
    page = browser.new_context(java_script_enabled=javascript, reduced_motion="reduce").new_page()
    page.goto(url + "/auth/login")
    page.fill("input[name=email]", world.emails[who])
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    return page


def _advisory(app, title: str) -> Advisory | None:
    with app.app_context():
        found = db.session.scalar(sa.select(Advisory).where(Advisory.title == title))
        if found is not None:
            _ = (found.authors, found.status, found.version)
        return found


def test_draft_submit_and_release_with_four_eyes_in_the_browser(live_app, browser, monkeypatch):
    w.fake_editions(monkeypatch)
    app, url = live_app.app, live_app.url
    world = w.build(app)
    expect = sync_api.expect
    page = _page(browser, url, world, "gov_coordinator")
    page.goto(url + "/advisories/new")
    page.select_option("select[name=kind]", "vulnerability")
    page.select_option("select[name=severity]", "high")
    page.select_option("select[name=tlp]", "amber_strict")
    page.fill("textarea[name=summary]", "Relay firmware 7.4.2 is exploited.")
    page.check(f"input[name=co_authors][value='{world.orgs['operator']}']")
    page.check(f"input[name=recipients][value='{world.orgs['recipient']}']")
    page.fill("textarea[name=public_body]", "Patch your relays.")  # a public text without its own title
    page.click("form.app-form button[type=submit]")
    expect(page.locator("[data-error-summary]")).to_be_visible()
    expect(page.locator("textarea[name=summary]")).to_have_value("Relay firmware 7.4.2 is exploited.")
    expect(page.locator(f"input[name=co_authors][value='{world.orgs['operator']}']")).to_be_checked()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Advisory.id))) == 0
    page.fill("input[name=title]", "Relay firmware exploited")
    page.fill("input[name=public_title]", "Patch relay firmware")
    page.click("form.app-form button[type=submit]")
    expect(page.locator(".alert", has_text="drafted")).to_be_visible()
    advisory_url = page.url
    page.click("button:has-text('Submit for approval')")
    expect(page.locator(".four-eyes-note")).to_be_visible()  # the writer is not offered the approval

    operator = _page(browser, url, world, "op_coordinator")
    operator.goto(advisory_url)
    operator.click("button.approve-button")
    expect(operator.locator(".alert", has_text="Approved for your organisation")).to_be_visible()
    deputy = _page(browser, url, world, "gov_coordinator2")
    deputy.goto(advisory_url)
    deputy.click("button.approve-button")
    expect(deputy.locator(".alert", has_text="is released")).to_be_visible()
    expect(deputy.locator("a", has_text="PDF")).to_be_visible()
    advisory = _advisory(app, "Relay firmware exploited")
    assert advisory.status is AdvisoryStatus.RELEASED and advisory.fully_approved

    outsider = _page(browser, url, world, "third_coordinator")  # reads the public edition only
    outsider.goto(advisory_url)
    expect(outsider.locator("h1")).to_have_text("Patch relay firmware")
    assert "Relay firmware exploited" not in outsider.content()


def test_an_untouched_save_changes_nothing_even_in_review(live_app, browser, monkeypatch):
    w.fake_editions(monkeypatch)
    app, url = live_app.app, live_app.url
    world = w.build(app)
    from app.advisories import services

    with app.app_context():
        advisory = w.draft(world, public_title="Relay firmware: patch now", recommended_actions="Patch\nSegment")
        services.submit_for_review(w.person(world, "gov_coordinator"), advisory)
        services.approve(w.person(world, "op_coordinator"), advisory)
        db.session.commit()
        advisory_id = advisory.id
    pages = [_page(browser, url, world, who) for who in ("gov_coordinator2", "op_coordinator2")]  # signed in first
    before = db_snapshot(app)
    for page in pages:
        page.goto(f"{url}/advisories/{advisory_id}/edit")
        page.click("form.app-form button[type=submit]")
        page.wait_for_url(f"{url}/advisories/{advisory_id}")
    assert snapshot_diff(before, db_snapshot(app)) == {}  # still in review, the operator's approval kept
    with app.app_context():
        assert db.session.get(Advisory, advisory_id).status is AdvisoryStatus.IN_REVIEW


def test_recipients_and_authors_act_without_javascript(live_app, browser, monkeypatch):
    w.fake_editions(monkeypatch)
    app, url = live_app.app, live_app.url
    world = w.build(app)
    with app.app_context():
        advisory_id = w.release(world, w.draft(world)).id
    expect = sync_api.expect
    page = _page(browser, url, world, "recipient_coordinator", javascript=False)
    page.goto(f"{url}/advisories/{advisory_id}")
    page.select_option("form.acknowledge-form select[name=status]", "acted")
    page.fill("form.acknowledge-form textarea[name=note]", "Firewall rule pushed.")
    page.click("form.acknowledge-form button[type=submit]")
    expect(page.locator(".alert", has_text="Acknowledged for")).to_be_visible()
    # The form shows the answer recorded: acknowledged again untouched, nothing changes.
    expect(page.locator("form.acknowledge-form select[name=status]")).to_have_value("acted")
    page.click("form.acknowledge-form button[type=submit]")
    expect(page.locator(".alert", has_text="Nothing changed")).to_be_visible()
    page.goto(f"{url}/advisories/{advisory_id}")
    page.fill("form.comment-form textarea[name=body]", "Which builds are affected?")
    page.click("form.comment-form button[type=submit]")
    expect(page.locator(".comment-body", has_text="Which builds are affected?")).to_be_visible()

    author = _page(browser, url, world, "gov_coordinator", javascript=False)
    author.goto(f"{url}/advisories/{advisory_id}")
    expect(author.locator("table.acknowledgements")).to_contain_text("Firewall rule pushed.")
    author.fill("textarea[name=reason]", "The vendor retracted the bulletin.")
    author.click("button:has-text('Withdraw')")
    expect(author.locator(".withdrawn-notice")).to_contain_text("The vendor retracted the bulletin.")
    with app.app_context():
        assert db.session.get(Advisory, advisory_id).status is AdvisoryStatus.WITHDRAWN
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "advisory.acknowledged")) == 1
