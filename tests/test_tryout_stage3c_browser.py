"""In Chromium: each kind made on its new form starts as before (status, TLP, version, owner); the navigation bar's kept counts (two people of two organisations side by side, one browser passed
from one to the other, the user's own changes showing on the next page) and the secret feeds (subscribe
address answers, a new address replaces the old, revoking ends it)."""
import re
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryStatus
from app.models import Agreement
from app.models import Notification
from app.models import NotificationKind
from app.models import Role
from app.models import User
from app.notifications.services import notify
from tests import factories
from tests.browser import sign_in
from tests.browser import sqlite_pass_browser

sync_api = sqlite_pass_browser()


def _seed(app) -> None:
    """A reader with two unread notifications and an AMBER advisory sent to their organisation; someone of
    another organisation with neither."""
    with app.app_context():
        home, elsewhere, partner = factories.organization(), factories.organization(), factories.organization()
        reader = factories.user(organization=home, email="reader@example.org")
        factories.user(organization=elsewhere, email="other@example.org")
        author = factories.user(role=Role.COORDINATOR, organization=partner)
        factories.advisory(created_by=author, owner_organization=partner, recipients=[home], tlp=TLP.AMBER,
                           status=AdvisoryStatus.RELEASED)
        agreement = factories.agreement(created_by=author, tlp=TLP.GREEN)
        notify([reader], NotificationKind.REVIEW_REQUESTED, agreement, actor=author)
        notify([reader], NotificationKind.APPROVED, agreement, actor=author)
        db.session.commit()


def _badges(page, url: str) -> tuple[int, int]:
    page.goto(url)
    label = page.locator("[aria-label^='Notifications, ']").first.get_attribute("aria-label")
    bell = int(re.search(r"Notifications, (\d+) unread", label).group(1))
    shared = page.locator(".shared-count").first
    return bell, int(re.match(r"\d+", shared.inner_text()).group(0)) if shared.count() else 0


def _sign_out(page) -> None:
    with page.expect_navigation():
        page.evaluate("document.querySelector(\"form[action$='/auth/logout']\").submit()")


def test_kept_counts_never_cross_people_and_the_users_own_changes_show_at_once(live_app, browser):
    live_app.app.config["NAVBAR_COUNTS_SECONDS"] = 5  # as in production: counts kept a few seconds
    _seed(live_app.app)
    base, agreements = live_app.url, live_app.url + "/agreements/"
    reader_page = browser.new_context().new_page()
    other_page = browser.new_context().new_page()
    sign_in(reader_page, base, "reader@example.org")
    sign_in(other_page, base, "other@example.org")
    assert _badges(reader_page, agreements) == (2, 1)
    assert _badges(other_page, agreements) == (0, 0)
    assert _badges(reader_page, base + "/risks/") == (2, 1)

    # The reader's own changes: one notification read from the list, then all of them, then the advisory opened.
    reader_page.goto(base + "/notifications/")
    with reader_page.expect_navigation():
        reader_page.locator("form[action*='/notifications/'][action$='/read'] button").first.click()
    assert _badges(reader_page, agreements)[0] == 1
    reader_page.goto(base + "/notifications/")
    with reader_page.expect_navigation():
        reader_page.get_by_role("button", name="Mark all as read").click()
    assert _badges(reader_page, agreements)[0] == 0
    with live_app.app.app_context():
        advisory_id = db.session.scalar(sa.select(Advisory.id))
    reader_page.goto(f"{base}/advisories/{advisory_id}")  # opening it records its reading
    assert _badges(reader_page, agreements) == (0, 0)

    # One browser handed from one person to the other: never the first one's numbers.
    shared_page = browser.new_context().new_page()
    for email, expected in [("reader@example.org", (0, 0)), ("other@example.org", (0, 0))]:
        sign_in(shared_page, base, email)
        assert _badges(shared_page, agreements) == expected, email
        _sign_out(shared_page)
    with live_app.app.app_context():
        other = db.session.scalar(sa.select(User).where(User.email == "other@example.org"))
        agreement = db.session.scalar(sa.select(Agreement))
        notify([other], NotificationKind.COMMENT, agreement, actor=agreement.created_by)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 3
    sign_in(shared_page, base, "reader@example.org")
    assert _badges(shared_page, agreements) == (0, 0)
    _sign_out(shared_page)
    sign_in(shared_page, base, "other@example.org")
    assert _badges(shared_page, agreements)[0] == 1  # a fresh sign-in counts afresh


def _served(live_app, address: str) -> str:
    """The feed's address on the server under test (the page prints it under the configured external URL)."""
    return live_app.url + urlsplit(address).path


