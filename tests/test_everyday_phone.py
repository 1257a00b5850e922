"""The member's pages in a real browser at 390 px (a phone): nothing is wider than the screen, and the
update forms are reachable; the navbar fits at 1280 px for an admin with a long name.

Needs Debian's chromium (`apt-get install -y chromium`) and playwright; skipped cleanly without them.
"""
import os
import shutil
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import TLP
from app.models import AgreementStatus
from app.models import MemberRole
from app.models import Notification
from app.models import NotificationKind
from app.models import Role
from app.models import today
from app.notifications.services import notify
from tests import factories
from tests.conftest import USING_POSTGRES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
if USING_POSTGRES:  # layout does not depend on the database: the SQLite pass covers it
    pytest.skip("browser layout checks run in the SQLite pass only", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed", allow_module_level=True)

LONG = "Replace the supervisory-control firmware on every pumping station (vendor advisory ICSA-26-123-01)"


def _seed(app) -> dict:
    with app.app_context():
        gov = factories.organization(name="National Infrastructure Resilience Office", short_name="NIRO")
        water = factories.organization(name="Riverbend Regional Water Authority", short_name="RRWA")
        coordinator = factories.user(role=Role.COORDINATOR, organization=gov, name="Casey Coordinator",
                                     email="casey@example.org")
        member = factories.user(role=Role.MEMBER, organization=water, name="Morgan Fieldworker-Longname",
                                email="morgan.fieldworker@riverbend-water.example.org")
        admin = factories.user(role=Role.ADMIN, organization=gov, name="Alex Morgan Nakamura-Whitfield",
                               email="alex.admin@example.org")
        group = factories.working_group(created_by=coordinator, tlp=TLP.AMBER, name="Water sector OT security",
                                        members=[(coordinator, MemberRole.CHAIR), (member, MemberRole.MEMBER)])
        tasks = [factories.task(working_group=group, title=f"{LONG} #{n}", assignee_id=member.id,
                                created_by_id=coordinator.id, description="Long **markdown**: " + "x" * 300,
                                due_date=today() + timedelta(days=n - 2)) for n in range(4)]
        risk = factories.risk(created_by=coordinator, tlp=TLP.AMBER, title=LONG, description="y" * 400)
        factories.mitigation(risk=risk, title=LONG, assigned_organization_id=water.id, assigned_user_id=member.id,
                             due_date=today() + timedelta(days=5))
        agreement = factories.agreement(created_by=coordinator, tlp=TLP.GREEN, title=LONG, parties=[gov, water],
                                        status=AgreementStatus.ACTIVE, expiry_date=today() + timedelta(days=40))
        notes = notify([member], NotificationKind.ASSIGNMENT, tasks[1], actor=coordinator)
        notify([member], NotificationKind.COMMENT, risk, actor=coordinator)
        db.session.commit()
        return {"member": member.email, "admin": admin.email, "task": tasks[0].id, "risk": risk.id,
                "group": group.id, "agreement": agreement.id, "agreement_ref": agreement.reference,
                "notification": notes[0].id, "task_1": tasks[1].id}


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form.app-form button[type=submit]")
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, page.content()[:2000]


def _overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0 = fits). Measured against the viewport set
    for the test: an emulated phone (is_mobile) widens window.innerWidth to the page's content."""
    return page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]


def test_member_pages_fit_a_390px_phone(live_app, browser):
    ids = _seed(live_app.app)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    _sign_in(page, live_app.url, ids["member"])
    pages = ["/", "/tasks/", "/tasks/?scope=all", f"/tasks/{ids['task']}", f"/tasks/{ids['task']}/history",
             f"/risks/{ids['risk']}", "/risks/?mine=1", f"/working-groups/{ids['group']}", "/working-groups/",
             "/auth/account"]
    wide = {}
    for path in pages:
        page.goto(live_app.url + path)
        assert page.url.endswith(path.split("#")[0]) or path == "/", page.url
        if _overflow(page) > 0:
            wide[path] = _overflow(page)
    assert wide == {}, f"pages wider than 390 px (overflow in px): {wide}"

    # Dashboard: what awaits the member comes first: the inbox, then "My work", then the portfolio.
    page.goto(live_app.url + "/")
    headings = [h.strip() for h in page.locator("main h2").all_inner_texts()]
    assert headings[:2] and headings[0].startswith("Inbox") and headings[1] == "My work", headings

    # Task page: the update form is on the page and inside the screen's width.
    page.goto(live_app.url + f"/tasks/{ids['task']}")
    box = page.locator("#update").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390

    # Risk page: the mitigation's "Update status" button is inside the screen's width.
    page.goto(live_app.url + f"/risks/{ids['risk']}")
    button = page.locator("details.status-update > summary").first.bounding_box()
    assert button and button["x"] + button["width"] <= 390

    # My tasks: a quick update with a note, from the list, without leaving it.
    page.goto(live_app.url + "/tasks/")
    first = page.locator("details.quick-update").first
    first.locator("summary").click()
    first.locator("select[name=new_status]").select_option("in_progress")
    first.locator("textarea[name=note]").fill("On site; parts ordered")
    assert _overflow(page) == 0
    first.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith("/tasks"), page.url
    assert "Status changed to in progress" in page.content()
    context.close()


