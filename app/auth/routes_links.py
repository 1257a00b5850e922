"""Account links: set a password from an invitation or reset link, ask for a reset link.

The link's token moves from the URL into the session at once (the page then reloads without it),
so it does not linger in the address bar, the history or a Referer header.
"""
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user

from app.auth import bp
from app.auth import links
from app.auth.forms import ForgotPasswordForm
from app.auth.forms import SetOwnPasswordForm
from app.decorators import public
from app.extensions import db
from app.extensions import limiter
from app.models import TokenPurpose

SESSION_KEY = "account_link"
SIGN_IN_EMAIL = "sign_in_email"
RESET_ANSWER = ("If an active account uses that address, a link to choose a new password is on its way. "
                "It works once and expires soon.")


def _no_referrer(response, status: int | None = None):
    response = make_response(response)
    if status is not None:
        response.status_code = status
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/set-password", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute", methods=["POST"])
def set_password():
    if request.method == "GET" and request.args.get("token"):
        session[SESSION_KEY] = request.args["token"][:200]
        return _no_referrer(redirect(url_for("auth.set_password")))
    row = links.valid_token(session.get(SESSION_KEY))  # scoped: the cookie session, not a database load
    if row is None:
        session.pop(SESSION_KEY, None)
        return _no_referrer(render_template("auth/link_invalid.html"), 400 if request.method == "POST" else 200)
    form = SetOwnPasswordForm()
    if form.validate_on_submit():
        try:
            links.complete(row, form.new_password.data)
        except links.LinkError:
            db.session.rollback()
            session.pop(SESSION_KEY, None)
            return _no_referrer(render_template("auth/link_invalid.html"), 400)
        except ValueError as exc:  # UserError: the password breaks a rule
            db.session.rollback()
            form.new_password.errors.append(str(exc))
        else:
            session.clear()  # whoever was signed in here is signed out; the account's sessions ended too
            session[SIGN_IN_EMAIL] = row.user.email  # the sign-in form comes filled in with the address
            flash("Your password is set. Sign in with it now." if row.purpose is TokenPurpose.INVITATION
                  else "Your password was changed and every session of your account has ended. Sign in again.",
                  "success")
            return redirect(url_for("auth.login"))
    return _no_referrer(render_template("auth/set_password.html", form=form, user=row.user,
                                        invitation=row.purpose is TokenPurpose.INVITATION),
                        400 if form.errors else 200)


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def forgot_password():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        links.request_password_reset(form.email.data)
        flash(RESET_ANSWER, "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200
