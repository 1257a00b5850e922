"""Trying the day's changes as a person and as an insider: what a failed step leaves behind now that the request
edge commits, who may verify, close and file, and the navigation bar's kept counts after changes of scope."""
import re

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from app.extensions import db
from app.models import TLP
from app.models import AdvisoryStatus
from app.models import AuditEvent
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import IncidentReport
from app.models import IncidentStatus
from app.models import NotificationKind
from app.models import Role
from app.models import User
from app.notifications.services import notify
from tests import api_helpers
from tests import exercise_world as ew
from tests import factories
from tests import incident_world
from tests import signing_helpers
from tests.security_world import login

START = "2031-03-04 10:00:00"


def _actions(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


# --- what a refused step leaves behind -------------------------------------------------------------------------

def test_a_failed_sign_in_is_recorded_and_counts_towards_the_throttle(app):
    with app.app_context():
        factories.user(email="wrong@example.org")
    limit = app.config["LOGIN_FAILURE_LIMIT"]
    with freeze_time(START):
        client = app.test_client()
        for attempt in range(1, limit + 1):
            page = client.post("/auth/login", data={"email": "wrong@example.org", "password": "not it at all"})
            assert page.status_code == 200 and "Incorrect email or password." in page.get_data(as_text=True)
            assert _actions(app, "auth.login_failed") == attempt
        refused = client.post("/auth/login", data={"email": "wrong@example.org", "password": factories.PASSWORD})
        assert refused.status_code == 429  # the count held: even the right password is held off now
        assert _actions(app, "auth.login_failed") == limit


def test_a_wrong_signing_password_is_recorded_and_nothing_is_signed(app):
    world = signing_helpers.approved_world(app)
    assert signing_helpers.issue(app, world).status_code == 302
    before = signing_helpers.state(app, world.agreement_id)
    refused = signing_helpers.sign(app, world.lead_signer, world.agreement_id, password="not my password")
    assert refused.status_code == 400 and "nothing was signed" in refused.get_data(as_text=True)
    assert _actions(app, "signature.password_failed") == 1
    assert signing_helpers.state(app, world.agreement_id)[:2] == before[:2]
    assert _actions(app, "signature.signed") == 0
    signed = signing_helpers.sign(app, world.lead_signer, world.agreement_id)
    assert signed.status_code == 302
    assert _actions(app, "signature.signed") == 1  # kept: the edge committed the success


# --- corrective actions: four eyes, on the page and through the API ---------------------------------------------

def _completed_by(app, world, who: str) -> int:
    with app.app_context():
        action = db.session.get(CorrectiveAction, world.ids["corrective_action_id"])
        action.status = CorrectiveActionStatus.COMPLETED
        action.completed_by_id = db.session.scalar(sa.select(User.id).where(User.email == world.emails[who]))
        db.session.commit()
        return action.version_id if hasattr(action, "version_id") else action.version


def _action_status(app, world) -> CorrectiveActionStatus:
    with app.app_context():
        return db.session.get(CorrectiveAction, world.ids["corrective_action_id"]).status


@pytest.mark.parametrize("through", ["page", "api"])
def test_whoever_completed_a_corrective_action_never_verifies_it(app, through):
    world = ew.build(app)
    version = _completed_by(app, world, "lead_coordinator")
    action_id = world.ids["corrective_action_id"]

    def verify(who):
        if through == "page":
            return ew.client(app, world, who).post(f"/corrective-actions/{action_id}/status",
                                                   data={"new_status": "verified", "version": version})
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == world.emails[who]))
            headers = api_helpers.bearer(api_helpers.token_for(user))
        return app.test_client().post(f"/api/v1/corrective-actions/{action_id}/transitions",
                                      json={"status": "verified"}, headers=headers)

    refused = verify("lead_coordinator")
    assert refused.status_code in (400, 403), refused.status_code
    assert _action_status(app, world) is CorrectiveActionStatus.COMPLETED
    for who in ("partner_coordinator", "lead_member", "lead_executive", "observer", "player", "controller",
                "third_coordinator", "admin"):
        assert verify(who).status_code in (403, 404), who
        assert _action_status(app, world) is CorrectiveActionStatus.COMPLETED, who
    assert verify("lead_coordinator_2").status_code in (200, 302, 303)
    assert _action_status(app, world) is CorrectiveActionStatus.VERIFIED


# --- an incident report: only the authority's coordinators close the case ---------------------------------------

@pytest.mark.parametrize("through", ["page", "api"])
def test_only_the_authoritys_coordinator_closes_an_incident_report(app, through):
    world = incident_world.build(app, status=IncidentStatus.RESOLVED)

    def close(who):
        if through == "page":
            with app.app_context():
                version = db.session.get(IncidentReport, world.report_id).version
            return incident_world.client(app, world, who).post(
                f"/incidents/{world.report_id}/status", data={"new_status": "closed", "version": version})
        with app.app_context():
            headers = api_helpers.bearer(api_helpers.token_for(incident_world.person(world, who)))
        return app.test_client().post(f"/api/v1/incidents/{world.report_id}/transitions",
                                      json={"status": "closed"}, headers=headers)

    def status():
        with app.app_context():
            return db.session.get(IncidentReport, world.report_id).status

    for who in ("operator_coordinator", "operator_member", "authority_member", "third_coordinator",
                "operator_executive", "client_member", "admin"):
        answer = close(who)
        assert answer.status_code in (403, 404), (who, answer.status_code)
        assert status() is IncidentStatus.RESOLVED, who
    assert close("authority_coordinator").status_code in (200, 302, 303)
    assert status() is IncidentStatus.CLOSED


