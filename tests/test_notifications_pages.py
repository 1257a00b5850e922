"""The bell, /notifications/ (scope re-checked on display, mark read, mark all read), preferences
(only one's own), and the daily digest."""
import re
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import EmailChannel
from app.models import Notification
from app.models import NotificationKind
from app.models import NotificationPreference
from app.models import OutboxEmail
from app.models import Role
from app.notifications.digest import send_digests
from app.notifications.services import notify
from tests import factories

TITLE = "Substation Failover Drill"


def _setup():
    org = factories.organization()
    coordinator = factories.user(role=Role.COORDINATOR, organization=org)
    reader = factories.user(organization=org, email="reader@example.org")
    agreement = factories.agreement(created_by=coordinator, tlp=TLP.AMBER, title=TITLE)
    notify([reader], NotificationKind.REVIEW_REQUESTED, agreement, actor=coordinator,
           comment="Please look at **clause 4**")
    notify([reader], NotificationKind.APPROVED, agreement, actor=coordinator)
    db.session.commit()
    return coordinator, reader, agreement


def test_bell_shows_the_unread_count_on_every_page(app, client_as):
    with app.app_context():
        _, reader, _ = _setup()
        client = client_as(reader)
    for path in ("/", "/agreements/", "/auth/account", "/notifications/preferences"):
        html = client.get(path).get_data(as_text=True)
        assert 'aria-label="Notifications, 2 unread"' in html, path
        assert re.search(r'notification-count"[^>]*>2</span>', html), path


def test_list_shows_title_and_link_only_while_the_record_is_visible(app, client_as):
    with app.app_context():
        _, reader, agreement = _setup()
        client = client_as(reader)
        agreement_id = agreement.id
    html = client.get("/notifications/").get_data(as_text=True)
    with app.app_context():
        first = db.session.scalars(sa.select(Notification.id).order_by(Notification.id)).first()
    # Unread: the title opens the record through a POST that marks the notification read.
    assert TITLE in html and f'action="/notifications/{first}/open"' in html
    assert "<strong>clause 4</strong>" in html  # the comment, through the Markdown sanitiser
    opened = client.post(f"/notifications/{first}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/agreements/{agreement_id}")
    with app.app_context():
        assert db.session.get(Notification, first).read_at is not None
    html = client.get("/notifications/").get_data(as_text=True)
    assert f'href="/agreements/{agreement_id}"' in html, "once read, a plain link"

    with app.app_context():  # the record moves to TLP:RED without the reader as a recipient
        db.session.execute(sa.text("UPDATE agreements SET tlp = 'red' WHERE id = :id"), {"id": agreement_id})
        db.session.commit()
    html = client.get("/notifications/").get_data(as_text=True)
    assert TITLE not in html and f"/agreements/{agreement_id}" not in html and "clause 4" not in html
    assert html.count("You can no longer see this record.") == 2
    assert "asked you to review agreement" in html  # the safe summary stays


def test_opening_someone_elses_or_a_withdrawn_notification(app, client_as):
    with app.app_context():
        coordinator, reader, agreement = _setup()
        first = db.session.scalars(sa.select(Notification.id).order_by(Notification.id)).first()
        reader_client, other_client, agreement_id = client_as(reader), client_as(coordinator), agreement.id
    assert other_client.post(f"/notifications/{first}/open").status_code == 404
    with app.app_context():
        assert db.session.get(Notification, first).read_at is None
        db.session.execute(sa.text("UPDATE agreements SET tlp = 'red' WHERE id = :id"), {"id": agreement_id})
        db.session.commit()
    answer = reader_client.post(f"/notifications/{first}/open")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/notifications/")
    assert f"/agreements/{agreement_id}" not in reader_client.get("/notifications/").get_data(as_text=True)


