"""What signatories and coordinators are told: the request mail leads to the signing page and gives the
due date; pending signatories get reminders (once per threshold); a decline is announced as a decline,
voids the signatures given and shows its reason in the review panel; the executed document's link
reaches every signatory and every party's coordinators."""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Notification
from app.models import OutboxEmail
from app.models import User
from app.models import today
from app.notifications import reminders
from tests.signing_helpers import approved_world
from tests.signing_helpers import issue
from tests.signing_helpers import sign


def notes(app, person) -> list[tuple[str, str]]:
    with app.app_context():
        return [(n.kind.value, n.summary) for n in db.session.scalars(
            sa.select(Notification).where(Notification.user_id == person.id).order_by(Notification.id))]


def mails(app, person) -> list[OutboxEmail]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == person.email)
                                  .order_by(OutboxEmail.id)).all()
        db.session.expunge_all()
        return rows


def test_the_signature_request_mail_links_to_the_signing_page_and_gives_the_due_date(app):
    world = approved_world(app)
    due = today() + timedelta(days=10)
    assert issue(app, world, due=due.isoformat()).status_code == 302
    (mail,) = mails(app, world.lead_signer)
    assert f"/agreements/{world.agreement_id}/sign" in mail.body
    assert f"sign by {due.isoformat()}" in mail.body
    assert "Mutual aid for substations" not in mail.subject + mail.body  # TLP:AMBER: reference only
    with app.app_context():  # in the app too, the notification opens the signing page
        notification_id = db.session.scalar(sa.select(Notification.id).where(Notification.user_id == world.lead_signer.id))
    opened = app.test_client(user=world.lead_signer).post(f"/notifications/{notification_id}/open")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/agreements/{world.agreement_id}/sign")


def test_pending_signatories_are_reminded_once_per_threshold_in_turn(app):
    world = approved_world(app)
    due = today() + timedelta(days=3)
    issue(app, world, due=due.isoformat())

    def reminded(person):
        return [summary for kind, summary in notes(app, person) if kind == "reminder"]

    with app.app_context():
        assert reminders.run(today()) == 1
        assert reminders.run(today()) == 0  # once per threshold
    assert reminded(world.lead_signer) == [f"Agreement {_reference(app, world)} awaits your signature, due in "
                                           f"3 days ({due.isoformat()})"]
    assert reminded(world.partner_signer) == []  # sequential: not their turn yet
    assert f"/agreements/{world.agreement_id}" in mails(app, world.lead_signer)[-1].body
    with app.app_context():
        assert reminders.run(due) == 1  # the next threshold: due today
    assert len(reminded(world.lead_signer)) == 2 and "due today" in reminded(world.lead_signer)[-1]
    sign(app, world.lead_signer, world.agreement_id)
    with app.app_context():
        assert reminders.run(due) == 1 and reminders.run(due + timedelta(days=1)) == 1
        assert reminders.run(due + timedelta(days=2)) == 0
    assert len(reminded(world.partner_signer)) == 2 and len(reminded(world.lead_signer)) == 2


def _reference(app, world) -> str:
    from app.models import Agreement

    with app.app_context():
        return db.session.get(Agreement, world.agreement_id).reference


def test_a_decline_is_announced_as_one_and_voids_the_signatures_given(app):
    world = approved_world(app)
    issue(app, world, mode="parallel")
    assert sign(app, world.partner_signer, world.agreement_id).status_code == 302
    reason = "Clause 3 names the wrong crews."
    answer = app.test_client(user=world.lead_signer).post(f"/agreements/{world.agreement_id}/decline",
                                                           data={"reason": reason})
    assert answer.status_code == 302
    kinds = [kind for person in (world.coordinator, world.partner_coordinator, world.partner_signer)
             for kind, _ in notes(app, person)]
    assert "changes_requested" not in kinds
    coordinator = notes(app, world.coordinator)[-1]
    assert coordinator[0] == "signature_declined" and "Robin Grid declined to sign" in coordinator[1]
    assert notes(app, world.partner_coordinator)[-1][0] == "signature_declined"
    voided = notes(app, world.partner_signer)[-1]
    assert voided[0] == "signature_declined" and "your signature of" in voided[1] and "is void" in voided[1]
    assert "Signature declined" in mails(app, world.partner_signer)[-1].subject
    # The reason stands in the agreement's review panel, for whoever revises it.
    page = app.test_client(user=world.coordinator).get(f"/agreements/{world.agreement_id}")
    panel = page.text[page.text.index('id="review"'):]
    panel = panel[:panel.index("</section>")]
    assert "Signature declined" in panel and reason in panel and "Grid Security Office" in panel


def test_everyone_gets_the_executed_documents_link_when_all_have_signed(app):
    world = approved_world(app)
    issue(app, world)
    sign(app, world.lead_signer, world.agreement_id)
    sign(app, world.partner_signer, world.agreement_id)
    link = f"/agreements/{world.agreement_id}/executed.pdf"
    for person in (world.lead_signer, world.partner_signer, world.coordinator, world.partner_coordinator,
                   world.observer_coordinator):
        assert [kind for kind, _ in notes(app, person)].count("executed") == 1, person.name
        assert link in mails(app, person)[-1].body, person.name
    for person in (world.bystander, world.outsider, world.admin):
        assert "executed" not in [kind for kind, _ in notes(app, person)]
    with app.app_context():
        assert db.session.get(User, world.lead_signer.id).active
