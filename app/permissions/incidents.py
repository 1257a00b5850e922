"""Who may act on an incident report: the operator's people report, the authority's coordinators
answer. Reading follows the TLP rule like every shareable record (participants: reporter and authority)."""
from app.models import IncidentReport
from app.models import IncidentStatus
from app.models import Organization
from app.models import Role
from app.models import User

REPORTING_ROLES = (Role.COORDINATOR, Role.MEMBER)


def can_create_incident_report(user: User) -> bool:
    """Coordinators and members report incidents of their own organisation."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in REPORTING_ROLES


def reports_for(user: User, report: IncidentReport) -> bool:
    """A coordinator or member of the reporting organisation, on a live case."""
    return (user.role in REPORTING_ROLES and user.organization_id == report.owner_organization_id
            and not report.is_archived)


def can_submit_incident_stage(user: User, report: IncidentReport) -> bool:
    return reports_for(user, report) and not report.is_closed


def can_edit_incident_report(user: User, report: IncidentReport) -> bool:
    """The operator's coordinators and members update what they learn while the case is open (not closed,
    not archived); the authority, the TLP and the submitted stages never change this way."""
    return reports_for(user, report) and not report.is_closed


def can_transition_incident_report(user: User, report: IncidentReport, new_status=None) -> bool:
    """The operator contains and resolves its incident; the authority closes the case."""
    if new_status is IncidentStatus.CLOSED:
        return answers_for(user, report)
    return reports_for(user, report) and not report.is_closed


def can_change_incident_report_status(user: User, report: IncidentReport) -> bool:
    """Who may post the status form at all (which step is theirs is can_transition_incident_report): the
    operator and the authority."""
    return can_transition_incident_report(user, report) or answers_for(user, report)


def answers_for(user: User, report: IncidentReport) -> bool:
    """A coordinator of the authority the report is addressed to (acknowledge, request, close, open a risk)."""
    return (user.role is Role.COORDINATOR and user.organization_id == report.authority_organization_id
            and not report.is_archived)


def can_acknowledge_incident_stage(user: User, report: IncidentReport) -> bool:
    return answers_for(user, report)


def can_request_incident_stage(user: User, report: IncidentReport) -> bool:
    return answers_for(user, report) and not report.is_closed


def can_open_risk_from_incident(user: User, report: IncidentReport) -> bool:
    return answers_for(user, report)


def can_archive_incident_report(user: User, report: IncidentReport) -> bool:
    """A coordinator of the reporting organisation, once the authority has closed the case (an open case
    never leaves the authority's queue); the same person restores it."""
    return (user.role is Role.COORDINATOR and user.organization_id == report.owner_organization_id
            and report.is_closed)


def is_authority_coordinator(user: User) -> bool:
    organization: Organization | None = getattr(user, "organization", None)
    return (bool(getattr(user, "is_authenticated", False)) and user.role is Role.COORDINATOR
            and organization is not None and organization.is_authority)
