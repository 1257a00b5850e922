"""Sign-in, sign-out and re-authentication."""
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user

from app import audit
from app.auth import bp
from app.auth import passwords
from app.auth import services
from app.auth import sessions
from app.auth import throttle
from app.auth import two_factor
from app.auth.forms import LoginForm
from app.auth.forms import ReauthenticateForm
from app.auth.forms import TwoFactorForm
from app.decorators import mark_fresh
from app.decorators import public
from app.extensions import limiter
from app.redirects import local_url_or

FAILED_LOGIN = "Incorrect email or password."


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("60 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(local_url_or(request.args.get("next"), url_for("main.index")))
    form = LoginForm()
    if request.method == "GET" and not form.email.data:
        form.email.data = session.pop("sign_in_email", None)  # set by a password just chosen (routes_links)
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.Throttled:
            return render_template("auth/login.html", form=form, throttled=True), 429
        if user is None:
            flash(FAILED_LOGIN, "danger")
            return render_template("auth/login.html", form=form), 200
        target = local_url_or(request.args.get("next"), url_for("main.index"))
        if user.totp_enabled:
            return two_factor.begin_second_factor(user, target)
        _sign_in(user)
        return redirect(target)
    return render_template("auth/login.html", form=form)


@bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@public
@limiter.limit("60 per minute", methods=["POST"])
def two_factor_login():
    """Second sign-in step: a TOTP code or a backup code, throttled like passwords."""
    user, target = two_factor.pending_user()
    if user is None:
        flash("Sign in again to continue.", "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        if throttle.is_blocked(user.email, scope=two_factor.THROTTLE_SCOPE):
            return render_template("auth/two_factor.html", form=form, throttled=True), 429
        method = two_factor.verify_code(user, form.code.data)
        if method is None:
            throttle.record_failure(user.email, scope=two_factor.THROTTLE_SCOPE)
            audit.record(user, "auth.two_factor_failed", user)
            form.code.errors.append("That code is not valid or was already used.")
            return render_template("auth/two_factor.html", form=form), 200
        throttle.clear(user.email, scope=two_factor.THROTTLE_SCOPE)
        remaining = two_factor.remaining_backup_codes(user) if method == "backup" else None
        if method == "backup":
            audit.record(user, "auth.backup_code_used", user, summary=f"{remaining} backup codes left")
        _sign_in(user)
        if remaining is not None:  # after _sign_in, which starts a fresh session (and its messages)
            flash(_backup_codes_left(remaining), "warning" if remaining <= 3 else "info")
        return redirect(local_url_or(target, url_for("main.index")))
    return render_template("auth/two_factor.html", form=form)


def _sign_in(user) -> None:
    sessions.sign_in(user)
    services.complete_login(user)


def _backup_codes_left(remaining: int) -> str:
    left = {0: "no backup codes left", 1: "1 backup code left"}.get(remaining, f"{remaining} backup codes left")
    advice = (" Make new ones on your account page now, or you cannot sign in without your authenticator app."
              if remaining <= 3 else " Each works once; you can make new ones on your account page.")
    return f"You signed in with a backup code: you have {left}.{advice}"


@bp.post("/logout")
def logout():
    services.logout(current_user._get_current_object())
    sessions.sign_out()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/reauthenticate", methods=["GET", "POST"])
def reauthenticate():
    """Confirm the password before a sensitive change (email, password, two-factor, roles)."""
    form = ReauthenticateForm()
    target = local_url_or(request.args.get("next"), url_for("main.index"))
    if form.validate_on_submit():
        email = current_user.email
        if throttle.is_blocked(email, scope="reauth"):
            abort(429)
        if passwords.verify_password(current_user.password_hash, form.password.data):
            throttle.clear(email, scope="reauth")
            mark_fresh()
            return redirect(target)
        throttle.record_failure(email, scope="reauth")
        form.password.errors.append("That password is not correct.")
    return render_template("auth/reauthenticate.html", form=form, next=target)
