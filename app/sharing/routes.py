"""/sharing/: what was shared with the user's organisation; the Atom feed and its management."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import listing
from app.advisories import queries
from app.decorators import public
from app.extensions import db
from app.models import TLP, AdvisoryKind, Sector, Severity
from app.notifications.mail import external_url
from app.sharing import bp, services


@bp.get("/")
def index():
    page = listing.paginate(queries.list_shared(current_user, queries.read_filters(request.args)))
    restricted, unread = queries.marks(current_user, [a.id for a in page.items])
    return render_template("sharing/index.html", page=page, args=request.args, restricted=restricted,
                           public_tlp=TLP.CLEAR, unread=unread, kinds=list(AdvisoryKind),
                           severities=list(Severity), tlps=[t for t in TLP if t is not TLP.RED],
                           sectors=list(Sector), feed=services.feed_of(current_user))


@bp.get("/<feed_token>.atom")
@public
def feed(feed_token: str):
    user = services.user_for_token(feed_token)
    if user is None:
        abort(404)  # unknown, revoked, or the account is deactivated
    response = Response(services.atom_bytes(user), mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/feed")
def create_feed():
    token = services.create_or_regenerate(current_user)
    db.session.commit()
    return render_template("sharing/created.html", feed_url=external_url("sharing.feed", feed_token=token))


@bp.post("/feed/revoke")
def revoke_feed():
    revoked = services.revoke(current_user)
    db.session.commit()
    flash("Sharing feed revoked: its address no longer works." if revoked else "You have no sharing feed.",
          "success")
    return redirect(url_for("sharing.index"))
