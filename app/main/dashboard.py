"""Dashboard figures per role, each computed from the user's visible_* scopes."""
import sqlalchemy as sa

from app import permissions
from app.extensions import db
from app.models import Organization, Role, User


def count(stmt: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0


def dashboard_for(user: User) -> dict:
    context: dict = {"role": user.role}
    if user.role is Role.ADMIN:
        context["organization_count"] = count(permissions.active_organizations(user))
        context["user_count"] = count(permissions.visible_users(user).where(User.active.is_(True)))
        context["inactive_user_count"] = count(permissions.visible_users(user).where(User.active.is_(False)))
        context["recent_organizations"] = db.session.scalars(
            permissions.active_organizations(user).order_by(None).order_by(Organization.created_at.desc()).limit(5)
        ).all()
    return context
