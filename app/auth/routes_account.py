"""The signed-in user's own account: profile, password, email, two-factor, other sessions."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app.auth import accounts
from app.auth import bp
from app.auth import services
from app.auth import two_factor
from app.auth.forms import ChangeEmailForm
from app.auth.forms import ChangePasswordForm
from app.auth.forms import EnableTwoFactorForm
from app.auth.forms import TimeZoneForm
from app.auth.sessions import renew_session
from app.decorators import fresh_login_required
from app.extensions import db
from app.forms import EmptyForm


def _me():
    return current_user._get_current_object()


def _account_page(password_form=None, email_form=None, status: int = 200, zone_form=None):
    user = _me()
    return render_template(
        "auth/account.html", user=user,
        zone_form=zone_form or TimeZoneForm(formdata=None, time_zone=user.time_zone),
        password_form=password_form or ChangePasswordForm(formdata=None),
        email_form=email_form or ChangeEmailForm(formdata=None),
        action_form=EmptyForm(),
        two_factor_required=two_factor.required_for(user),
        backup_codes_left=two_factor.remaining_backup_codes(user) if user.totp_enabled else 0,
    ), status


@bp.get("/account")
def account():
    return _account_page()


@bp.post("/account/password")
@fresh_login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = _me()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except services.Throttled:
            return _account_page(password_form=form, status=429)
        except services.AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        else:
            renew_session(user)  # every other session ended with the old token; this one continues
            return lifecycle.saved("Password changed. You were signed out everywhere else.", url_for("auth.account"))
    return _account_page(password_form=form, status=400)


@bp.post("/account/email")
@fresh_login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.change_email(_me(), form.email.data)
        except services.AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        else:
            return lifecycle.saved("Email address changed.", url_for("auth.account"))
    return _account_page(email_form=form, status=400)


@bp.post("/account/time-zone")
def change_time_zone():
    form = TimeZoneForm()
    if form.validate_on_submit():
        services.change_time_zone(_me(), form.time_zone.data)
        return lifecycle.saved(f"Deadlines are now shown in {form.time_zone.data}.", url_for("auth.account"))
    return _account_page(zone_form=form, status=400)


@bp.post("/account/sessions")
def end_other_sessions():
    user = _me()
    accounts.end_sessions(user, user)
    renew_session(user)
    return lifecycle.saved("Every other session of your account has ended.", url_for("auth.account"))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@fresh_login_required
def two_factor_setup():
    user = _me()
    if user.totp_enabled:
        return redirect(url_for("auth.account"))
    form = EnableTwoFactorForm()
    secret = two_factor.enrolment_secret()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable_two_factor(user, form.code.data)
        except two_factor.TwoFactorError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc))
        else:
            return render_template("auth/two_factor_backup_codes.html", codes=codes, first_time=True)
    uri = two_factor.provisioning_uri(user, secret)
    return render_template("auth/two_factor_setup.html", form=form, secret=secret, uri=uri,
                           qr=two_factor.qr_svg(uri), required=two_factor.required_for(user))


@bp.post("/two-factor/disable")
@fresh_login_required
def two_factor_disable():
    try:
        two_factor.disable_two_factor(_me())
    except two_factor.TwoFactorError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash("Two-factor sign-in is off.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/two-factor/backup-codes")
@fresh_login_required
def two_factor_backup_codes():
    try:
        codes = two_factor.regenerate_backup_codes(_me())
    except two_factor.TwoFactorError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("auth.account"))
    return render_template("auth/two_factor_backup_codes.html", codes=codes, first_time=False)
