"""Advisories: co-authored release (every co-author, four eyes within each), the sealed editions, sector
distribution, acknowledgements and their reminders (once each), supersede and withdraw, from advisory to
action, and the authority's draft from an incident report (linked, never copied)."""
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryAction
from app.models import AdvisoryStatus
from app.models import AuditEvent
from app.models import Document
from app.models import Notification
from app.models import Risk
from app.models import SentReminder
from app.models import Severity
from app.models import today
from tests import advisory_world as w
from tests import factories as f
from tests.signing_helpers import pdf_text


def _advisory(app, advisory_id) -> tuple:
    with app.app_context():
        a = db.session.get(Advisory, advisory_id)
        return (a.status, sorted((x.organization_id, x.approved_by_id is not None) for x in a.authors),
                sorted(r.organization_id for r in a.distribution))


def _documents(app, advisory_id) -> dict:
    with app.app_context():
        return {d.kind: (d.tlp, d.content) for d in db.session.scalars(
            sa.select(Document).where(Document.object_type == "advisories", Document.object_id == advisory_id))}


def test_release_needs_every_co_author_and_four_eyes_within_each(app):
    world = w.build(app)
    with app.app_context():
        advisory_id = w.draft(world, public_title="Relay firmware: patch now").id
    gov1, gov2 = w.client(app, world, "gov_coordinator"), w.client(app, world, "gov_coordinator2")
    op1, op2 = w.client(app, world, "op_coordinator"), w.client(app, world, "op_coordinator2")
    assert gov1.post(f"/advisories/{advisory_id}/submit").status_code == 302
    # The member of a co-author and a recipient's coordinator never approve.
    assert w.client(app, world, "gov_member").post(f"/advisories/{advisory_id}/approve").status_code == 403
    assert w.client(app, world, "recipient_coordinator").post(f"/advisories/{advisory_id}/approve").status_code == 404
    # The last editor (who wrote it) is refused: four eyes.
    page = gov1.post(f"/advisories/{advisory_id}/approve", follow_redirects=True)
    assert "Four eyes" in page.get_data(as_text=True)
    assert _advisory(app, advisory_id)[1] == sorted([(world.orgs["gov"], False), (world.orgs["operator"], False)])
    # The operator approves: one of two co-authors, nothing released, nothing issued.
    assert op1.post(f"/advisories/{advisory_id}/approve").status_code == 302
    assert op2.post(f"/advisories/{advisory_id}/approve").status_code == 403  # once per organisation
    status, authors, _ = _advisory(app, advisory_id)
    assert status is AdvisoryStatus.IN_REVIEW and (world.orgs["operator"], True) in authors
    assert _documents(app, advisory_id) == {}
    # The operator's coordinator edits during the review: back to draft, every approval cleared.
    with app.app_context():
        from app.advisories import services

        advisory = db.session.get(Advisory, advisory_id)
        services.update_advisory(w.person(world, "op_coordinator"), advisory, expected_version=advisory.version,
                                 body="RESTRICTED-BODY corrected indicators")
        db.session.commit()
    status, authors, _ = _advisory(app, advisory_id)
    assert status is AdvisoryStatus.DRAFT and not any(approved for _, approved in authors)
    assert op1.post(f"/advisories/{advisory_id}/submit").status_code == 302
    assert op1.post(f"/advisories/{advisory_id}/approve").status_code == 302  # refused: now he edited last
    assert _advisory(app, advisory_id)[1] == sorted([(world.orgs["gov"], False), (world.orgs["operator"], False)])
    assert op2.post(f"/advisories/{advisory_id}/approve").status_code == 302
    assert gov1.post(f"/advisories/{advisory_id}/approve").status_code == 302  # gov1 is not the last editor now
    status, authors, recipients = _advisory(app, advisory_id)
    assert status is AdvisoryStatus.RELEASED and all(approved for _, approved in authors)
    # The water sector expanded at the release: the named recipient and the sector's other organisation.
    assert recipients == sorted([world.orgs["recipient"], world.orgs["sector"]])
    assert gov2.post(f"/advisories/{advisory_id}/approve").status_code == 403  # released: nothing to approve

    documents = _documents(app, advisory_id)
    assert set(documents) == {"advisory", "advisory_public"}
    restricted_tlp, restricted_pdf = documents["advisory"]
    public_tlp, public_pdf = documents["advisory_public"]
    assert (restricted_tlp, public_tlp) == (TLP.AMBER, TLP.CLEAR)
    restricted_text, public_text = pdf_text(restricted_pdf), pdf_text(public_pdf)
    for text in (restricted_text, public_text):  # one sealed PDF per edition with every co-author's approval
        assert "National Cyber Agency" in text and "Northern Grid" in text and "UTC" in text
    assert "TLP:AMBER" in restricted_text and "RESTRICTED-BODY corrected" in restricted_text
    assert "TLP:CLEAR" in public_text and "Relay firmware: patch now" in public_text
    for secret in ("RESTRICTED", "grid relay exploitation", "TLP:AMBER"):
        assert secret not in public_text
    assert restricted_pdf.startswith(b"%PDF") and b"/ByteRange" in restricted_pdf and b"/ByteRange" in public_pdf


