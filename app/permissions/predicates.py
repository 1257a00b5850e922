"""Who may do what: can_*(user, obj) -> bool, for templates (hide buttons) and for authorize().

Plain functions of (user, object), re-exported by `app.permissions`; what a user may *see* is the
visible_* scopes there.
"""

from app import kinds
from app.models import AdvisoryStatus
from app.models import Agreement
from app.models import AgreementStatus
from app.models import CorrectiveActionStatus
from app.models import IncidentPlan
from app.models import Initiative
from app.models import Mitigation
from app.models import PartyRole
from app.models import PlanStatus
from app.models import Risk
from app.models import Role
from app.models import SignatureMethod
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import WorkingGroupStatus


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role is Role.ADMIN


def can_manage_organizations(user: User) -> bool:
    return is_admin(user)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def participates(user: User, record) -> bool:
    """The user's own organisation takes part in the record (clients do not)."""
    return user.organization_id in record.participating_org_ids()


def _coordinates(user: User, record) -> bool:
    return user.role is Role.COORDINATOR and participates(user, record) and not record.is_archived


def can_create_records(user: User) -> bool:
    return user.is_authenticated and user.role is Role.COORDINATOR


can_create_agreement = can_create_initiative = can_create_working_group = can_create_records
can_create_risk = can_create_incident_plan = can_create_records


def acts_for_agreement(user: User, agreement: Agreement) -> bool:
    """A coordinator of the owner or of a lead or partner party. An observer party's coordinators read
    and comment; they do not write, submit, review, approve, cancel or archive the parties' text."""
    return _coordinates(user, agreement) and _owns_or_signs(user, agreement)


def _owns_or_signs(user: User, agreement: Agreement) -> bool:
    """The user's organisation owns the agreement or is a lead or partner party (not an observer)."""
    return (user.organization_id == agreement.owner_organization_id
            or user.organization_id in _party_org_ids(agreement, PartyRole.LEAD, PartyRole.PARTNER))


def can_edit_agreement(user: User, agreement: Agreement) -> bool:
    return acts_for_agreement(user, agreement) and agreement.is_content_editable


def can_transition_agreement(user: User, agreement: Agreement, new_status=None) -> bool:
    if new_status == AgreementStatus.APPROVED:
        return can_approve_agreement(user, agreement)
    return acts_for_agreement(user, agreement)


def can_archive(user: User, record) -> bool:
    """Archive or restore (so archived records qualify): coordinators of a participating organisation;
    for an agreement, of its owner or a lead or partner party."""
    if isinstance(record, Agreement) and not _owns_or_signs(user, record):  # observers read and comment only
        return False
    return user.role is Role.COORDINATOR and participates(user, record)


def can_edit_initiative(user: User, initiative: Initiative) -> bool:
    return _coordinates(user, initiative)


def can_transition_initiative(user: User, initiative: Initiative, new_status=None) -> bool:
    return _coordinates(user, initiative)


def can_manage_milestones(user: User, initiative: Initiative) -> bool:
    """Milestones are part of the initiative: whoever may edit it may add, edit and complete them."""
    return can_edit_initiative(user, initiative)


def can_edit_working_group(user: User, group: WorkingGroup) -> bool:
    return _coordinates(user, group)


def can_add_task(user: User, group: WorkingGroup) -> bool:
    """Coordinators of the group add tasks while it is active (a closed group takes no new work)."""
    return can_edit_working_group(user, group) and group.status is WorkingGroupStatus.ACTIVE


def can_edit_task(user: User, task: Task) -> bool:
    return _coordinates(user, task.working_group) and not task.is_archived


def can_work_on(user: User, record) -> bool:
    """A task or a mitigation (a kind with a parent and an assignee): coordinators of its parent's
    participating organisations, or its assignee (a member updating their own work); neither it nor
    its parent archived."""
    kind = kinds.kind_of(record)
    parent = kind.parent_of(record)
    if record.is_archived or parent.is_archived:
        return False
    return _coordinates(user, parent) or (getattr(record, kind.assignee) == user.id
                                          and user.role is not Role.EXECUTIVE)


def can_update_task_status(user: User, task: Task) -> bool:
    """Coordinators of the group, or the assignee (a member updating their own task)."""
    return can_work_on(user, task)


def can_edit_risk(user: User, risk: Risk) -> bool:
    return _coordinates(user, risk)


def can_edit_mitigation(user: User, mitigation: Mitigation) -> bool:
    return _coordinates(user, mitigation.risk) and not mitigation.is_archived


def can_update_mitigation_status(user: User, mitigation: Mitigation) -> bool:
    """Coordinators of the risk, or the mitigation's assignee."""
    return can_work_on(user, mitigation)


def can_archive_mitigation(user: User, mitigation: Mitigation) -> bool:
    """Archive or restore a mitigation: coordinators of its (unarchived) risk."""
    return _coordinates(user, mitigation.risk)


def can_edit_incident_plan(user: User, plan: IncidentPlan) -> bool:
    return _coordinates(user, plan) and not plan.is_read_only