@pytest.mark.parametrize("page_path, create, revoke, suffix", [
    ("/auth/account", "Create a calendar feed", "Revoke the calendar feed", ".ics"),
    ("/sharing/", "Create a feed address", "Revoke the feed", ".atom"),
])
def test_a_secret_feed_answers_is_replaced_and_revoked(live_app, browser, page_path, create, revoke, suffix):
    _seed(live_app.app)
    page = browser.new_context().new_page()
    sign_in(page, live_app.url, "reader@example.org")
    page.goto(live_app.url + page_path)
    page.get_by_role("button", name=create).click()
    page.wait_for_load_state()
    first = _served(live_app, page.locator("#feed-url").input_value())
    assert first.endswith(suffix), first
    assert requests.get(first, timeout=30).status_code == 200

    page.goto(live_app.url + page_path)  # a new address: the old one stops answering
    page.get_by_role("button", name=re.compile("new feed address", re.IGNORECASE)).click()
    page.wait_for_load_state()
    second = _served(live_app, page.locator("#feed-url").input_value())
    assert second != first
    assert requests.get(second, timeout=30).status_code == 200
    assert requests.get(first, timeout=30).status_code == 404

    page.goto(live_app.url + page_path)
    page.get_by_role("button", name=revoke).click()
    page.wait_for_load_state()
    assert requests.get(second, timeout=30).status_code == 404
    page.goto(live_app.url + page_path)
    assert page.get_by_role("button", name=create).count() == 1


# What a person fills on each kind's new form (its required fields get a plain sample value; these need more).
FILL_REQUIRED = """(extra) => {
  const form = document.querySelector('form.app-form');
  for (const el of form.querySelectorAll('input[required], textarea[required]')) {
    if (el.value || el.type === 'checkbox' || el.type === 'radio') continue;
    el.value = {date: '2031-06-01', 'datetime-local': '2031-06-01T10:00', number: '1', email: 'x@example.org'}[el.type]
      || 'Tryout ' + el.name;
  }
  for (const el of form.querySelectorAll('select[required]')) { if (!el.value && el.options.length > 1) el.selectedIndex = 1; }
  for (const [name, value] of Object.entries(extra)) {
    const el = form.querySelector(`[name="${name}"]`);
    if (value === true) el.checked = true; else el.value = value;
  }
}"""
NEW_RECORDS = [
    ("agreements", "Agreement", "DRAFT", "AMBER", {}),
    ("initiatives", "Initiative", "PROPOSED", "AMBER", {}),
    ("working-groups", "WorkingGroup", "ACTIVE", "AMBER", {}),
    ("risks", "Risk", "OPEN", "AMBER", {}),
    ("incident-plans", "IncidentPlan", "DRAFT", "AMBER", {}),
    ("incidents", "IncidentReport", "OPEN", "AMBER_STRICT", {"aware_at": "2020-06-01T10:00", "sectors": True}),
    ("advisories", "Advisory", "DRAFT", "AMBER", {}),
    ("exercises", "Exercise", "PLANNING", "AMBER", {"starts_at": "2031-06-01T09:00", "ends_at": "2031-06-01T17:00"}),
]


def test_each_kind_made_on_its_new_form_starts_as_before(live_app, browser):
    from app import models

    with live_app.app.app_context():
        home = factories.organization(name="Home Utility")
        factories.organization(name="National Authority", is_authority=True)
        factories.user(role=Role.COORDINATOR, organization=home, email="maker@example.org")
        db.session.commit()
        home_id = home.id
    page = browser.new_context().new_page()
    sign_in(page, live_app.url, "maker@example.org")
    wrong = {}
    for slug, model_name, status, tlp, extra in NEW_RECORDS:
        model = getattr(models, model_name)
        page.goto(f"{live_app.url}/{slug}/new")
        page.evaluate(FILL_REQUIRED, extra)
        with page.expect_navigation():
            page.evaluate("(() => { const f = document.querySelector('form.app-form'); "
                          "f.requestSubmit(f.querySelector('button[type=submit]') || undefined); })()")
        with live_app.app.app_context():
            made = db.session.scalars(sa.select(model)).all()
            if len(made) != 1:
                wrong[slug] = f"{len(made)} made; {page.locator('.invalid-feedback').all_inner_texts()[:3]}"
                continue
            record = made[0]
            got = (record.status.name, record.tlp.name, record.version, record.owner_organization_id,
                   record.created_by.email)
            if got != (status, tlp, 1, home_id, "maker@example.org"):
                wrong[slug] = got
            if f"/{slug}/{record.id}" not in page.url:
                wrong[slug] = f"landed on {page.url}"
    assert not wrong, wrong
