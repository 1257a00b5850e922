"""The agreement list as it first opens is built once per reader's scope and kept with its pages
(agreements/queries.list_agreements, listing.CountedPagination): each reader still sees exactly their own
agreements, a reader whose organisation changes sees the new scope at once, and every page its own rows."""
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import User
from tests import factories


def _titles(client, path="/agreements/") -> set[str]:
    html = client.get(path).get_data(as_text=True)
    return {title for title in ("Alpha only", "Bravo only", "For everyone") if title in html}


def test_each_reader_sees_their_own_agreements_from_the_kept_list(app, client_as):
    with app.app_context():
        alpha, bravo = factories.organization(), factories.organization()
        reader_a = factories.user(organization=alpha)
        reader_b = factories.user(organization=bravo)
        factories.agreement(title="Alpha only", tlp=TLP.AMBER_STRICT, owner_organization=alpha)
        factories.agreement(title="Bravo only", tlp=TLP.AMBER_STRICT, owner_organization=bravo)
        factories.agreement(title="For everyone", tlp=TLP.GREEN, owner_organization=bravo)
        client_a, client_b = client_as(reader_a), client_as(reader_b)
        reader_a_id, bravo_id = reader_a.id, bravo.id
    for _ in range(2):
        assert _titles(client_a) == {"Alpha only", "For everyone"}
        assert _titles(client_b) == {"Bravo only", "For everyone"}
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == reader_a_id).values(organization_id=bravo_id))
        db.session.commit()
    assert _titles(client_a) == {"Bravo only", "For everyone"}
    # Each page of the kept list shows its own rows (the newest first).
    assert _titles(client_b, "/agreements/?per_page=1") == {"For everyone"}
    assert _titles(client_b, "/agreements/?per_page=1&page=2") == {"Bravo only"}
    assert _titles(client_b, "/agreements/?per_page=1") == {"For everyone"}
