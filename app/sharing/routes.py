"""/sharing/: what was shared with the user's organisation; the Atom feed and its management."""
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import feed_tokens
from app import listing
from app.advisories import queries
from app.decorators import public
from app.models import TLP
from app.models import AdvisoryKind
from app.models import Sector
from app.models import Severity
from app.notifications.mail import external_url
from app.sharing import bp
from app.sharing import services


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
    return feed_tokens.serve(services.user_for_token(feed_token), services.atom_bytes, "application/atom+xml")


@bp.post("/feed")
def create_feed():
    return feed_tokens.created(services.create_or_regenerate, "sharing/created.html",
                               lambda token: external_url("sharing.feed", feed_token=token))


@bp.post("/feed/revoke")
def revoke_feed():
    return feed_tokens.revoked(services.revoke, "Sharing feed", url_for("sharing.index"))