# --- the navigation bar's kept counts after changes of scope ------------------------------------------------------

def _badges(client, path: str = "/agreements/") -> tuple[int, int]:
    html = client.get(path).get_data(as_text=True)
    bell = int(re.search(r'aria-label="Notifications, (\d+) unread"', html).group(1))
    shared = re.search(r'shared-count">(\d+)<', html)
    return bell, int(shared.group(1)) if shared else 0


def _shared_world():
    """A reader in one organisation with one unread notification and one released advisory sent to it; a
    second organisation that was sent nothing."""
    home, elsewhere, partner = factories.organization(), factories.organization(), factories.organization()
    reader = factories.user(organization=home, email="reader@example.org")
    other = factories.user(organization=elsewhere, email="other@example.org")
    author = factories.user(role=Role.COORDINATOR, organization=partner)
    advisory = factories.advisory(created_by=author, owner_organization=partner, recipients=[home], tlp=TLP.AMBER,
                                  status=AdvisoryStatus.RELEASED)
    agreement = factories.agreement(created_by=author, tlp=TLP.GREEN)
    notify([reader], NotificationKind.REVIEW_REQUESTED, agreement, actor=author)
    db.session.commit()
    return reader, other, elsewhere, advisory


def _move(app, email: str, **changes) -> None:
    """An admin's change to a person's account (organisation, role), committed by someone else's request."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        for name, value in changes.items():
            setattr(user, name, value)
        db.session.commit()


def test_a_person_moved_to_another_organisation_sees_its_counts_at_once(kept_app):
    with freeze_time(START), kept_app.app_context():
        reader, other, elsewhere, _ = _shared_world()
        client, elsewhere_id = kept_app.test_client(user=reader), elsewhere.id
        other_client = kept_app.test_client(user=other)
    with freeze_time(START):
        assert _badges(client) == (1, 1)
        assert _badges(other_client) == (0, 0)
        _move(kept_app, "reader@example.org", organization_id=elsewhere_id)
        assert _badges(client)[1] == 0  # no advisory of the old organisation's is counted any more
        assert _badges(other_client) == (0, 0)


def test_the_same_browser_signed_in_as_people_of_two_organisations_never_mixes_their_counts(kept_app):
    with freeze_time(START), kept_app.app_context():
        _shared_world()
    with freeze_time(START):
        browser = kept_app.test_client()
        for email, expected in [("reader@example.org", (1, 1)), ("other@example.org", (0, 0)),
                                ("reader@example.org", (1, 1)), ("other@example.org", (0, 0))]:
            login(browser, email)
            assert _badges(browser) == expected, email
            assert _badges(browser, "/risks/") == expected, email
            browser.post("/auth/logout")


def test_opening_the_notification_from_the_bell_shows_at_once(kept_app):
    with freeze_time(START), kept_app.app_context():
        reader, _, _, _ = _shared_world()
        client = kept_app.test_client(user=reader)
        from app.models import Notification

        notification_id = db.session.scalar(sa.select(Notification.id))
    with freeze_time(START):
        assert _badges(client) == (1, 1)
        assert client.post(f"/notifications/{notification_id}/open").status_code in (302, 303)
        assert _badges(client)[0] == 0


def test_a_refused_change_keeps_the_kept_counts(kept_app):
    with freeze_time(START), kept_app.app_context():
        reader, _, _, _ = _shared_world()
        client = kept_app.test_client(user=reader)
    with freeze_time(START):
        assert _badges(client) == (1, 1)
        assert client.post("/notifications/999999/read").status_code == 404
        assert _badges(client) == (1, 1)


# --- a record's starting values: the same as the constructors the DEFAULTS mapping replaced ----------------------

def test_every_kind_starts_with_the_values_its_constructor_gave(app):
    from app import models as m

    expected = {
        m.Agreement: {"status": m.AgreementStatus.DRAFT, "tlp": TLP.AMBER},
        m.Initiative: {"status": m.InitiativeStatus.PROPOSED, "health": m.Health.GREEN, "tlp": TLP.AMBER},
        m.WorkingGroup: {"status": m.WorkingGroupStatus.ACTIVE, "tlp": TLP.AMBER},
        m.Task: {"status": m.TaskStatus.TO_DO, "priority": m.TaskPriority.MEDIUM},
        m.Risk: {"status": m.RiskStatus.OPEN, "treatment": m.Treatment.MITIGATE, "tlp": TLP.AMBER},
        m.Mitigation: {"status": m.MitigationStatus.PLANNED, "effectiveness": 0},
        m.IncidentPlan: {"status": m.PlanStatus.DRAFT, "tlp": TLP.AMBER, "version_label": "1.0"},
        m.IncidentReport: {"status": IncidentStatus.OPEN, "tlp": TLP.AMBER_STRICT,
                           "geographic_spread": m.GeographicSpread.LOCAL, "suspected_cause": m.SuspectedCause.UNKNOWN,
                           "significance": m.Significance.UNKNOWN},
        m.Advisory: {"status": AdvisoryStatus.DRAFT, "tlp": TLP.AMBER, "severity": m.Severity.MEDIUM,
                     "kind": m.AdvisoryKind.THREAT_ALERT},
        m.Exercise: {"status": m.ExerciseStatus.PLANNING, "tlp": TLP.AMBER},
        CorrectiveAction: {"status": CorrectiveActionStatus.OPEN},
    }
    with app.app_context():
        for model, values in expected.items():
            built = model()
            assert {name: getattr(built, name) for name in values} == values, model.__name__
            given = model(status=values["status"], tlp=TLP.RED) if "tlp" in values else None
            if given is not None:
                assert given.tlp is TLP.RED, model.__name__  # what the caller gives wins


# --- an advisory takes files only as a draft, only from its authors' coordinators, on the page and the API -------

def test_an_advisory_takes_files_only_as_a_draft_from_its_authors_coordinators(app):
    import io

    from app.advisories import services as advisory_services
    from app.models import Attachment
    from tests import advisory_world as aw

    world = aw.build(app)
    with app.app_context():
        advisory_id = aw.draft(world).id

    def upload(who, name, through):
        data = {"files": [(io.BytesIO(b"indicators\n"), name, "text/plain")]}
        if through == "page":
            return aw.client(app, world, who).post(f"/attachments/advisories/{advisory_id}/", data=data,
                                                   content_type="multipart/form-data")
        with app.app_context():
            headers = api_helpers.bearer(api_helpers.token_for(aw.person(world, who)))
        return app.test_client().post(f"/api/v1/advisories/{advisory_id}/attachments/", data=data, headers=headers,
                                      content_type="multipart/form-data")

    def files():
        with app.app_context():
            return set(db.session.scalars(sa.select(Attachment.filename).where(
                Attachment.object_type == "advisories", Attachment.object_id == advisory_id)))

    for through in ("page", "api"):
        for who in ("gov_member", "op_member", "recipient_coordinator", "third_coordinator", "admin"):
            assert upload(who, f"{who}-{through}.txt", through).status_code in (403, 404), (who, through)
        assert upload("op_coordinator", f"draft-{through}.txt", through).status_code in (201, 302, 303), through
    assert files() == {"draft-page.txt", "draft-api.txt"}
    with app.app_context():
        advisory_services.submit_for_review(aw.person(world, "gov_coordinator"),
                                            db.session.get(aw.Advisory, advisory_id))
        db.session.commit()
    for through in ("page", "api"):
        for who in ("gov_coordinator", "op_coordinator"):
            assert upload(who, f"review-{who}-{through}.txt", through).status_code == 403, (who, through)
    assert files() == {"draft-page.txt", "draft-api.txt"}  # nothing added once it left the draft


def _inbox(client, path: str = "/agreements/") -> int:
    html = client.get(path).get_data(as_text=True)
    return int(re.search(r'inbox-count">(\d+)<', html).group(1))


def test_starting_and_finishing_ones_own_task_shows_in_the_kept_inbox_badge_at_once(kept_app):
    from app.models import Task
    from app.models import TaskStatus

    with freeze_time(START), kept_app.app_context():
        reader, _, _, _ = _shared_world()
        coordinator = factories.user(role=Role.COORDINATOR, organization=reader.organization)
        group = factories.working_group(created_by=coordinator, members=[reader, coordinator], tlp=TLP.GREEN)
        task = factories.task(working_group=group, assignee_id=reader.id, created_by=coordinator)
        db.session.commit()
        client, task_id = kept_app.test_client(user=reader), task.id

    def version():
        with kept_app.app_context():
            return db.session.get(Task, task_id).version

    with freeze_time(START):
        initial = _inbox(client)
        assert initial == _inbox(client, "/inbox/") >= 1  # the newly assigned task waits for the reader
        for target in (TaskStatus.IN_PROGRESS, TaskStatus.DONE):
            answer = client.post(f"/tasks/{task_id}/status", data={"new_status": target.value, "version": version()})
            assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:300]
            assert _inbox(client) == _inbox(client, "/inbox/"), target  # the kept badge agrees with a fresh count
        assert _inbox(client) == initial - 1  # the task done no longer waits for the reader


def test_reading_ones_notifications_through_the_api_shows_on_the_next_page_of_ones_browser(kept_app):
    with freeze_time(START), kept_app.app_context():
        reader, _, _, _ = _shared_world()
        browser = kept_app.test_client(user=reader)
        headers = api_helpers.bearer(api_helpers.token_for(reader))
    with freeze_time(START):
        assert _badges(browser)[0] == 1
        assert kept_app.test_client().post("/api/v1/notifications/read-all", headers=headers).status_code == 200
        assert _badges(browser)[0] == 0  # in this process: the API write dropped the user's kept counts
