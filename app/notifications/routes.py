"""In-app notifications: the list, mark read, mark all read; e-mail preferences; the admin outbox."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.forms import EmptyForm
from app.models import NotificationKind
from app.notifications import bp
from app.notifications import display
from app.notifications import preferences as prefs
from app.notifications import services
from app.notifications.forms import PreferencesForm


@bp.get("/")
def index():
    page = display.notification_page(current_user, request.args.get("page", 1, type=int),
                                     unread_only=request.args.get("unread") == "1")
    return render_template("notifications/index.html", page=page, form=EmptyForm(),
                           unread_only=request.args.get("unread") == "1")


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    notification = services.own_notification(current_user, notification_id)  # 404 for others' entries
    services.mark_read(notification)
    return redirect(url_for("notifications.index"))


@bp.post("/<int:notification_id>/open")
def open_notification(notification_id: int):
    """Open what a notification is about, marking it read: on to the record, or back to the list when the
    reader can no longer see it."""
    notification = services.own_notification(current_user, notification_id)  # 404 for others' entries
    services.mark_read(notification)
    (entry,) = display.entries(current_user, [notification])
    if not entry.visible:
        flash("You can no longer see the record this notification was about.", "info")
        return redirect(url_for("notifications.index"))
    return redirect(entry.link)


@bp.post("/read-all")
def mark_all_read():
    count = services.mark_all_read(current_user)
    flash(f"Marked {count} notification{'' if count == 1 else 's'} as read.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    form = PreferencesForm()
    if request.method == "GET":
        prefs.fill_form(form, current_user)
    elif form.validate_on_submit():
        # Always the signed-in user's own preferences: no user id is read from the request.
        changed = prefs.save(current_user, {kind: form[f"kind_{kind.value}"].data for kind in NotificationKind})
        return lifecycle.saved_or_unchanged(changed, "E-mail preferences saved.", url_for("notifications.preferences"))
    else:
        return render_template("notifications/preferences.html", form=form), 400
    return render_template("notifications/preferences.html", form=form)


@bp.get("/outbox")
def outbox():
    permissions.authorize(permissions.is_admin(current_user))
    from app.notifications import delivery

    status = request.args.get("status", "")
    page = delivery.outbox_page(status, request.args.get("page", 1, type=int))
    return render_template("notifications/outbox.html", page=page, status=status, outbox_body=delivery.shown_body,
                           counts=delivery.outbox_counts(), mail_configured=delivery.mail_configured())
