"""The sharing feed's Atom document: parsed by an XML parser, scoped to the token's user, revocable; above
TLP:GREEN an entry carries only the reference, kind, TLP and link (never the restricted text)."""
import xml.etree.ElementTree as ET

from app.extensions import db
from app.models import TLP
from app.sharing import services
from tests import advisory_world as w

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(app, world, who) -> str:
    with app.app_context():
        token = services.create_or_regenerate(w.person(world, who))
        db.session.commit()
    return token


def test_atom_feed_is_valid_scoped_and_revocable(app, monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        amber = w.release(world, w.draft(world, public_title="Relay patch notice")).reference
        strict = w.release(world, w.draft(world, tlp=TLP.AMBER_STRICT, title="Strict only",
                                          recipient_sectors=[])).reference
    token = _feed(app, world, "recipient_member")
    response = app.test_client().get(f"/sharing/{token}.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    entries = ET.fromstring(response.data).findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert sorted(t.split()[0].rstrip(":") for t in titles) == sorted([amber, strict])
    for secret in (b"RESTRICTED", b"exploitation", b"Strict only"):
        assert secret not in response.data
    third = _feed(app, world, "third_coordinator")  # reads only the public edition of the AMBER one
    body = app.test_client().get(f"/sharing/{third}.atom").data
    titles = [e.find(f"{ATOM}title").text for e in ET.fromstring(body).findall(f"{ATOM}entry")]
    assert titles == [f"{amber}: Relay patch notice"] and b"RESTRICTED" not in body
    assert app.test_client().get(f"/sharing/{token}x.atom").status_code == 404
    w.client(app, world, "recipient_member").post("/sharing/feed/revoke")
    assert app.test_client().get(f"/sharing/{token}.atom").status_code == 404
