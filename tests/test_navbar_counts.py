"""The navigation bar's counts kept a few seconds per session (app/inbox/navbar.py): the user's own changes show on
the next page, nobody ever sees another person's numbers, the pages that list what is counted agree with their
badge, and what others do shows once the kept seconds are over."""
import re

import sqlalchemy as sa
from freezegun import freeze_time

from app.extensions import db
from app.models import TLP
from app.models import AdvisoryStatus
from app.models import Notification
from app.models import NotificationKind
from app.models import Role
from app.notifications.services import notify
from tests import factories
from tests.security_world import login

START = "2031-03-04 10:00:00"


def _bell(client, path: str = "/agreements/") -> int:
    html = client.get(path).get_data(as_text=True)
    return int(re.search(r'aria-label="Notifications, (\d+) unread"', html).group(1))


def _shared(client, path: str = "/agreements/") -> int:
    html = client.get(path).get_data(as_text=True)
    return int(re.search(r'shared-count">(\d+)<', html).group(1))


def _world():
    """A coordinator, a reader with two unread notifications and a colleague with none, all in one organisation."""
    org = factories.organization()
    coordinator = factories.user(role=Role.COORDINATOR, organization=org)
    reader = factories.user(organization=org, email="reader@example.org")
    colleague = factories.user(organization=org, email="colleague@example.org")
    agreement = factories.agreement(created_by=coordinator, tlp=TLP.GREEN)
    notify([reader], NotificationKind.REVIEW_REQUESTED, agreement, actor=coordinator)
    notify([reader], NotificationKind.APPROVED, agreement, actor=coordinator)
    db.session.commit()
    return coordinator, reader, colleague, agreement


def _notify_again(app, reader_email: str) -> None:
    """Someone else's action: one more notification for the reader."""
    from app.models import Agreement
    from app.models import User

    with app.app_context():
        reader = db.session.scalar(sa.select(User).where(User.email == reader_email))
        agreement = db.session.scalar(sa.select(Agreement))
        notify([reader], NotificationKind.COMMENT, agreement, actor=agreement.created_by)
        db.session.commit()


def _first_unread(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Notification.id).where(Notification.read_at.is_(None))
                                 .order_by(Notification.id))


def test_the_users_own_change_shows_on_the_next_page(kept_app):
    with freeze_time(START), kept_app.app_context():
        _, reader, _, _ = _world()
        client = kept_app.test_client(user=reader)
    with freeze_time(START):
        assert _bell(client) == 2
        assert client.post(f"/notifications/{_first_unread(kept_app)}/read").status_code == 302
        assert _bell(client) == 1
        assert client.post("/notifications/read-all").status_code == 302
        assert _bell(client, "/risks/") == 0


def test_another_session_of_the_same_user_sees_their_change(kept_app):
    with freeze_time(START), kept_app.app_context():
        _, reader, _, _ = _world()
        laptop, phone = kept_app.test_client(user=reader), kept_app.test_client(user=reader)
    with freeze_time(START):
        assert _bell(laptop) == 2 and _bell(phone) == 2
        laptop.post(f"/notifications/{_first_unread(kept_app)}/read")
        assert _bell(phone) == 1


def test_others_changes_show_once_the_kept_seconds_are_over_and_at_once_on_the_listing_pages(kept_app):
    with freeze_time(START), kept_app.app_context():
        _, reader, _, _ = _world()
        client = kept_app.test_client(user=reader)
    with freeze_time(START) as clock:
        assert _bell(client) == 2
        _notify_again(kept_app, "reader@example.org")
        assert _bell(client) == 2  # kept: counted a moment ago
        assert _bell(client, "/notifications/") == 3  # the notifications themselves: counted with them
        clock.tick(1)
        _notify_again(kept_app, "reader@example.org")
        assert _bell(client) == 3  # kept from the notifications page
        clock.tick(kept_app.config["NAVBAR_COUNTS_SECONDS"] + 1)
        assert _bell(client) == 4


def test_nobody_sees_another_persons_counts(kept_app):
    with freeze_time(START), kept_app.app_context():
        _, reader, colleague, _ = _world()
        reader_client, colleague_client = kept_app.test_client(user=reader), kept_app.test_client(user=colleague)
    with freeze_time(START):
        assert _bell(reader_client) == 2
        assert _bell(colleague_client) == 0
        assert _bell(reader_client) == 2
        # One browser, one person after the other: the second never gets the first one's kept counts.
        browser = kept_app.test_client()
        login(browser, "reader@example.org")
        assert _bell(browser) == 2
        browser.post("/auth/logout")
        login(browser, "colleague@example.org")
        assert _bell(browser) == 0


