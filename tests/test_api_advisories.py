"""Advisories through the API: every person of a co-authored advisory's world gets the edition the page gives
her (the restricted text to its readers, the public edition only to the others, never a restricted word), in the
list and in the detail; acknowledging is the recipient coordinator's, as on the page."""
import sqlalchemy as sa

from app.extensions import db
from app.models import AdvisoryAcknowledgement
from tests import advisory_world as w
from tests.api_helpers import bearer
from tests.api_helpers import token_for

RESTRICTED_WORDS = ("Restricted: grid relay exploitation", "RESTRICTED-SUMMARY", "RESTRICTED-BODY")


def test_each_reader_gets_the_edition_the_page_gives_and_nothing_of_the_restricted_text(app, monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        advisory = w.release(world, w.draft(world, public_title="Relay firmware: patch now"))
        advisory_id = advisory.id
        secrets = {who: token_for(w.person(world, who)) for who in w.PEOPLE}
    wrong = []
    for who in w.PEOPLE:
        page = w.client(app, world, who).get(f"/advisories/{advisory_id}")
        api = app.test_client().get(f"/api/v1/advisories/{advisory_id}", headers=bearer(secrets[who]))
        listed = app.test_client().get("/api/v1/advisories/", headers=bearer(secrets[who])).get_json()
        if page.status_code == 404:
            if api.status_code != 404 or any(i["id"] == advisory_id for i in listed["items"]):
                wrong.append((who, "out of scope but answered", api.status_code))
            continue
        body = api.get_json()
        page_restricted = "Restricted: grid relay exploitation" in page.get_data(as_text=True)
        if (body["edition"] == "restricted") is not page_restricted:
            wrong.append((who, "edition", body["edition"], page_restricted))
        [item] = [i for i in listed["items"] if i["id"] == advisory_id]
        if item["edition"] != body["edition"]:
            wrong.append((who, "list edition", item["edition"]))
        if not page_restricted:
            text = api.get_data(as_text=True) + str(item)
            if any(word in text for word in RESTRICTED_WORDS) or body["tlp"] != "clear" or body["sectors"] is not None:
                wrong.append((who, "restricted text in the public edition"))
            if body["title"] != "Relay firmware: patch now" or body["body"] != "Public text: patch your relays.":
                wrong.append((who, "public edition", body["title"]))
        else:
            public = app.test_client().get(f"/api/v1/advisories/{advisory_id}?edition=public",
                                           headers=bearer(secrets[who])).get_json()
            if public["edition"] != "public" or any(word in str(public) for word in RESTRICTED_WORDS):
                wrong.append((who, "asked-for public edition", public["edition"]))
    assert not wrong, wrong
    readers = {who for who in w.PEOPLE if w.client(app, world, who).get(f"/advisories/{advisory_id}").status_code == 200}
    assert {"recipient_member", "third_coordinator"} <= readers  # a restricted and a public-edition reader walked


def test_acknowledging_is_the_recipient_coordinators_as_on_the_page(app, monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        advisory_id = w.release(world, w.draft(world)).id
        secrets = {who: token_for(w.person(world, who)) for who in w.PEOPLE}
        read_only = token_for(w.person(world, "recipient_coordinator"), write=False)
    url = f"/api/v1/advisories/{advisory_id}/acknowledgement"
    client = app.test_client()
    assert client.post(url, json={"status": "acted", "note": "Patched"}, headers=bearer(read_only)).status_code == 403
    for who in w.PEOPLE:
        if who in ("recipient_coordinator", "sector_coordinator"):  # the named recipient, the water sector's
            continue
        status = client.post(url, json={"status": "received"}, headers=bearer(secrets[who])).status_code
        assert status in (403, 404), (who, status)
    assert client.post(url, json={"status": "maybe"}, headers=bearer(secrets["recipient_coordinator"])).status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AdvisoryAcknowledgement.id))) == 0
    answer = client.post(url, json={"status": "acted", "note": "Patched"}, headers=bearer(secrets["recipient_coordinator"]))
    assert answer.status_code == 200
    assert answer.get_json()["own_acknowledgement"]["status"] == "acted"
    with app.app_context():
        row = db.session.scalar(sa.select(AdvisoryAcknowledgement))
        assert (row.organization_id, row.status.value, row.note) == (world.orgs["recipient"], "acted", "Patched")
    page = w.client(app, world, "gov_coordinator").get(f"/advisories/{advisory_id}").get_data(as_text=True)
    assert "Patched" in page  # the authors' acknowledgement table shows what came through the API
