"""Personal access tokens on the user's account page: create (shown once), list with last use, revoke.

How a request authenticates with one is app/api/tokens.py; the model is app/models/api_token.py.
"""
from flask import Blueprint

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


@bp.app_context_processor
def _tokens_of_the_reader():
    from flask_login import current_user

    from app.api_tokens.forms import NewTokenForm
    from app.api_tokens.services import default_expiry
    from app.api_tokens.services import latest_expiry
    from app.api_tokens.services import tokens_of

    def api_tokens():
        return tokens_of(current_user) if current_user.is_authenticated else []

    def new_api_token_form():
        return NewTokenForm(formdata=None, expires_on=default_expiry())

    return {"api_tokens": api_tokens, "new_api_token_form": new_api_token_form,
            "api_token_latest_expiry": latest_expiry}


from app.api_tokens import routes  # noqa: E402,F401  -- attach the views to bp