def test_a_released_advisory_never_changes_and_updates_supersede_it(app, monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        old = w.release(world, w.draft(world))
        old_id, version = old.id, old.version
    gov1 = w.client(app, world, "gov_coordinator")
    assert gov1.get(f"/advisories/{old_id}/edit").status_code == 403
    assert gov1.post(f"/advisories/{old_id}/edit", data={"title": "Changed", "version": version}).status_code == 403
    response = gov1.post(f"/advisories/{old_id}/update")
    assert response.status_code == 302 and "/edit" in response.headers["Location"]
    with app.app_context():
        new = db.session.scalar(sa.select(Advisory).where(Advisory.supersedes_id == old_id))
        assert new.status is AdvisoryStatus.DRAFT and new.author_org_ids == db.session.get(Advisory, old_id).author_org_ids
        new_id = new.id
    assert gov1.post(f"/advisories/{old_id}/update").status_code == 403  # one update at a time
    with app.app_context():
        w.release(world, db.session.get(Advisory, new_id))
        assert db.session.get(Advisory, old_id).status is AdvisoryStatus.SUPERSEDED
    reader = w.client(app, world, "recipient_member")
    old_page = reader.get(f"/advisories/{old_id}").get_data(as_text=True)
    new_page = reader.get(f"/advisories/{new_id}").get_data(as_text=True)
    assert "Superseded by" in old_page and f"/advisories/{new_id}" in old_page  # linked both ways
    assert "supersedes" in new_page and f"/advisories/{old_id}" in new_page
    shared = reader.get("/sharing/").get_data(as_text=True)  # the list marks the superseded one as such
    assert shared.count("superseded-mark") == 1


def test_withdrawal_needs_a_reason_every_reader_sees(app, monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        advisory_id = w.release(world, w.draft(world, public_title="Public relay note")).id
    gov1 = w.client(app, world, "gov_coordinator")
    assert w.client(app, world, "recipient_coordinator").post(
        f"/advisories/{advisory_id}/withdraw", data={"reason": "x"}).status_code == 403
    gov1.post(f"/advisories/{advisory_id}/withdraw", data={"reason": "  "})
    assert _advisory(app, advisory_id)[0] is AdvisoryStatus.RELEASED
    gov1.post(f"/advisories/{advisory_id}/withdraw", data={"reason": "The vendor retracted the bulletin."})
    assert _advisory(app, advisory_id)[0] is AdvisoryStatus.WITHDRAWN
    for who in ("recipient_member", "third_coordinator", "client_member"):  # restricted and public readers
        page = w.client(app, world, who).get(f"/advisories/{advisory_id}").get_data(as_text=True)
        assert "The vendor retracted the bulletin." in page, who
    assert w.client(app, world, "recipient_coordinator").post(
        f"/advisories/{advisory_id}/acknowledge", data={"status": "received"}).status_code == 403


def test_acknowledgements_and_reminders_once_each(app, monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        advisory = w.release(world, w.draft(world, severity=Severity.HIGH,
                                            acknowledgement_deadline=today() + timedelta(days=2)))
        advisory_id = advisory.id
    from app.calendar.services import due_entries

    def calendar(who):  # the acknowledgement deadline in the recipients' coordinators' calendars, until answered
        with app.app_context():
            return [(e.obj.id, e.what) for e in due_entries(w.person(world, who)) if e.obj.__tablename__ == "advisories"]
    assert calendar("recipient_coordinator") == [(advisory_id, "acknowledgement due")]
    assert calendar("recipient_member") == calendar("third_coordinator") == calendar("gov_coordinator") == []
    coordinator = w.client(app, world, "recipient_coordinator")
    assert w.client(app, world, "recipient_member").post(
        f"/advisories/{advisory_id}/acknowledge", data={"status": "received"}).status_code == 403
    assert w.client(app, world, "third_coordinator").post(
        f"/advisories/{advisory_id}/acknowledge", data={"status": "received"}).status_code == 404
    coordinator.post(f"/advisories/{advisory_id}/acknowledge", data={"status": "bogus"})
    coordinator.post(f"/advisories/{advisory_id}/acknowledge", data={"status": "acted", "note": "Patched relays."})
    coordinator.post(f"/advisories/{advisory_id}/acknowledge", data={"status": "acted", "note": "Patched relays."})
    with app.app_context():
        advisory = db.session.get(Advisory, advisory_id)
        assert [(a.organization_id, a.status.value, a.note) for a in advisory.acknowledgements] == [
            (world.orgs["recipient"], "acted", "Patched relays.")]
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "advisory.acknowledged")) == 1
    assert calendar("recipient_coordinator") == []
    # The authors' table names every recipient; a recipient sees only its own acknowledgement.
    author_page = w.client(app, world, "op_member").get(f"/advisories/{advisory_id}").get_data(as_text=True)
    assert "Patched relays." in author_page and "River Water Board" in author_page
    other = w.client(app, world, "sector_coordinator").get(f"/advisories/{advisory_id}").get_data(as_text=True)
    assert "Patched relays." not in other

    from app.advisories import reminders

    with app.app_context():
        assert reminders.run(today() + timedelta(days=1)) == 0  # not overdue yet
    # `flask reminders run` runs them with the other reminders, as of the day it is given; once each.
    runner = app.test_cli_runner()
    day = (today() + timedelta(days=3)).isoformat()
    first = runner.invoke(args=["reminders", "run", "--today", day])
    assert first.exit_code == 0 and "Sent 1 advisory acknowledgement reminder(s)." in first.output
    assert "Sent 0 advisory acknowledgement reminder(s)." in runner.invoke(
        args=["reminders", "run", "--today", day]).output
    sent = 1
    with app.app_context():
        again = reminders.run(today() + timedelta(days=4))
        reminded = set(db.session.scalars(sa.select(SentReminder.recipient_id).where(
            SentReminder.kind == "advisory_ack")))
        sector_coordinator = w.person(world, "sector_coordinator")
        notes = db.session.scalars(sa.select(Notification).where(
            Notification.object_type == "advisories", Notification.kind == "reminder")).all()
    assert (sent, again) == (1, 0)  # the sector organisation's coordinator; the acknowledged one is not reminded
    assert reminded == {sector_coordinator.id}
    assert [n.user_id for n in notes] == [sector_coordinator.id]
    assert "RESTRICTED" not in notes[0].summary and "exploitation" not in notes[0].summary
    inbox = w.client(app, world, "sector_coordinator").get("/inbox/").get_data(as_text=True)
    assert "Advisories to acknowledge" in inbox
    assert "Advisories to acknowledge" not in coordinator.get("/inbox/").get_data(as_text=True)


def test_from_advisory_to_action_counts_for_authors_details_within_the_organisation(app, monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        advisory_id = w.release(world, w.draft(world)).id
        recipient_coordinator = w.person(world, "recipient_coordinator")
        group = f.working_group(created_by=recipient_coordinator, members=[recipient_coordinator])
        group_id = group.id
    coordinator = w.client(app, world, "recipient_coordinator")
    response = coordinator.post(f"/advisories/{advisory_id}/risk", data={
        "title": "Relay compromise at the pumping stations", "likelihood": "3", "impact": "4", "tlp": "amber"})
    assert response.status_code == 302 and "/risks/" in response.headers["Location"]
    coordinator.post(f"/advisories/{advisory_id}/tasks", data={
        "working_group_id": str(group_id), "titles": "Inventory relays\nApply the firmware update\n"})
    assert w.client(app, world, "sector_coordinator").post(f"/advisories/{advisory_id}/risk", data={
        "title": "Forged", "likelihood": "3", "impact": "3", "tlp": "amber",
        "working_group_id": str(group_id)}).status_code == 302
    assert w.client(app, world, "sector_coordinator").post(f"/advisories/{advisory_id}/tasks", data={
        "working_group_id": str(group_id), "titles": "Forged"}).status_code == 302  # not their group: refused
    with app.app_context():
        actions = db.session.scalars(sa.select(AdvisoryAction).order_by(AdvisoryAction.id)).all()
        assert [(a.organization_id, a.kind.value) for a in actions] == [
            (world.orgs["recipient"], "risk"), (world.orgs["recipient"], "task"), (world.orgs["recipient"], "task"),
            (world.orgs["sector"], "risk")]
        risk = db.session.get(Risk, actions[0].risk_id)
        assert risk.owner_organization_id == world.orgs["recipient"]
    author = w.client(app, world, "gov_member").get(f"/advisories/{advisory_id}").get_data(as_text=True)
    assert "opened 2 risk(s) and added 2 task(s)" in author
    assert "Relay compromise at the pumping stations" not in author  # details stay within the organisation
    own = coordinator.get(f"/advisories/{advisory_id}").get_data(as_text=True)
    assert "Relay compromise at the pumping stations" in own and "Forged" not in own


def test_the_authority_starts_a_draft_from_an_incident_report_linked_not_copied(app):
    world = w.build(app)
    with app.app_context():
        from app.models import Organization

        gov = db.session.get(Organization, world.orgs["gov"])
        report = f.incident_report(created_by=w.person(world, "op_coordinator"), authority=gov,
                                   title="SECRET-INCIDENT-TITLE", summary="SECRET-INCIDENT-SUMMARY")
        report_id = report.id
    form = w.client(app, world, "gov_coordinator").get(f"/advisories/new?incident_id={report_id}")
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and "SECRET-INCIDENT" not in page and report.reference in page
    assert w.client(app, world, "op_coordinator").get(f"/advisories/new?incident_id={report_id}").status_code == 403
    assert w.client(app, world, "third_coordinator").get(f"/advisories/new?incident_id={report_id}").status_code == 404
    response = w.client(app, world, "gov_coordinator").post(f"/advisories/new?incident_id={report_id}", data={
        "kind": "incident_summary", "title": "Grid incident summary", "severity": "high", "tlp": "amber",
        "incident_reports": str(report_id), "recipients": str(world.orgs["recipient"])})
    assert response.status_code == 302
    with app.app_context():
        advisory = db.session.scalar(sa.select(Advisory).where(Advisory.title == "Grid incident summary"))
        assert [r.id for r in advisory.incident_reports] == [report_id]
        assert "SECRET-INCIDENT" not in (advisory.summary + advisory.body + advisory.recommended_actions)


def test_bad_input_writes_nothing(app):
    world = w.build(app)
    gov1 = w.client(app, world, "gov_coordinator")
    base = {"kind": "threat_alert", "title": "T", "severity": "low", "tlp": "amber"}
    for bad in ({"tlp": "red"}, {"severity": "extreme"}, {"kind": "rumour"}, {"title": ""},
                {"public_body": "Public words without a title"}, {"tlp": "clear", "public_title": "Public"},
                {"co_authors": str(world.orgs["operator"]), "recipients": str(world.orgs["operator"])},
                {"recipients": "999999"}, {"acknowledgement_deadline": "2001-01-01"}, {"title": "x\x00y"}):
        response = gov1.post("/advisories/new", data={**base, **bad})
        assert response.status_code == 400, bad
    assert w.client(app, world, "gov_member").post("/advisories/new", data=base).status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Advisory.id))) == 0


