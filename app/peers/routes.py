"""Peer administration (admins): list, register, pause or resume, pull now."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.extensions import db
from app.federation import peers as services
from app.federation import pull as pulling
from app.models import Peer
from app.peers import bp
from app.peers.forms import PeerForm


@bp.before_request
def admins_only():
    permissions.authorize(permissions.is_admin(current_user))


def _peer(peer_id: int) -> Peer:
    return db.first_or_404(permissions.visible_peers(current_user).where(Peer.id == peer_id))


@bp.get("/")
def index():
    peers = db.session.scalars(permissions.visible_peers(current_user)).all()
    return render_template("peers/index.html", peers=peers)


@bp.route("/new", methods=["GET", "POST"])
def create():
    organizations = db.session.scalars(permissions.active_organizations(current_user)).all()
    form = PeerForm(organizations=organizations)
    if form.validate_on_submit():
        try:
            peer = services.create_peer(current_user, **form.model_data())
        except services.PeerInputError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash(f"Peer {peer.name} registered; it is pulled on the worker's schedule.", "success")
            return redirect(url_for("peers.index"))
    return lifecycle.form_page("peers/form.html", form)


@bp.route("/<int:peer_id>/edit", methods=["GET", "POST"])
def edit(peer_id: int):
    peer = _peer(peer_id)
    organizations = db.session.scalars(permissions.active_organizations(current_user)).all()
    form = PeerForm(obj=peer, organizations=organizations, is_new=False)
    if request.method == "GET":
        form.token.data = ""
    if form.validate_on_submit():
        try:
            with lifecycle.saving(peer, form, url_for(".edit", peer_id=peer.id)):
                changes = services.update_peer(current_user, peer, expected_version=form.expected_version(),
                                               **form.model_data())
        except services.PeerInputError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            return lifecycle.saved_or_unchanged(changes, "Peer saved.", url_for("peers.index"))
    return lifecycle.form_page("peers/form.html", form, peer=peer)


@bp.post("/<int:peer_id>/pause")
def pause(peer_id: int):
    services.set_active(current_user, _peer(peer_id), False)
    return redirect(url_for("peers.index"))


@bp.post("/<int:peer_id>/resume")
def resume(peer_id: int):
    services.set_active(current_user, _peer(peer_id), True)
    return redirect(url_for("peers.index"))


@bp.post("/<int:peer_id>/pull")
def pull_now(peer_id: int):
    peer = _peer(peer_id)
    try:
        result = pulling.pull(peer)
        flash(f"{peer.name}: {result.summary()}", "success")
    except pulling.PullFailed as error:
        flash(f"{peer.name}: {error}", "danger")
    return redirect(url_for("peers.index"))
