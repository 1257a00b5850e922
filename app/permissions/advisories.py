"""Who may act on an advisory. Only a coordinator of an authoring organisation edits, submits, approves,
withdraws or updates it; a recipient organisation's coordinator acknowledges it and turns it into action.
Reading follows the TLP rule (participants: authors and recipients) once it is released; a draft is read by
its authors only. The scopes are in app/permissions/__init__.py (visible_advisories)."""
from app.models import Advisory
from app.models import AdvisoryStatus
from app.models import Role
from app.models import User


def _coordinator(user: User) -> bool:
    return (bool(getattr(user, "is_authenticated", False)) and getattr(user, "is_active", False)
            and user.role is Role.COORDINATOR)


def can_create_advisory(user: User) -> bool:
    return _coordinator(user)


def authors_for(user: User, advisory: Advisory) -> bool:
    """A coordinator of one of the authoring organisations."""
    return _coordinator(user) and user.organization_id in advisory.author_org_ids


def can_edit_advisory(user: User, advisory: Advisory) -> bool:
    return authors_for(user, advisory) and advisory.is_editable


def can_submit_advisory(user: User, advisory: Advisory) -> bool:
    return authors_for(user, advisory) and advisory.status is AdvisoryStatus.DRAFT


def can_approve_advisory(user: User, advisory: Advisory) -> bool:
    """Four eyes within each organisation: not the person who last edited the text, and once per author."""
    if not authors_for(user, advisory) or advisory.status is not AdvisoryStatus.IN_REVIEW:
        return False
    author = next((a for a in advisory.authors if a.organization_id == user.organization_id), None)
    return author is not None and not author.is_approved and advisory.last_edited_by_id != user.id


def can_withdraw_advisory(user: User, advisory: Advisory) -> bool:
    return authors_for(user, advisory) and advisory.status is AdvisoryStatus.RELEASED


def can_update_advisory(user: User, advisory: Advisory) -> bool:
    """Start the update that will supersede a released advisory."""
    return (authors_for(user, advisory) and advisory.status is AdvisoryStatus.RELEASED
            and not any(u.status is not AdvisoryStatus.WITHDRAWN for u in advisory.superseded_by))


def receives(user: User, advisory: Advisory) -> bool:
    """A coordinator of a recipient organisation, on a released (live) advisory."""
    return (_coordinator(user) and advisory.status is AdvisoryStatus.RELEASED
            and user.organization_id in advisory.recipient_org_ids)


def can_acknowledge_advisory(user: User, advisory: Advisory) -> bool:
    return receives(user, advisory)


def can_act_on_advisory(user: User, advisory: Advisory) -> bool:
    return receives(user, advisory)
