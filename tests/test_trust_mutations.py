"""Tests for hand mutations that used to pass the whole suite (issue 22): each fails when its mutation is applied.

- reminders sent without checking the recipient may still see the record, or to a deactivated assignee;
- the inbox's four-eyes check using the creator instead of the submitter;
- permissions.scope_key without today's date (a statement reused across midnight);
- SVG dropped from the attachment markup list (an SVG named .txt accepted);
- conflicts.py treating identical edits as a conflict;
- signing without the stored bytes' SHA-256 check.
"""
from datetime import date
from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AgreementStatus
from app.models import ReviewRequest
from app.models import Role
from app.models import SentReminder
from app.models import User
from app.notifications import reminders
from tests import factories

TODAY = date(2027, 3, 1)


def _reminded(app) -> set[tuple[str, int]]:
    with app.app_context():
        return {(r.kind, r.recipient_id) for r in db.session.scalars(sa.select(SentReminder))}


def test_a_reminder_never_reaches_someone_who_can_no_longer_see_the_record(app):
    """A task of an AMBER+STRICT group of org A still assigned to a member of org B (who left the group)."""
    with app.app_context():
        org_a, org_b = factories.organization(), factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org_a)
        outsider = factories.user(role=Role.MEMBER, organization=org_b)
        group = factories.working_group(created_by=coordinator, members=[coordinator], tlp=TLP.AMBER_STRICT)
        factories.task(working_group=group, assignee=outsider, due_date=TODAY)
        outsider_id = outsider.id
        assert reminders.run(TODAY) == 0
    assert ("task_due", outsider_id) not in _reminded(app)


def test_a_deactivated_assignees_mitigation_reminds_the_assigned_organisations_coordinators(app):
    with app.app_context():
        org = factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        gone = factories.user(role=Role.MEMBER, organization=org, active=False)
        risk = factories.risk(created_by=coordinator, tlp=TLP.AMBER)
        factories.mitigation(risk=risk, assigned_organization=org, assigned_user=gone, due_date=TODAY)
        ids = coordinator.id, gone.id
        reminders.run(TODAY)
    sent = _reminded(app)
    assert ("mitigation_due", ids[0]) in sent and ("mitigation_due", ids[1]) not in sent


def test_the_inbox_four_eyes_check_is_the_submitter_not_the_creator(app):
    """Ann wrote the agreement, Al submitted it: Al may not approve it, Ann may."""
    from app.inbox.providers import inbox_sections

    with app.app_context():
        org = factories.organization()
        ann = factories.user(role=Role.COORDINATOR, organization=org, name="Ann Author")
        al = factories.user(role=Role.COORDINATOR, organization=org, name="Al Submitter")
        agreement = factories.agreement(created_by=ann, title="Shared pumping", status=AgreementStatus.IN_REVIEW,
                                        parties=[org])
        db.session.add(ReviewRequest(object_type="agreements", object_id=agreement.id, submitted_by=al))
        db.session.commit()
        ids = ann.id, al.id

    def reviews(user_id):
        with app.test_request_context():
            user = db.session.get(User, user_id)
            sections = dict(inbox_sections(user))
            return [entry.title for entry in sections.get("Reviews and approvals", [])]

    assert reviews(ids[0]) == ["Shared pumping"]
    assert reviews(ids[1]) == []


def test_scope_key_changes_at_midnight(app):
    """Statements built from a user's scope compare with today's date: a key without the day would serve
    yesterday's 'overdue' statement after midnight."""
    from freezegun import freeze_time

    from app import permissions

    with app.app_context():
        user = factories.user(role=Role.MEMBER)
        with freeze_time(datetime(2027, 3, 1, 23, 59, 59)):
            before = permissions.scope_key(user)
        with freeze_time(datetime(2027, 3, 2, 0, 0, 1)):
            after = permissions.scope_key(user)
        with freeze_time(datetime(2027, 3, 2, 12, 0, 0)):
            same_day = permissions.scope_key(user)
    assert before != after and after == same_day


def test_an_svg_named_txt_is_refused(app, client_as):
    from app.attachments.sniff import Refused
    from app.attachments.sniff import identify

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n'
    plain_svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10"/></svg>\n'
    for content in (svg, plain_svg, b"   \n<SVG viewBox='0 0 1 1'></SVG>"):
        try:
            identify(content, "notes.txt", zip_max_bytes=10**6, zip_max_entries=100)
        except Refused:
            continue
        raise AssertionError(f"an SVG named .txt was accepted: {content[:40]!r}")


def test_identical_edits_are_not_a_conflict(app, client_as):
    """Two people make the same change to a risk: the second save is not a conflict (409) but a no-op save."""
    from tests.test_risks import risk_form

    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        risk = factories.risk(created_by=coordinator, tlp=TLP.AMBER, title="Pump house flooding")
        risk_id = risk.id
        coordinator.get_id()
    import html
    import re

    client = client_as(coordinator)
    page = client.get(f"/risks/{risk_id}/edit").get_data(as_text=True)
    hidden = {name: html.unescape(value) for name, value in
              re.findall(r'<input[^>]*name="(original|version)"[^>]*value="([^"]*)"', page)}
    assert set(hidden) == {"original", "version"}
    edit = risk_form(title="Pump house flooding (north)", **hidden)
    assert client.post(f"/risks/{risk_id}/edit", data=edit).status_code == 302
    second = client.post(f"/risks/{risk_id}/edit", data=edit)  # the same change, from the same stale page
    # A stale page is answered with the merge page, but no field changed the same way on both sides is one
    # "changed on both sides" that the user must choose for.
    answer = second.get_data(as_text=True)
    assert second.status_code == 409
    assert 'data-field="title"' in answer and "Changed on both sides" not in answer


def test_signing_refuses_when_the_stored_bytes_no_longer_match_their_sha256(app):
    """The issued PDF's bytes were changed in the database after issue (its recorded SHA-256 kept): nobody
    signs them, and nothing about the signature request changes."""
    from app.models import Document
    from app.models import SignatureRequest
    from tests import signing_helpers as helpers

    world = helpers.approved_world(app)
    assert helpers.issue(app, world).status_code in (302, 303)
    with app.app_context():
        document = db.session.scalars(sa.select(Document).where(Document.object_id == world.agreement_id,
                                                               Document.kind == "agreement_for_signature")).one()
        db.session.execute(sa.update(Document).where(Document.id == document.id)
                           .values(content=document.content + b"\n% appended after issue\n"))
        db.session.commit()
    helpers.sign(app, world.lead_signer, world.agreement_id)
    with app.app_context():
        statuses = {r.status.value for r in db.session.scalars(sa.select(SignatureRequest).where(
            SignatureRequest.agreement_id == world.agreement_id))}
    assert statuses == {"pending"}, "a signature over bytes that are not the issued ones was recorded"
