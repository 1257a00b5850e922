"""The feed (public: the secret token is the credential) and its management from the account page."""
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.calendar import bp, services
from app.decorators import public
from app.extensions import db
from app.notifications.mail import external_url


@bp.get("/<token>.ics")
@public
def feed(token: str):
    user = services.user_for_token(token)
    if user is None:
        abort(404)  # unknown, revoked, or the account is deactivated
    response = Response(services.feed_bytes(user), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="palisade.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/feed")
def create_feed():
    token = services.create_or_regenerate(current_user)
    db.session.commit()
    return render_template("calendar/created.html", feed_url=external_url("calendar.feed", token=token))


@bp.post("/feed/revoke")
def revoke_feed():
    revoked = services.revoke(current_user)
    db.session.commit()
    flash("Calendar feed revoked: its address no longer works." if revoked else "You have no calendar feed.",
          "success")
    return redirect(url_for("auth.account"))