def test_mark_read_and_mark_all_read(app, client_as):
    with app.app_context():
        coordinator, reader, _ = _setup()
        first, second = db.session.scalars(sa.select(Notification.id).order_by(Notification.id)).all()
        reader_client, other_client = client_as(reader), client_as(coordinator)

    assert other_client.post(f"/notifications/{first}/read").status_code == 404  # someone else's
    assert reader_client.post(f"/notifications/{first}/read").status_code == 302
    with app.app_context():
        assert db.session.get(Notification, first).read_at is not None
        assert db.session.get(Notification, second).read_at is None
    assert 'aria-label="Notifications, 1 unread"' in reader_client.get("/").get_data(as_text=True)
    assert reader_client.get(f"/notifications/{first}/read").status_code == 405  # never a GET
    response = reader_client.post("/notifications/read-all", follow_redirects=True)
    assert "Marked 1 notification as read." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.read_at.is_(None))) == 0


def _choices(**overrides):
    data = {f"kind_{k.value}": EmailChannel.IMMEDIATELY.value for k in NotificationKind}
    data.update({f"kind_{k}": v for k, v in overrides.items()})
    return data


def test_preferences_are_saved_for_the_signed_in_user_only(app, client_as):
    with app.app_context():
        me = factories.user()
        other = factories.user()
        client, me_id, other_id = client_as(me), me.id, other.id
    form = _choices(comment="daily_digest", reminder="off")
    form.update({"user_id": other_id, "user": other_id})  # a forged owner is ignored
    response = client.post("/notifications/preferences", data=form)
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(sa.select(NotificationPreference)).all()
        assert {(r.user_id, r.kind.value, r.email.value) for r in rows} == {
            (me_id, "comment", "daily_digest"), (me_id, "reminder", "off")}
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert re.search(r'name="kind_reminder"[^>]*value="off" checked', page)
    assert client.get(f"/notifications/preferences?user_id={other_id}").status_code == 200
    # a bad value: a clear message, nothing changes
    response = client.post("/notifications/preferences", data=_choices(reminder="hourly"))
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(NotificationPreference.id))) == 2
        assert not db.session.scalars(sa.select(NotificationPreference).where(
            NotificationPreference.user_id == other_id)).all()


def test_account_page_links_to_preferences_and_calendar(app, client_as):
    with app.app_context():
        client = client_as(factories.user())
    html = client.get("/auth/account").get_data(as_text=True)
    assert 'href="/notifications/preferences"' in html and 'action="/calendar/feed"' in html


def test_daily_digest_one_mail_per_user_per_day(app):
    with app.app_context():
        org = factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        reader = factories.user(organization=org, email="digest@example.org")
        for kind in (NotificationKind.APPROVED, NotificationKind.COMMENT):
            db.session.add(NotificationPreference(user_id=reader.id, kind=kind, email=EmailChannel.DAILY_DIGEST))
        green = factories.agreement(created_by=coordinator, tlp=TLP.GREEN, title="Open Data Pact")
        red = factories.agreement(created_by=coordinator, tlp=TLP.AMBER_STRICT, title="Closed Vault Pact")
        db.session.commit()
        notify([reader], NotificationKind.APPROVED, green, actor=coordinator)
        notify([reader], NotificationKind.COMMENT, red, actor=coordinator, comment="vault code 1234")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0
        assert send_digests(date(2027, 1, 5)) == 1
        assert send_digests(date(2027, 1, 5)) == 0  # once per day
        notify([reader], NotificationKind.APPROVED, green, actor=coordinator)
        db.session.commit()
        assert send_digests(date(2027, 1, 5)) == 0  # today's is gone: this one waits for tomorrow
        assert send_digests(date(2027, 1, 6)) == 1
        first = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).first()
        text = first.subject + first.body + first.html
        assert first.recipient == "digest@example.org" and "Daily digest for 2027-01-05: 2 notifications" in text
        assert "Open Data Pact" in text and red.reference in text
        assert "Closed Vault Pact" not in text and "vault code" not in text