def can_transition_incident_plan(user: User, plan: IncidentPlan, new_status=None) -> bool:
    if new_status == PlanStatus.APPROVED:
        return can_approve_incident_plan(user, plan)
    return _coordinates(user, plan)


def can_approve_incident_plan(user: User, plan: IncidentPlan) -> bool:
    """Four eyes: a coordinator of a participating organisation other than the version's author
    and other than whoever submitted it for review."""
    return _coordinates(user, plan) and plan.created_by_id != user.id and review_submitter_id(plan) != user.id


def can_revise_incident_plan(user: User, plan: IncidentPlan) -> bool:
    return _coordinates(user, plan) and plan.is_revisable


def _party_org_ids(agreement: Agreement, *roles: PartyRole) -> set[int]:
    return {p.organization_id for p in agreement.parties if p.party_role in roles}


def can_manage_signatures(user: User, agreement: Agreement) -> bool:
    """Issue for signature: coordinators of a signing party (lead or partner). Observers never act on
    signatures, nor does an owner organisation that is not a signing party."""
    return _coordinates(user, agreement) and user.organization_id in _party_org_ids(
        agreement, PartyRole.LEAD, PartyRole.PARTNER)


def can_record_paper(user: User, agreement: Agreement, request=None) -> bool:
    """Record a party's paper countersignature (`request`): a coordinator of that party, or a coordinator of
    the lead party when the party has no active user in Palisade (nobody of its own could record it).
    Without a request: whether the user could record one on this agreement at all."""
    if not _coordinates(user, agreement):
        return False
    if request is None:
        return True
    if request.agreement_id != agreement.id or request.method is not SignatureMethod.PAPER:
        return False
    if user.organization_id == request.organization_id:
        return True
    return user.organization_id in _party_org_ids(agreement, PartyRole.LEAD) and not request.organization.has_active_users


def can_sign(user: User, request) -> bool:
    """Only the named signatory (pending, whose turn: rules of signing, refused there with a message)."""
    return user.is_authenticated and request.signatory_id == user.id and request.method is SignatureMethod.ELECTRONIC


def can_download_reports(user: User) -> bool:
    return user.is_authenticated


# --- Comments and review (issue 10) ----------------------------------------------------------

def can_comment(user: User, obj) -> bool:
    """Comment on a record the user may read (callers load it through its visible_* scope).

    Coordinators may comment on anything they can read (they coordinate across organisations);
    members and executives when their own organisation takes part in the record (for a task: its
    working group), which is how members report progress. Admins run the platform and do not take
    part in the partnership's work. Archived records take no comments."""
    kind = kinds.find(obj)
    if not (user.is_authenticated and user.is_active) or kind is None or not kind.comments:
        return False
    record = kind.parent_of(obj)
    if obj.is_archived or record.is_archived:
        return False
    if user.role is Role.COORDINATOR:
        return True
    if user.role in (Role.MEMBER, Role.EXECUTIVE):
        return participates(user, record)
    return False


def review_submitter_id(record) -> int | None:
    """Who submitted the record's current version for review (its open review round); for a record
    put in review before rounds were recorded, its creator."""
    from app.models import ReviewOutcome

    open_round = next((r for r in record.review_rounds if r.outcome is ReviewOutcome.OPEN), None)
    return open_round.submitted_by_id if open_round is not None else record.created_by_id


def can_approve_agreement(user: User, agreement: Agreement) -> bool:
    """Four eyes, as for plans: a coordinator of a participating organisation other than whoever
    submitted this version for review. (Outside review the lifecycle itself refuses approval.)"""
    if not acts_for_agreement(user, agreement):
        return False
    return agreement.status is not AgreementStatus.IN_REVIEW or review_submitter_id(agreement) != user.id


def can_read_red(user: User, record) -> bool:
    """TLP:RED: the named recipients and the creator only (for pickers over people, not the viewer)."""
    return record.created_by_id == user.id or any(u.id == user.id for u in record.recipients)


def can_add_attachment(user: User, record) -> bool:
    """Upload files to a record (and archive or restore its files): whoever may edit the record, and
    the assignee of a task or mitigation, the members who write an incident report. A signed agreement or an approved plan still takes files
    (the countersigned scan, an annex) from the coordinators of a participating organisation:
    filing evidence does not change the signed content."""
    if not getattr(user, "is_authenticated", False):
        return False
    kind = kinds.find(record)
    if kind is None or not kind.attachments:
        return False
    if kind.key == "corrective_action":  # evidence: the people who carry the action out
        from app.permissions.exercises import works_on_corrective_action

        return works_on_corrective_action(user, record) and record.status is not CorrectiveActionStatus.VERIFIED
    if kind.key == "advisory":  # its authors' coordinators, on the draft: a released advisory never changes
        from app.permissions.advisories import authors_for

        return authors_for(user, record) and record.status is AdvisoryStatus.DRAFT and not record.is_archived
    if kind.key == "incident_report":  # evidence: also the operator's members who write the report
        from app.permissions.incidents import can_edit_incident_report

        return can_edit_incident_report(user, record) or _coordinates(user, record)
    return _coordinates(user, record) if kind.shareable else can_work_on(user, record)
