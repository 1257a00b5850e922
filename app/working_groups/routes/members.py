"""Members of a working group, managed from its detail page: add, change role, remove (POST only)."""
from flask import abort
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import lifecycle
from app import permissions
from app.extensions import db
from app.models import MemberRole
from app.models import User
from app.working_groups import bp
from app.working_groups import services
from app.working_groups.forms import AddMemberForm
from app.working_groups.routes import get_visible_working_group
from app.working_groups.routes.groups import candidate_members
from app.working_groups.routes.groups import render_detail


def _anchor(working_group_id: int) -> str:
    return url_for(".detail", working_group_id=working_group_id, _anchor="members")


def _back(working_group_id: int):
    return redirect(_anchor(working_group_id))


@bp.post("/<int:working_group_id>/members")
def add_member(working_group_id: int):
    group = get_visible_working_group(working_group_id)
    permissions.authorize(permissions.can_edit_working_group(current_user, group))
    form = AddMemberForm(users=candidate_members(group))
    if not form.validate_on_submit():
        return render_detail(group, member_form=form, status=400)
    user = db.first_or_404(permissions.visible_users(current_user).where(User.id == form.user_id.data))
    was_participant = user.organization_id in group.participating_org_ids()
    try:
        services.add_member(current_user, group, user, form.role.data)
        db.session.flush()
    except services.MembershipError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    except IntegrityError:
        # Two coordinators added the same person at the same moment: the first one won.
        db.session.rollback()
        flash(f"{user.name} is already a member of this group.", "warning")
    else:
        note = ""
        if not was_participant:
            note = f" {user.organization.display_name} now takes part in this group."
        flash(f"{user.name} added as {form.role.data.label.lower()}.{note}", "success")
    return _back(working_group_id)


@bp.post("/<int:working_group_id>/members/<int:user_id>/role")
def change_member_role(working_group_id: int, user_id: int):
    group = get_visible_working_group(working_group_id)
    permissions.authorize(permissions.can_edit_working_group(current_user, group))
    try:
        role = MemberRole(request.form.get("role", ""))
    except ValueError:
        abort(400)
    return lifecycle.act(group, lambda: services.change_member_role(current_user, group, user_id, role),
                         back=_anchor(working_group_id), refused=(services.MembershipError,),
                         done=f"Role changed to {role.label.lower()}.")


@bp.post("/<int:working_group_id>/members/<int:user_id>/remove")
def remove_member(working_group_id: int, user_id: int):
    group = get_visible_working_group(working_group_id)
    permissions.authorize(permissions.can_edit_working_group(current_user, group))
    return lifecycle.act(group, lambda: services.remove_member(current_user, group, user_id),
                         back=_anchor(working_group_id), refused=(services.MembershipError,),
                         done="Member removed.")
