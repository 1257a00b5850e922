"""Webhook pages: the organisation's endpoints, register (secret shown once), edit, delivery log, replay."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.extensions import db
from app.forms import EmptyForm
from app.models import WebhookDelivery
from app.models import WebhookEndpoint
from app.webhooks import bp
from app.webhooks import services
from app.webhooks.forms import EndpointForm


def get_visible_endpoint(endpoint_id: int) -> WebhookEndpoint:
    stmt = permissions.visible_webhook_endpoints(current_user).where(WebhookEndpoint.id == endpoint_id)
    return db.first_or_404(stmt)


@bp.get("/")
def index():
    permissions.authorize(permissions.can_open_webhooks(current_user))
    return render_template("webhooks/index.html", endpoints=services.endpoint_list(current_user))


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_register_webhooks(current_user))
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = services.register_endpoint(current_user, url=form.url.data,
                                                          description=form.description.data, events=form.events.data)
        except services.AddressRefused as exc:
            form.url.errors.append(str(exc))
        else:
            return render_template("webhooks/secret.html", endpoint=endpoint, secret=secret, created=True)
    return render_template("webhooks/form.html", form=form, endpoint=None)


@bp.get("/<int:endpoint_id>")
def detail(endpoint_id: int):
    endpoint = get_visible_endpoint(endpoint_id)
    return render_template("webhooks/detail.html", endpoint=endpoint, deliveries=services.deliveries_of(endpoint),
                           form=EmptyForm())


@bp.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
def edit(endpoint_id: int):
    endpoint = get_visible_endpoint(endpoint_id)
    permissions.authorize(permissions.can_edit_webhook(current_user, endpoint))
    form = EndpointForm(obj=endpoint)
    if form.validate_on_submit():
        try:
            with lifecycle.saving(endpoint, form, url_for(".edit", endpoint_id=endpoint.id)):
                changes = services.update_endpoint(current_user, endpoint, expected_version=form.expected_version(),
                                                   url=form.url.data, description=form.description.data,
                                                   events=form.events.data)
        except services.AddressRefused as exc:
            form.url.errors.append(str(exc))
        else:
            return lifecycle.saved_or_unchanged(changes, "Webhook saved.", url_for(".detail", endpoint_id=endpoint.id))
    return render_template("webhooks/form.html", form=form, endpoint=endpoint)


@bp.post("/<int:endpoint_id>/secret")
def rotate_secret(endpoint_id: int):
    endpoint = get_visible_endpoint(endpoint_id)
    secret = services.rotate_secret(current_user, endpoint)
    return render_template("webhooks/secret.html", endpoint=endpoint, secret=secret, created=False)


@bp.post("/<int:endpoint_id>/disable", endpoint="disable")
@bp.post("/<int:endpoint_id>/enable", endpoint="enable")
def set_active(endpoint_id: int):
    endpoint = get_visible_endpoint(endpoint_id)
    active = request.url_rule.rule.endswith("/enable")
    return lifecycle.act(endpoint, lambda: services.set_active(current_user, endpoint, active),
                         back=url_for(".detail", endpoint_id=endpoint.id),
                         done="Webhook enabled." if active else "Webhook disabled: nothing is sent to it.",
                         unchanged="The webhook was already enabled." if active else "The webhook was already disabled.")


@bp.post("/<int:endpoint_id>/delete")
def delete(endpoint_id: int):
    endpoint = get_visible_endpoint(endpoint_id)
    services.delete_endpoint(current_user, endpoint)
    return lifecycle.saved("Webhook deleted with its delivery log.", url_for(".index"))


@bp.post("/<int:endpoint_id>/test")
def send_test(endpoint_id: int):
    endpoint = get_visible_endpoint(endpoint_id)
    services.send_test(current_user, endpoint)
    return lifecycle.saved("Test event queued: its delivery appears below.", url_for(".detail", endpoint_id=endpoint.id))


@bp.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/replay")
def replay(endpoint_id: int, delivery_id: int):
    endpoint = get_visible_endpoint(endpoint_id)
    delivery = db.first_or_404(services.delivery_statement(endpoint).where(WebhookDelivery.id == delivery_id))
    services.replay(current_user, delivery)
    flash("Delivery queued again.", "success")
    return redirect(url_for(".detail", endpoint_id=endpoint.id))
