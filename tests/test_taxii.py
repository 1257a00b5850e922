"""The TAXII 2.1 server through taxii2-client (the reference client): discovery, API root, collections,
objects and manifest with added_after and paging, 401/403/404 as the specification says; and what each
organisation's token receives equals the egress rule computed independently (tests/federation_world.py)."""
import pytest
import requests
import stix2validator
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import ApiRoot
from taxii2client.v21 import Collection
from taxii2client.v21 import Server
from taxii2client.v21 import as_pages

from app.extensions import db
from app.models import Agreement
from app.models import Organization
from app.stix import REPORT_PART_LABEL
from app.stix import bundle
from tests import advisory_world as aw
from tests import federation_world as fw

TAXII = "application/taxii+json;version=2.1"


class Bearer(requests.auth.AuthBase):
    def __init__(self, secret):
        self.secret = secret

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.secret}"
        return request


@pytest.fixture
def world(live_app, monkeypatch):
    world, agreement_id = fw.build(live_app.app, monkeypatch)
    tokens = {org: fw.token(live_app.app, world, who) for org, who in fw.TOKEN_HOLDERS.items()}
    return world, agreement_id, tokens


def _reports(collection: Collection, kind: str = "report", **filters) -> dict[str, dict]:
    """{name: object} of the reports (or incident summaries: kind="incident") the collection holds."""
    found = {}
    for envelope in as_pages(collection.get_objects, per_request=4, **filters):
        for obj in envelope.get("objects", []):
            if obj["type"] == kind and REPORT_PART_LABEL not in obj.get("labels", []):
                found[obj["name"]] = obj
    return found


def test_each_organisation_receives_exactly_what_the_rule_lets_it(live_app, world):
    world, agreement_id, tokens = world
    api_root = f"{live_app.url}/taxii2/api/"
    with live_app.app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        parties = {p.organization_id for p in agreement.parties}
        heads = fw.heads()
        for org_key in fw.ORGS:
            org = db.session.get(Organization, world.orgs[org_key])
            root = ApiRoot(api_root, auth=Bearer(tokens[org_key]))
            collections = {c.title: c for c in root.collections}
            isa_titles = [t for t in collections if t.startswith(agreement.reference)]
            assert len(isa_titles) == (1 if org.id in parties else 0), org_key
            cases = [("Shared with my organisation", None)] + [(t, parties) for t in isa_titles]
            for title, collection_parties in cases:
                incidents = _reports(collections[title], kind="incident")
                assert set(incidents) == {r.title for r in fw.incident_reports()
                                          if fw.expected_incident(org, r, collection_parties)}, (org_key, title)
                shared_risks = _reports(collections[title], kind="vulnerability")
                assert set(shared_risks) == {f"{r.reference}: {r.title}" for r in fw.risks()
                                             if fw.expected_risk(org, r, collection_parties)}, (org_key, title)
                for report in fw.incident_reports():
                    if report.title in incidents:
                        assert incidents[report.title]["object_marking_refs"] == [fw_marking(report.tlp.value)]
                got = _reports(collections[title])
                want = {}
                for advisory in heads:
                    edition = fw.expected_reports(org, advisory, collection_parties)
                    if edition == "restricted":
                        want[advisory.title] = (advisory.tlp.value, edition)
                    elif edition == "public":
                        want[advisory.public_title] = ("clear", edition)
                assert set(got) == set(want), (org_key, title)
                for name, report in got.items():
                    tlp, edition = want[name]
                    assert report["object_marking_refs"] == [fw_marking(tlp)], (org_key, name)
                    assert edition == "restricted" or "RESTRICTED" not in str(report), (org_key, name)


def fw_marking(tlp: str) -> str:
    from app.models import TLP
    from app.stix import TLP_MARKING_IDS

    return TLP_MARKING_IDS[TLP(tlp)]


def test_discovery_api_root_paging_added_after_and_manifest(live_app, world):
    world, _agreement_id, tokens = world
    auth = Bearer(tokens["gov"])
    server = Server(f"{live_app.url}/taxii2/", auth=auth)
    assert server.title == "Palisade TAXII 2.1"
    assert [r.url for r in server.api_roots] == [f"{live_app.app.config['PUBLIC_BASE_URL']}/taxii2/api/"]
    root = ApiRoot(f"{live_app.url}/taxii2/api/", auth=auth)
    assert root.versions == [TAXII]
    shared = next(c for c in root.collections if c.title == "Shared with my organisation")
    assert shared.can_read and not shared.can_write
    pages = list(as_pages(shared.get_objects, per_request=4))
    assert len(pages) >= 3 and all(len(p.get("objects", [])) <= 4 for p in pages)
    assert [p["more"] for p in pages] == [True] * (len(pages) - 1) + [False]
    everything = [o for p in pages for o in p.get("objects", [])]
    reports = [o for o in everything if o["type"] == "report"]
    assert len(reports) == 5
    valid = stix2validator.validate_instance(bundle(everything), stix2validator.ValidationOptions())
    assert valid.is_valid, [str(e) for e in valid.errors]
    # the agency (the operator's authority) receives its incident summaries, and only their shared fields
    incidents = {o["name"] for o in everything if o["type"] == "incident" and REPORT_PART_LABEL not in o["labels"]}
    assert incidents == {"Incident TLP:AMBER", "Incident TLP:AMBER+STRICT"}
    assert not any(secret in str(everything) for secret in (*fw.SECRET_FIELDS, "4242"))

    first = requests.get(shared.objects_url, auth=auth, headers={"Accept": TAXII}, params={"limit": 3}, timeout=10)
    assert first.headers["Content-Type"] == TAXII
    last = first.headers["X-TAXII-Date-Added-Last"]
    assert first.headers["X-TAXII-Date-Added-First"] <= last
    after = _reports(shared, added_after=last)
    assert len(after) < 5 and set(after) <= {r["name"] for r in reports}

    manifest = shared.get_manifest()
    assert {m["id"] for m in manifest["objects"]} <= {o["id"] for o in everything}
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest["objects"])

    one = reports[0]
    assert shared.get_object(one["id"])["objects"] == [one]
    assert shared.get_objects(type="report")["objects"][0]["type"] == "report"
    newest = requests.get(shared.objects_url, auth=auth, headers={"Accept": TAXII}, params={"limit": 500},
                          timeout=10).headers["X-TAXII-Date-Added-Last"]
    assert _reports(shared, added_after=newest) == {}
    with live_app.app.app_context():  # a release after everything seen so far
        aw.release(world, aw.draft(world, title="Late news"))
    assert set(_reports(shared, added_after=newest)) == {"Late news"}