def test_a_page_that_records_its_reading_counts_as_the_users_change(kept_app):
    with freeze_time(START), kept_app.app_context():
        coordinator, reader, _, _ = _world()
        partner = factories.organization()
        advisory = factories.advisory(created_by=factories.user(role=Role.COORDINATOR, organization=partner),
                                      owner_organization=partner, recipients=[reader.organization], tlp=TLP.GREEN,
                                      status=AdvisoryStatus.RELEASED)
        client, advisory_id = kept_app.test_client(user=reader), advisory.id
    with freeze_time(START):
        assert _shared(client) == 1
        assert client.get(f"/advisories/{advisory_id}").status_code == 200  # opening it marks it read
        assert _shared(client) == 0


def test_without_kept_seconds_every_page_counts(app, client_as):
    with app.app_context():
        _, reader, _, _ = _world()
        client = client_as(reader)
    assert _bell(client) == 2
    _notify_again(app, "reader@example.org")
    assert _bell(client) == 3


def _inbox_badge(html: str) -> int:
    return int(re.search(r'href="/inbox/"[^>]*>Inbox\s*<span[^>]*>(\d+)<', html).group(1))


def _assign_a_task(app, reader_email: str) -> None:
    """Someone else's action: a task assigned to the reader, in a group of the reader's organisation."""
    from app.models import TaskStatus
    from app.models import User

    with app.app_context():
        reader = db.session.scalar(sa.select(User).where(User.email == reader_email))
        group = factories.working_group(owner_organization=reader.organization, tlp=TLP.GREEN, members=[reader])
        factories.task(working_group=group, assignee=reader, status=TaskStatus.TO_DO)
        db.session.commit()


def test_the_notifications_and_sharing_pages_count_what_they_list_and_keep_the_inbox_count(kept_app):
    with freeze_time(START), kept_app.app_context():
        _, reader, _, _ = _world()
        client = kept_app.test_client(user=reader)
    with freeze_time(START) as clock:
        assert _inbox_badge(client.get("/agreements/").get_data(as_text=True)) == 0
        _assign_a_task(kept_app, "reader@example.org")
        _notify_again(kept_app, "reader@example.org")
        html = client.get("/notifications/").get_data(as_text=True)
        assert re.search(r'aria-label="Notifications, 3 unread"', html)  # listed: counted with the page
        assert _inbox_badge(html) == 0  # not listed there: kept
        assert _bell(client, "/sharing/") == 3
        html = client.get("/inbox/").get_data(as_text=True)
        assert _inbox_badge(html) == 1  # the inbox counts its own sections afresh
        assert _inbox_badge(client.get("/notifications/").get_data(as_text=True)) == 1
        clock.tick(kept_app.config["NAVBAR_COUNTS_SECONDS"] + 1)
        _assign_a_task(kept_app, "reader@example.org")
        assert _inbox_badge(client.get("/notifications/").get_data(as_text=True)) == 2  # the kept seconds are over


def test_the_inbox_counts_what_it_reads_in_full_and_keeps_the_count_of_a_long_section(kept_app, monkeypatch):
    from app.inbox import routes

    monkeypatch.setattr(routes, "PAGE_LIMIT", 2)
    with freeze_time(START), kept_app.app_context():
        _, reader, _, _ = _world()
        client = kept_app.test_client(user=reader)

    def inbox() -> tuple[int, str]:
        html = client.get("/inbox/").get_data(as_text=True)
        first = re.search(r"The first 2 of (\d+)", html)
        return _inbox_badge(html), first.group(1) if first else ""

    with freeze_time(START) as clock:
        _assign_a_task(kept_app, "reader@example.org")
        assert _inbox_badge(client.get("/agreements/").get_data(as_text=True)) == 1  # kept
        _assign_a_task(kept_app, "reader@example.org")
        assert inbox() == (2, "")  # every entry read: counted by the page itself
        for _ in range(2):
            _assign_a_task(kept_app, "reader@example.org")
        assert inbox() == (4, "4")  # longer than the page, more than the kept count: counted afresh
        _assign_a_task(kept_app, "reader@example.org")
        assert inbox() == (4, "4")  # longer than the page: the count kept a few seconds
        clock.tick(kept_app.config["NAVBAR_COUNTS_SECONDS"] + 1)
        assert inbox() == (5, "5")
