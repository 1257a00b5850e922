"""Use cases of the working groups: create, edit, close/reopen, archive, and manage members.

Every function authorizes first, audits in the same transaction, flushes and never commits.
"""
import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app import records
from app.extensions import db
from app.models import MemberRole
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import WorkingGroupMember
from app.models import WorkingGroupStatus
from app.models import utcnow
from app.notifications.services import notify

KIND = kinds.by_model(WorkingGroup).key  # its audit actions' key (app/kinds.py)


class MembershipError(ValueError):
    """A membership change the group's rules refuse (already a member, holds open tasks…)."""


def person(user: User) -> str:
    org = user.organization.display_name if user.organization else ""
    return f"{user.name} ({org})" if org else user.name


def create_working_group(actor: User, *, name: str, charter: str = "", initiative=None, tlp,
                         recipients: list[User] = ()) -> WorkingGroup:
    """A new active group owned by the actor's organisation, with the actor as its chair."""
    permissions.authorize(permissions.can_create_working_group(actor))
    group = WorkingGroup(
        reference=records.next_reference(WorkingGroup, "WG"),
        name=name, charter=charter or "", initiative=initiative, tlp=tlp,
        owner_organization_id=actor.organization_id, created_by=actor,
        status=WorkingGroupStatus.ACTIVE,
    )
    group.memberships.append(WorkingGroupMember(user=actor, role=MemberRole.CHAIR, joined_at=utcnow()))
    summary = [f"name: {name}", f"TLP: {tlp.label}", f"chair: {actor.name}"]
    if initiative is not None:
        summary.append(f"initiative: {initiative.reference}")
    records.created(actor, group, KIND, summary, recipients)
    return group


def update_working_group(actor: User, group: WorkingGroup, *, expected_version: int | None,
                         recipients: list[User] | None = None, **fields) -> dict:
    permissions.authorize(permissions.can_edit_working_group(actor, group))
    records.check_version(group, expected_version)
    allowed = {"name", "charter", "initiative", "tlp"}
    fields = {k: v for k, v in fields.items() if k in allowed}
    changes = audit.diff(group, fields)
    for key, value in fields.items():
        setattr(group, key, value)
    parts = [audit.summarize(changes)] if changes else []
    if recipients is not None:
        before = sorted(u.id for u in group.recipients)
        if summary := records.set_recipients(group, recipients):
            parts.append(summary)
            changes["recipients"] = (before, sorted(u.id for u in recipients))
    if parts:
        db.session.flush()  # raises StaleDataError if a concurrent writer won the race
        audit.record(actor, f"{KIND}.updated", group, summary="; ".join(parts))
    return changes


def transition_working_group(actor: User, group: WorkingGroup, new_status: WorkingGroupStatus) -> None:
    permissions.authorize(permissions.can_edit_working_group(actor, group))
    records.transition(actor, group, new_status, KIND)


archive_working_group = records.archive_step(KIND, permissions.can_archive)


def open_tasks_of(group: WorkingGroup, user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Task.id)).where(
            Task.working_group_id == group.id, Task.assignee_id == user_id,
            Task.open_condition()))


def add_member(actor: User, group: WorkingGroup, user: User, role: MemberRole) -> WorkingGroupMember:
    """Add a person; their organisation becomes a participant of the group (DESIGN.md)."""
    permissions.authorize(permissions.can_edit_working_group(actor, group))
    if group.membership_of(user.id) is not None:
        raise MembershipError(f"{user.name} is already a member of this group.")
    if not user.active:
        raise MembershipError(f"{user.name}'s account is deactivated.")
    membership = WorkingGroupMember(user=user, role=role, joined_at=utcnow())
    group.memberships.append(membership)
    db.session.flush()
    audit.record(actor, f"{KIND}.member_added", group, summary=f"{person(user)} as {role.label.lower()}")
    notify([user], "membership_added", group, actor=actor)
    return membership


def change_member_role(actor: User, group: WorkingGroup, user_id: int, role: MemberRole) -> None:
    permissions.authorize(permissions.can_edit_working_group(actor, group))
    membership = group.membership_of(user_id)
    if membership is None:
        raise MembershipError("That person is not a member of this group.")
    if membership.role is role:
        return
    old = membership.role
    membership.role = role
    db.session.flush()
    audit.record(actor, f"{KIND}.role_changed", group,
                 summary=f"{person(membership.user)}: {old.label.lower()} → {role.label.lower()}")


def remove_member(actor: User, group: WorkingGroup, user_id: int) -> None:
    """Remove a person, unless they still hold open tasks here (those would lose their assignee)."""
    permissions.authorize(permissions.can_edit_working_group(actor, group))
    membership = group.membership_of(user_id)
    if membership is None:
        raise MembershipError("That person is not a member of this group.")
    open_count = open_tasks_of(group, user_id)
    if open_count:
        noun = "task" if open_count == 1 else "tasks"
        raise MembershipError(f"{membership.user.name} is the assignee of {open_count} open {noun} in this "
                              f"group: reassign their tasks first.")
    who = person(membership.user)
    group.memberships.remove(membership)
    db.session.flush()
    audit.record(actor, f"{KIND}.member_removed", group, summary=who)
