"""The feed (public: the secret token is the credential) and its management from the account page."""
from flask import render_template, url_for
from flask_login import current_user

from app import feed_tokens, lifecycle
from app.calendar import bp, services
from app.decorators import public
from app.notifications.mail import external_url


@bp.get("/<token>.ics")
@public
def feed(token: str):
    return feed_tokens.serve(services.user_for_token(token), services.feed_bytes, "text/calendar", "palisade.ics")


@bp.post("/feed")
def create_feed():
    token = services.create_or_regenerate(current_user)
    return render_template("calendar/created.html", feed_url=external_url("calendar.feed", token=token))


@bp.post("/feed/revoke")
def revoke_feed():
    revoked = services.revoke(current_user)
    return lifecycle.saved("Calendar feed revoked: its address no longer works." if revoked
                           else "You have no calendar feed.", url_for("auth.account"))
