"""The feed (public: the secret token is the credential) and its management from the account page."""
from flask import url_for

from app import feed_tokens
from app.calendar import bp
from app.calendar import services
from app.decorators import public
from app.notifications.mail import external_url


@bp.get("/<token>.ics")
@public
def feed(token: str):
    return feed_tokens.serve(services.user_for_token(token), services.feed_bytes, "text/calendar", "palisade.ics")


@bp.post("/feed")
def create_feed():
    return feed_tokens.created(services.create_or_regenerate, "calendar/created.html",
                               lambda token: external_url("calendar.feed", token=token))


@bp.post("/feed/revoke")
def revoke_feed():
    return feed_tokens.revoked(services.revoke, "Calendar feed", url_for("auth.account"))
