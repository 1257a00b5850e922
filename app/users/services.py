"""User administration use cases: create, update, activate and deactivate accounts.

Passwords and sessions are app/auth/accounts.py's (set_password, end_sessions), shared with self-service."""
import secrets

from app import audit
from app import permissions
from app import records
from app.auth import passwords
from app.auth.accounts import UserError
from app.auth.accounts import check_password_rules
from app.auth.accounts import email_taken
from app.extensions import db
from app.models import Organization
from app.models import Role
from app.models import User
from app.models import normalize_email
from app.models import utcnow


def create_user(actor: User | None, *, email: str, name: str, organization: Organization, role: Role,
                password: str | None = None, title: str = "", phone: str = "", active: bool = True) -> User:
    """Create an account. `actor` None means the command line (trusted operator).

    Without a password the account cannot sign in until its owner sets one through the invitation
    link (app/auth/links.py); the stored hash is of a random secret nobody knows.
    """
    if actor is not None:
        permissions.authorize(permissions.can_manage_users(actor))
    email = normalize_email(email)
    if email_taken(email):
        raise UserError("A user with this email already exists.", field="email")
    if password is not None:
        check_password_rules(password, email, name)
    user = User(email=email, name=name, organization=organization, role=Role(role), title=title or "",
                phone=phone or "", active=active,
                password_hash=passwords.hash_password(password if password is not None else secrets.token_urlsafe(32)),
                password_changed_at=utcnow() if password is not None else None)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", user, summary=f"email: {email}; role: {user.role.value}; "
                                                      f"organization: {organization.name}")
    return user


def update_user(actor: User, user: User, *, expected_version: int | None = None, **fields) -> User:
    permissions.authorize(permissions.can_manage_users(actor))
    if "email" in fields:
        fields["email"] = normalize_email(fields["email"])
        if email_taken(fields["email"], except_id=user.id):
            raise UserError("A user with this email already exists.", field="email")
    if user.id == actor.id and fields.get("role", user.role) is not Role.ADMIN:
        raise UserError("You cannot remove your own administrator role.", field="role")
    if user.id == actor.id and fields.get("active", True) is False:
        raise UserError("You cannot deactivate your own account.", field="active")
    old_role, old_org, was_active = user.role, user.organization_id, user.active
    changes = records.apply_changes(actor, user, fields, expected_version=expected_version, action="user.updated")
    if user.role is not old_role:
        audit.record(actor, "user.role_changed", user, summary=f"role: {old_role.value} → {user.role.value}")
    if user.organization_id != old_org:
        audit.record(actor, "user.organization_changed", user,
                     summary=f"organization_id: {old_org} → {user.organization_id}")
    if was_active and not user.active:
        user.rotate_session_token()
        audit.record(actor, "user.deactivated", user)
    elif "email" in changes or user.role is not old_role or user.organization_id != old_org:
        user.rotate_session_token()  # what they may see changed: start from a fresh session
    return user


def set_active(actor: User, user: User, active: bool) -> None:
    permissions.authorize(permissions.can_manage_users(actor))
    if user.id == actor.id and not active:
        raise UserError("You cannot deactivate your own account.")
    if user.active == active:
        return
    user.active = active
    if not active:
        user.rotate_session_token()  # ends every session at once
    audit.record(actor, "user.activated" if active else "user.deactivated", user)
