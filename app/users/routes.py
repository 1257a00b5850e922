"""User administration (admins only): list, create, edit, deactivate, end sessions, set password."""
from collections.abc import Callable
from functools import partial

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import listing
from app import permissions
from app import records
from app.auth import accounts
from app.auth import links
from app.auth import two_factor
from app.decorators import fresh_login_required
from app.extensions import db
from app.models import Organization
from app.models import Role
from app.models import User
from app.organizations import services as organization_services
from app.users import bp
from app.users import queries
from app.users import services
from app.users.forms import NewUserForm
from app.users.forms import SetPasswordForm
from app.users.forms import UserForm


@bp.before_request
def admins_only():
    permissions.authorize(permissions.can_manage_users(current_user))


def get_visible_user(user_id: int) -> User:
    return db.first_or_404(permissions.visible_users(current_user).where(User.id == user_id))


@bp.get("/")
def index():
    return listing.list_page(queries.list_statement(current_user, request.args), queries.CSV_COLUMNS, "users.csv",
                             "users/index.html", roles=list(Role), page_context=lambda page: {
                                 "organizations": organization_services.organization_choices(current_user)})


@bp.route("/new", methods=["GET", "POST"])
@fresh_login_required
def create():
    form = NewUserForm(organizations=organization_services.organization_choices(current_user))
    if form.validate_on_submit():
        org = db.first_or_404(permissions.visible_organizations(current_user)
                              .where(Organization.id == form.organization_id.data))
        try:
            user = services.create_user(current_user, email=form.email.data, name=form.name.data,
                                        organization=org, role=form.role.data,
                                        title=form.title.data, phone=form.phone.data, active=form.active.data)
        except services.UserError as exc:
            db.session.rollback()
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            if user.active:
                links.send_invitation(current_user, user)
            return _on_user_page(user, f"User {user.email} created." + (
                " An invitation to choose a password was e-mailed to them." if user.active else ""))
    return render_template("users/form.html", form=form, user=None)


@bp.get("/<int:user_id>")
def detail(user_id: int):
    user = get_visible_user(user_id)
    return _detail_page(user, SetPasswordForm(version=user.version))


def _detail_page(user: User, password_form: SetPasswordForm):
    return render_template("users/detail.html", user=user, events=records.history(user), password_form=password_form)


def _on_user_page(user: User, message: str):
    """The end of an admin's change to a user: said on the user's page."""
    return lifecycle.saved(message, url_for(".detail", user_id=user.id))


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@fresh_login_required
def edit(user_id: int):
    user = get_visible_user(user_id)
    form = UserForm(obj=user,
                    organizations=organization_services.organization_choices(current_user, user.organization))
    if form.validate_on_submit():
        try:
            with lifecycle.saving(user, form, url_for(".edit", user_id=user_id)) as saved:
                services.update_user(current_user, user, expected_version=form.expected_version(),
                                     **form.model_data())
        except services.UserError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            return lifecycle.saved_or_unchanged(saved.changed, "User saved.")
    return render_template("users/form.html", form=form, user=user)


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/activate")
def activate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = get_visible_user(user_id)
    return _act(user, partial(services.set_active, active=active),
                f"{user.name} is now {'active' if active else 'deactivated; their sessions have ended'}.")


@bp.post("/<int:user_id>/end-sessions")
def end_sessions(user_id: int):
    user = get_visible_user(user_id)
    return _act(user, accounts.end_sessions, f"Every session of {user.name} has ended.")


@bp.post("/<int:user_id>/two-factor/reset")
@fresh_login_required
def reset_two_factor(user_id: int):
    """Lost authenticator: clear the user's two-factor; they enrol again at their next sign-in."""
    user = get_visible_user(user_id)
    return _act(user, two_factor.reset_two_factor, f"Two-factor of {user.name} was reset; their sessions have ended.")


@bp.post("/<int:user_id>/invite")
@fresh_login_required
def invite(user_id: int):
    """Send the invitation again (a new link; older ones stop working). A fresh login: a link to choose
    another user's password is as sensitive as setting it; audited as the admin's action."""
    user = get_visible_user(user_id)
    if not user.active:
        flash("Activate the account before inviting its user.", "danger")
        return redirect(url_for(".detail", user_id=user_id))
    return _act(user, links.send_invitation,
                f"A new invitation was e-mailed to {user.email}; earlier links no longer work.")


def _act(user: User, step: Callable[[User, User], None], done: str):
    """An admin's one-button change to a user, `step(admin, user)`, said on the user's page; a change the rules
    refuse (deactivating one's own account) is flashed there instead, and nothing is written."""
    return lifecycle.act(user, lambda: step(current_user, user), back=url_for(".detail", user_id=user.id), done=done,
                         refused=(services.UserError,))


@bp.post("/<int:user_id>/password")
@fresh_login_required
def set_password(user_id: int):
    user = get_visible_user(user_id)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(current_user, user, form.password.data)
        except accounts.UserError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            return _on_user_page(user, f"Password of {user.name} changed; their sessions have ended.")
    return _detail_page(user, form), 400