def test_401_without_a_live_token_404_for_what_it_may_not_see_403_for_writes(live_app, world):
    world, agreement_id, tokens = world
    base = f"{live_app.url}/taxii2"
    for url in ("/", "/api/", "/api/collections/"):
        answer = requests.get(base + url, headers={"Accept": TAXII}, timeout=10)
        assert answer.status_code == 401 and answer.headers["Content-Type"] == TAXII
        assert answer.json()["http_status"] == "401" and "Bearer" in answer.headers["WWW-Authenticate"]
        forged = requests.get(base + url, headers={"Accept": TAXII, "Authorization": "Bearer forged"}, timeout=10)
        assert forged.status_code == 401
    with pytest.raises(requests.HTTPError) as raised:
        Server(f"{base}/", auth=Bearer("nope")).refresh()
    assert raised.value.response.status_code == 401

    third_root = ApiRoot(f"{base}/api/", auth=Bearer(tokens["third"]))
    isa = next(c for c in third_root.collections if c.title != "Shared with my organisation")
    operator = Bearer(tokens["operator"])  # not a party to the agreement: its collection does not exist for it
    answer = requests.get(f"{base}/api/collections/{isa.id}/objects/", auth=operator, headers={"Accept": TAXII},
                          timeout=10)
    assert answer.status_code == 404 and answer.json()["http_status"] == "404"
    assert requests.get(f"{base}/api/collections/{isa.id}/", auth=operator, timeout=10).status_code == 404
    assert requests.get(f"{base}/api/nowhere/", auth=operator, timeout=10).status_code == 404
    shared = next(c for c in third_root.collections if c.title == "Shared with my organisation")
    with live_app.app.app_context():
        amber_strict = next(a for a in fw.heads() if a.tlp.value == "amber_strict")
        hidden = next(o["id"] for o in _objects_of(amber_strict) if o["type"] == "report")
    assert requests.get(f"{shared.url}objects/{hidden}/", auth=Bearer(tokens["third"]),
                        timeout=10).status_code == 404

    write = requests.post(f"{shared.url}objects/", auth=Bearer(tokens["third"]), json={"objects": []},
                          headers={"Accept": TAXII, "Content-Type": TAXII}, timeout=10)
    assert write.status_code == 403 and write.json()["http_status"] == "403"
    with pytest.raises((requests.HTTPError, TAXIIServiceException)):
        shared.add_objects({"objects": []})
    wrong = requests.get(f"{shared.url}objects/", auth=Bearer(tokens["third"]), headers={"Accept": "text/html"},
                         timeout=10)
    assert wrong.status_code == 406
    bad = requests.get(f"{shared.url}objects/", auth=Bearer(tokens["third"]), params={"added_after": "yesterday"},
                       headers={"Accept": TAXII}, timeout=10)
    assert bad.status_code == 400 and bad.headers["Content-Type"] == TAXII


def _objects_of(advisory):
    from app.stix.export import advisory_objects

    return advisory_objects(advisory)


HOSTILE = ["", "-1", "0", "99999999999999999999", "abc", "2026-13-45T99:99:99Z", "null", "%00", "\u202e",
           "' OR 1=1 --", "../../etc/passwd", "<script>", "a" * 5000, "2026-01-01T00:00:00Z,x", "Zm9vfGJhcnxiYXo"]


def test_hostile_parameters_and_paths_never_get_a_500(live_app):
    from app.models import Role
    from tests import factories as f

    with live_app.app.app_context():
        org = f.organization(name="Fuzzing partner")
        user = f.user(role=Role.MEMBER, organization=org)
        world = aw.AdvisoryWorld(emails={"fuzzer": user.email})
    auth = Bearer(fw.token(live_app.app, world, "fuzzer"))
    root = ApiRoot(f"{live_app.url}/taxii2/api/", auth=auth)
    shared = root.collections[0]
    for value in HOSTILE:
        for name in ("limit", "next", "added_after", "match[type]", "match[id]", "match[version]"):
            answer = requests.get(f"{shared.url}objects/", params={name: value}, auth=auth, timeout=10,
                                  headers={"Accept": TAXII})
            assert answer.status_code in (200, 400), (name, value, answer.status_code)
            assert answer.headers["Content-Type"] == TAXII
        for path in (f"/api/collections/{value}/objects/", f"/api/collections/{shared.id}/objects/{value}/versions/",
                     f"/api/collections/{shared.id}/manifest/?limit={value}", f"/{value}"):
            answer = requests.get(f"{live_app.url}/taxii2{path}", auth=auth, timeout=10, headers={"Accept": TAXII})
            assert answer.status_code in (200, 400, 404), (path, answer.status_code)
