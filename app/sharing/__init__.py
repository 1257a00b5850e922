"""The sharing feed: what partners released to the user's organisation (`/sharing/`), and its secret,
revocable Atom feed (`/sharing/<token>.atom`, the calendar feed's token style)."""
from flask import Blueprint

bp = Blueprint("sharing", __name__, url_prefix="/sharing")


@bp.app_context_processor
def _shared_count():
    """`shared_unread()` for the navigation bar (counted with the bell and the inbox badge: app/inbox/navbar.py)."""
    from app.inbox.navbar import counts

    def shared_unread() -> int:
        return counts().extra.get("shared", 0)

    return {"shared_unread": shared_unread}


def _register_count() -> None:
    from app.advisories.queries import unread_shared_count_statement
    from app.inbox.navbar import register_count

    register_count("shared", unread_shared_count_statement)


_register_count()


from app.sharing import routes  # noqa: E402,F401  -- attach the views to bp