def test_admin_navbar_fits_at_1280px(live_app, browser):
    ids = _seed(live_app.app)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _sign_in(page, live_app.url, ids["admin"])
    page.goto(live_app.url + "/")
    assert _overflow(page) == 0
    nav = page.locator("nav.navbar-palisade").bounding_box()
    assert nav["height"] < 80, nav  # one row: nothing wrapped to a second line
    toggle = page.locator(".user-toggle").bounding_box()
    assert toggle["x"] + toggle["width"] <= 1280
    assert page.locator("#main-nav .nav-link", has_text="Administration").is_visible()
    context.close()


# --- Lists as cards, filters folded, the bell's count, opening a notification (issue 23) ---------------

LISTS = {  # path: the labelled cells a member must see on a phone without scrolling sideways
    "/agreements/": ("Status", "TLP", "Expiry"),
    "/tasks/?scope=all": ("Status", "TLP", "Due"),
    "/risks/": ("Status", "TLP", "Next review"),
    "/working-groups/": ("Status", "TLP", "Open tasks"),
}


def _inside(box, width=390) -> bool:
    return bool(box) and box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] > 0


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_lists_are_cards_with_status_tlp_and_due_date_and_folded_filters_at_390px(live_app, browser, javascript):
    ids = _seed(live_app.app)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, java_script_enabled=javascript)
    page = context.new_page()
    _sign_in(page, live_app.url, ids["member"])
    for path, labels in LISTS.items():
        page.goto(live_app.url + path)
        assert _overflow(page) == 0, (path, _overflow(page))
        card = page.locator(".list-cards tbody tr").first
        assert _inside(card.bounding_box()), path
        for label in labels:
            cell = card.locator(f'td[data-label="{label}"]')
            assert cell.is_visible() and _inside(cell.bounding_box()), (path, label)
            assert cell.inner_text().strip(), (path, label)
        title = card.locator(".card-title-cell")
        assert title.bounding_box()["y"] <= card.locator("td").nth(0).bounding_box()["y"] + 1, "the title heads the card"
        # Filters are folded away, one tap opens them.
        assert not page.locator("form.filter-bar").is_visible(), path
        page.locator("details.filter-fold > summary").click()
        assert page.locator("form.filter-bar").is_visible() and _overflow(page) == 0, path
    # A filter in use keeps them open (the person sees what narrows the list).
    page.goto(live_app.url + "/agreements/?status=active")
    assert page.locator("form.filter-bar").is_visible()
    assert "1 in use" in page.locator("details.filter-fold > summary").inner_text()
    assert ids["agreement_ref"] in page.locator(".list-cards").inner_text()
    # The risk page's mitigations fit the phone.
    page.goto(live_app.url + f"/risks/{ids['risk']}")
    assert _overflow(page) == 0
    mitigation = page.locator(".list-cards tbody tr").first
    assert _inside(mitigation.bounding_box())
    for label in ("Due", "Status"):
        assert _inside(mitigation.locator(f'td[data-label="{label}"]').bounding_box()), label
    context.close()


def test_wide_screens_keep_the_table_and_the_open_filter_bar(live_app, browser):
    ids = _seed(live_app.app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, live_app.url, ids["member"])
    for path in LISTS:
        page.goto(live_app.url + path)
        assert page.locator("form.filter-bar").is_visible() and not page.locator("details.filter-fold > summary").is_visible()
        assert page.locator(".list-table thead th").first.is_visible(), "a table with its headers"
        assert _overflow(page) == 0
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_unread_count_shows_on_a_phone_and_opening_a_notification_marks_it_read(live_app, browser, javascript):
    ids = _seed(live_app.app)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, java_script_enabled=javascript)
    page = context.new_page()
    _sign_in(page, live_app.url, ids["member"])
    page.goto(live_app.url + "/tasks/")
    count = page.locator(".notification-bell-phone .notification-count")
    assert count.is_visible() and count.inner_text().strip() == "2", "visible without opening the menu"
    assert _inside(count.bounding_box()) and not page.locator("#main-nav").is_visible()
    page.locator(".notification-bell-phone").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith("/notifications")
    entry = page.locator(f"#notification-{ids['notification']}")
    entry.locator("button.notification-open").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/tasks/{ids['task_1']}"), page.url
    assert page.locator(".notification-bell-phone .notification-count").inner_text().strip() == "1"
    with live_app.app.app_context():
        read_at = db.session.get(Notification, ids["notification"]).read_at
    assert read_at is not None
    page.goto(live_app.url + "/notifications/")
    assert page.locator(f"#notification-{ids['notification']} a", has_text=LONG[:20]).is_visible(), \
        "once read, a plain link"
    assert _overflow(page) == 0
    context.close()
