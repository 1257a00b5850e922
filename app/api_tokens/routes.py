"""Create (the secret shown once) and revoke the signed-in user's own API tokens."""
from flask import abort
from flask import render_template
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app.api_tokens import bp
from app.api_tokens import services
from app.api_tokens.forms import NewTokenForm


@bp.post("/")
def create():
    form = NewTokenForm()
    if form.validate_on_submit():
        try:
            token, secret = services.create_token(current_user, name=form.name.data, scope=form.scope.data,
                                                  expires_on=form.expires_on.data)
        except services.TokenError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            response = render_template("api_tokens/created.html", token=token, secret=secret)
            return response, 200, {"Cache-Control": "no-store"}
    return render_template("api_tokens/new.html", form=form), 400


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int):
    token = services.own_token(current_user, token_id)
    if token is None:
        abort(404)  # another user's token does not exist for you
    revoked = services.revoke_token(current_user, token)
    message = f"Token “{token.name}” revoked: it no longer works." if revoked else "That token was already revoked."
    return lifecycle.saved(message, url_for("auth.account", _anchor="api-tokens"))