def test_comments_are_read_and_written_by_the_restricted_editions_readers_only(app, monkeypatch):
    """Comments discuss the restricted text: a public-edition reader neither sees them nor finds where to post
    (404); a client organisation's member reads them (AMBER) but, not taking part, does not write (403)."""
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        advisory_id = w.release(world, w.draft(world, public_title="Relay firmware: patch now")).id
    url = f"/comments/advisories/{advisory_id}"
    recipient = w.client(app, world, "recipient_member")
    assert recipient.post(url, data={"body": "RESTRICTED-COMMENT: which relay models?"}).status_code == 302
    assert w.client(app, world, "third_coordinator").post(url, data={"body": "Me too"}).status_code == 404
    assert w.client(app, world, "client_member").post(url, data={"body": "Me too"}).status_code == 403
    assert w.client(app, world, "admin").post(url, data={"body": "Me too"}).status_code == 403
    for who in ("gov_member", "op_coordinator", "recipient_coordinator", "client_member"):
        page = w.client(app, world, who).get(f"/advisories/{advisory_id}").get_data(as_text=True)
        assert "RESTRICTED-COMMENT" in page, who
    public_reader = w.client(app, world, "third_coordinator").get(f"/advisories/{advisory_id}").get_data(as_text=True)
    restricted_reader_on_public_tab = recipient.get(f"/advisories/{advisory_id}?edition=public").get_data(as_text=True)
    for page in (public_reader, restricted_reader_on_public_tab):
        assert "RESTRICTED-COMMENT" not in page and 'id="comments"' not in page and url not in page
    with app.app_context():
        told = db.session.scalars(sa.select(Notification).where(
            Notification.object_type == "advisories", Notification.kind == "comment")).all()
        assert {n.user_id for n in told} == {w.person(world, "gov_coordinator").id}  # the author who wrote it
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "advisory.commented")) == 1
