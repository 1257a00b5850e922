"""Each notification kind of this feature is produced by its service, in the same transaction."""
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import MemberRole
from app.models import Notification
from app.models import NotificationKind
from app.models import OutboxEmail
from app.models import Role
from app.risks import services as risk_services
from app.tasks import services as task_services
from app.working_groups import services as group_services
from tests import factories


def _notes(user):
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def _people():
    org = factories.organization()
    coordinator = factories.user(role=Role.COORDINATOR, organization=org)
    alice = factories.user(organization=org, email="alice@example.org")
    bob = factories.user(organization=factories.organization(), email="bob@example.org")  # another organisation
    return coordinator, alice, bob


def test_task_assignment_and_reassignment_notify_the_assignee(app):
    with app.app_context():
        coordinator, alice, bob = _people()
        group = factories.working_group(created_by=coordinator, members=[coordinator, alice, bob], tlp=TLP.AMBER)
        task = task_services.create_task(coordinator, group, title="Patch the SCADA gateway", assignee=alice)
        db.session.commit()
        (note,) = _notes(alice)
        assert (note.kind, note.object_type, note.object_id, note.actor_id) == (
            NotificationKind.ASSIGNMENT, "tasks", task.id, coordinator.id)
        assert "Patch the SCADA gateway" not in note.summary
        assert _notes(coordinator) == []  # never the actor

        task_services.update_task(coordinator, task, expected_version=task.version, title="Renamed")
        db.session.commit()
        assert len(_notes(alice)) == 1  # no new assignment
        task_services.update_task(coordinator, task, expected_version=task.version, assignee=bob)
        db.session.commit()
        (note,) = _notes(bob)  # a member of another organisation is told too
        assert note.kind is NotificationKind.ASSIGNMENT and note.object_id == task.id
        mails = db.session.scalars(sa.select(OutboxEmail.recipient).order_by(OutboxEmail.id)).all()
        assert mails == ["alice@example.org", "bob@example.org"]


def test_rolled_back_change_leaves_no_notification(app):
    with app.app_context():
        coordinator, alice, _ = _people()
        group = factories.working_group(created_by=coordinator, members=[coordinator, alice])
        task_services.create_task(coordinator, group, title="Not kept", assignee=alice)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


def test_mitigation_assignment_notifies_the_assigned_person(app):
    with app.app_context():
        coordinator, alice, bob = _people()
        risk = factories.risk(created_by=coordinator, tlp=TLP.AMBER_STRICT)
        mitigation = risk_services.create_mitigation(
            coordinator, risk, title="Segment the OT network", assigned_organization_id=alice.organization_id,
            assigned_user_id=alice.id)
        db.session.commit()
        (note,) = _notes(alice)
        assert (note.kind, note.object_type, note.object_id) == (NotificationKind.ASSIGNMENT, "mitigations",
                                                                  mitigation.id)
        risk_services.update_mitigation(coordinator, mitigation, expected_version=mitigation.version,
                                        assigned_organization_id=bob.organization_id, assigned_user_id=bob.id)
        db.session.commit()
        (note,) = _notes(bob)  # bob's organisation now takes part, so bob can read the risk
        assert note.object_type == "mitigations" and note.object_id == mitigation.id


def test_membership_added_notifies_the_new_member(app):
    with app.app_context():
        coordinator, alice, _ = _people()
        group = factories.working_group(created_by=coordinator, members=[coordinator], tlp=TLP.GREEN)
        group_services.add_member(coordinator, group, alice, MemberRole.OBSERVER)
        db.session.commit()
        (note,) = _notes(alice)
        assert (note.kind, note.object_type, note.object_id) == (NotificationKind.MEMBERSHIP_ADDED,
                                                                  "working_groups", group.id)
        mail = db.session.scalars(sa.select(OutboxEmail)).one()
        assert group.name in mail.body  # TLP:GREEN: the group may be named
