"""Imports from a peer: records owned by the peer's organisation at the TLP they were marked with, the same
objects twice change nothing, a newer `modified` supersedes (never lowering the TLP), `revoked` withdraws, and
hostile STIX is skipped and counted, never an error."""
import copy
import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.federation.imports import import_objects
from app.federation.peers import create_peer
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryStatus
from app.models import AuditEvent
from app.models import Organization
from app.models import Peer
from app.models import PeerImport
from app.stix import TLP_MARKING_IDS
from app.stix.export import advisory_objects
from tests import advisory_world as aw
from tests import factories as f


@pytest.fixture
def world(app, monkeypatch):
    aw.fake_editions(monkeypatch)
    return aw.build(app)


def _peer(world) -> Peer:
    nordic = f.organization(name="Nordic centre", short_name="NORD")
    peer = create_peer(None, name="Nordic centre", organization_id=nordic.id,
                       recipient_organization_id=world.orgs["recipient"],
                       api_root_url="https://127.0.0.2/taxii2/api/", collection_id="c1", token="secret")
    db.session.commit()
    return peer


def _imported(peer) -> list[Advisory]:
    return db.session.scalars(sa.select(Advisory).where(Advisory.owner_organization_id == peer.organization_id)
                              .order_by(Advisory.id)).all()


def _report(objects) -> dict:
    return next(o for o in objects if o["type"] == "report")


def test_import_keeps_tlp_and_authors_and_is_idempotent(app, world):
    with app.app_context():
        peer = _peer(world)
        source = aw.release(world, aw.draft(world, tlp=TLP.AMBER_STRICT, recommended_actions="Isolate the relays."))
        objects = json.loads(json.dumps(advisory_objects(source)))
        first = import_objects(peer, objects)
        db.session.commit()
        assert (first.created, first.unchanged, first.invalid) == (1, 0, 0)
        [copy_] = _imported(peer)
        assert copy_.tlp is TLP.AMBER_STRICT and copy_.status is AdvisoryStatus.RELEASED
        assert copy_.title == source.title and copy_.recommended_actions == "Isolate the relays."
        assert copy_.author_org_ids == {peer.organization_id}
        assert copy_.recipient_org_ids == {world.orgs["recipient"]}
        held = db.session.scalar(sa.select(PeerImport))
        assert held.stix_id == _report(objects)["id"]
        assert {a["name"] for a in held.authors} == {"National Cyber Agency", "Northern Grid"}
        again = import_objects(peer, objects)
        db.session.commit()
        assert (again.created, again.unchanged) == (0, 1)
        assert len(_imported(peer)) == 1
        # re-exported, it keeps its STIX id, authors, times and TLP
        out = advisory_objects(copy_)
        assert _report(out)["id"] == _report(objects)["id"]
        assert _report(out)["modified"] == _report(objects)["modified"]
        assert _report(out)["object_marking_refs"] == [TLP_MARKING_IDS[TLP.AMBER_STRICT]]
        assert {o["name"] for o in out if o["type"] == "identity"} == {"National Cyber Agency", "Northern Grid"}


def test_a_newer_version_supersedes_without_lowering_the_tlp_and_revoked_withdraws(app, world):
    from app.advisories import services

    with app.app_context():
        peer = _peer(world)
        source = aw.release(world, aw.draft(world, tlp=TLP.AMBER))
        import_objects(peer, advisory_objects(source))
        db.session.commit()
        update = services.start_update(aw.person(world, "gov_coordinator"), source)
        update.title, update.tlp = "Corrected title", TLP.GREEN  # the source lowered its label
        db.session.commit()
        aw.release(world, update)
        result = import_objects(peer, advisory_objects(update))
        db.session.commit()
        assert result.superseded == 1
        old, new = _imported(peer)
        assert old.status is AdvisoryStatus.SUPERSEDED and new.supersedes_id == old.id
        assert new.title == "Corrected title" and new.tlp is TLP.AMBER  # never lowered
        assert _report(advisory_objects(new))["object_marking_refs"] == [TLP_MARKING_IDS[TLP.AMBER]]
        assert import_objects(peer, advisory_objects(source)).unchanged == 1  # an older version changes nothing
        services.withdraw(aw.person(world, "gov_coordinator"), update, "Wrong asset class")
        db.session.commit()
        result = import_objects(peer, advisory_objects(update))
        db.session.commit()
        assert result.withdrawn == 1
        db.session.refresh(new)
        assert new.status is AdvisoryStatus.WITHDRAWN and "Nordic centre" in new.withdrawal_reason
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id.in_([old.id, new.id]),
                                                                        AuditEvent.object_type == "advisories"))
        assert {"advisory.imported", "advisory.superseded", "advisory.withdrawn"} <= set(actions)


def test_hostile_stix_is_skipped_and_counted_and_sanitised(app, world, client_as):
    with app.app_context():
        peer = _peer(world)
        source = aw.release(world, aw.draft(world, tlp=TLP.GREEN))
        good = advisory_objects(source)
        report = _report(good)
        xss = dict(copy.deepcopy(report), id="report--11111111-1111-4111-8111-111111111111",
                   name="<script>alert(1)</script>Grid", description="<img src=x onerror=alert(1)>**bold**\n\nmore")
        red = dict(copy.deepcopy(report), id="report--22222222-2222-4222-8222-222222222222",
                   object_marking_refs=[TLP_MARKING_IDS[TLP.RED]])
        unmarked = {k: v for k, v in copy.deepcopy(report).items() if k != "object_marking_refs"}
        unmarked["id"] = "report--33333333-3333-4333-8333-333333333333"
        hostile = [
            "not an object", 42, None, [], {"type": "report"},
            dict(copy.deepcopy(report), id="report--not-a-uuid"),
            dict(copy.deepcopy(report), id="indicator--44444444-4444-4444-8444-444444444444"),  # type and id differ
            dict(copy.deepcopy(report), id="report--55555555-5555-4555-8555-555555555555", modified="yesterday"),
            dict(copy.deepcopy(report), id="report--66666666-6666-4666-8666-666666666666", name="x" * 500_000),
            {"type": "malware", "id": "malware--77777777-7777-4777-8777-777777777777", "spec_version": "2.1"},
            {"type": "x-custom-thing", "id": "x-custom-thing--88888888-8888-4888-8888-888888888888"},
            xss, red, unmarked, *good,
        ]
        result = import_objects(peer, hostile)
        db.session.commit()
        assert result.invalid == 9
        assert dict(result.skipped_types) == {"malware": 1, "x-custom-thing": 1}
        assert result.refused == 1 and result.created == 3
        by_title = {a.title: a for a in _imported(peer)}
        assert by_title[source.title].tlp is TLP.GREEN
        unmarked_copy = db.session.scalar(sa.select(PeerImport).where(PeerImport.stix_id == unmarked["id"])).advisory
        assert unmarked_copy.tlp is TLP.AMBER_STRICT
        dangerous = db.session.scalar(sa.select(PeerImport).where(PeerImport.stix_id == xss["id"])).advisory
        assert "onerror" not in dangerous.summary and "<img" not in dangerous.summary
        admin = aw.person(world, "admin")
        page = client_as(admin).get(f"/advisories/{dangerous.id}")
        assert page.status_code == 200
        assert b"<script>alert(1)" not in page.data and b"onerror" not in page.data
        assert import_objects(peer, "not a list").invalid == 0


def test_another_peer_cannot_overwrite_what_a_peer_shared(app, world):
    with app.app_context():
        peer = _peer(world)
        other_org = f.organization(name="Elsewhere")
        other = create_peer(None, name="Elsewhere", organization_id=other_org.id, api_root_url="https://127.0.0.3/",
                            collection_id="c", token="t")
        source = aw.release(world, aw.draft(world, tlp=TLP.CLEAR))
        import_objects(peer, advisory_objects(source))
        forged = copy.deepcopy(advisory_objects(source))
        _report(forged).update(modified="2999-01-01T00:00:00.000Z", name="Hijacked")
        assert import_objects(other, forged).refused == 1
        assert {a.title for a in _imported(peer)} == {source.title}
        assert db.session.get(Organization, other_org.id) is not None and not _imported(other)


def test_an_incident_summary_arrives_as_an_incident_summary_advisory_of_the_peer(app, world):
    """A standalone `incident` (Incident Core) becomes an incident-summary advisory owned by the peer's
    organisation at its TLP; again changes nothing; a newer version supersedes; revoked withdraws; re-exported
    it stays an `incident` under its id and TLP. An incident that is part of an advisory's report is not one."""
    from app.models import AdvisoryKind
    from app.models import Severity
    from app.models import Significance
    from app.stix.incidents import incident_objects

    with app.app_context():
        peer = _peer(world)
        gov, operator = (db.session.get(Organization, world.orgs[k]) for k in ("gov", "operator"))
        report = f.incident_report(owner_organization=operator, authority=gov, tlp=TLP.AMBER, title="Relay outage",
                                   summary="Relays tripped.", significance=Significance.SIGNIFICANT)
        objects = json.loads(json.dumps(incident_objects(report)))
        first = import_objects(peer, objects)
        db.session.commit()
        assert (first.created, first.invalid, dict(first.skipped_types)) == (1, 0, {})
        [copy_] = _imported(peer)
        assert (copy_.kind, copy_.tlp, copy_.status) == (AdvisoryKind.INCIDENT_SUMMARY, TLP.AMBER,
                                                          AdvisoryStatus.RELEASED)
        assert copy_.title == "Relay outage" and copy_.summary == "Relays tripped." and copy_.severity is Severity.HIGH
        assert "Significance: significant" in copy_.body and copy_.owner_organization_id == peer.organization_id
        assert import_objects(peer, objects).unchanged == 1
        out = [o for o in advisory_objects(copy_) if o["type"] == "incident"]
        incident = next(o for o in objects if o["type"] == "incident")
        assert [(o["id"], o["object_marking_refs"]) for o in out] == [(incident["id"], incident["object_marking_refs"])]
        assert not [o for o in advisory_objects(copy_) if o["type"] == "report"]

        newer = copy.deepcopy(objects)
        for obj in newer:
            if obj["type"] == "incident":
                obj["modified"], obj["name"] = "2099-01-01T00:00:00.000Z", "Relay outage (update)"
                obj["object_marking_refs"] = [TLP_MARKING_IDS[TLP.GREEN]]  # lowered at the source: kept AMBER
        assert import_objects(peer, newer).superseded == 1
        db.session.commit()
        old, new = _imported(peer)
        assert old.status is AdvisoryStatus.SUPERSEDED and new.supersedes_id == old.id
        assert new.title == "Relay outage (update)" and new.tlp is TLP.AMBER
        revoked = copy.deepcopy(newer)
        for obj in revoked:
            if obj["type"] == "incident":
                obj["modified"], obj["revoked"] = "2099-01-02T00:00:00.000Z", True
        assert import_objects(peer, revoked).withdrawn == 1
        db.session.commit()
        assert _imported(peer)[-1].status is AdvisoryStatus.WITHDRAWN

        part = copy.deepcopy(objects)
        for obj in part:
            if obj["type"] == "incident":
                obj["id"], obj["labels"] = "incident--6a0b7c04-3d5f-4b86-9d2d-2c1b5f0a9e11", ["palisade:report-part"]
        assert import_objects(peer, part).created == 0


def test_a_shared_risk_arrives_as_a_vulnerability_advisory_of_the_peer(app, world):
    """A `vulnerability` shared on its own becomes a vulnerability advisory of the peer's organisation at its
    TLP (not a risk in the register), once; an archived risk (revoked) withdraws it."""
    from app.models import AdvisoryKind
    from app.models import Sector
    from app.models import utcnow
    from app.stix.export import risk_objects

    with app.app_context():
        peer = _peer(world)
        risk = f.risk(owner_organization=db.session.get(Organization, world.orgs["gov"]), tlp=TLP.GREEN,
                      title="Relay firmware", threat="Sabotage", asset="Substation 7", sector=Sector.ENERGY)
        objects = json.loads(json.dumps(risk_objects(risk)))
        assert import_objects(peer, objects).created == 1
        assert import_objects(peer, objects).unchanged == 1
        db.session.commit()
        [copy_] = _imported(peer)
        assert (copy_.kind, copy_.tlp, copy_.sectors) == (AdvisoryKind.VULNERABILITY, TLP.GREEN, [Sector.ENERGY])
        assert copy_.title == f"{risk.reference}: Relay firmware" and "Threat: Sabotage" in copy_.summary
        assert "Substation 7" not in json.dumps(objects)
        risk.archived_at = utcnow()
        db.session.commit()
        assert import_objects(peer, json.loads(json.dumps(risk_objects(risk)))).withdrawn == 1
        db.session.commit()
        assert _imported(peer)[0].status is AdvisoryStatus.WITHDRAWN


def test_an_imported_advisory_is_issued_and_announced_like_a_local_release(app, world):
    """The sealed edition is stored by the documents service and served at /advisories/<id>.pdf to its readers;
    the recipients' coordinators are told (notification and mail outbox) on arrival and on withdrawal, and
    nobody else is."""
    from app.models import Document
    from app.models import Notification
    from app.models import OutboxEmail

    with app.app_context():
        peer = _peer(world)
        source = aw.release(world, aw.draft(world, tlp=TLP.AMBER, title="Relay firmware, from abroad"))
        objects = json.loads(json.dumps(advisory_objects(source)))
        before = set(db.session.scalars(sa.select(Notification.id)))
        import_objects(peer, objects)
        db.session.commit()
        [copy_] = _imported(peer)
        [document] = db.session.scalars(sa.select(Document).where(Document.object_type == "advisories",
                                                                  Document.object_id == copy_.id)).all()
        assert document.tlp is TLP.AMBER and b"Relay firmware, from abroad" in document.content
        told = db.session.scalars(sa.select(Notification).where(Notification.id.notin_(before))).all()
        recipient_coordinator = aw.person(world, "recipient_coordinator")
        assert {n.user_id for n in told} == {recipient_coordinator.id}
        assert all(n.object_id == copy_.id and "released" in n.summary for n in told)
        assert db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.recipient == recipient_coordinator.email))
        revoked = copy.deepcopy(objects)
        for obj in revoked:
            if obj["type"] == "report":
                obj["modified"], obj["revoked"] = "2099-01-02T00:00:00.000Z", True
        seen = set(db.session.scalars(sa.select(Notification.id)))
        assert import_objects(peer, revoked).withdrawn == 1
        db.session.commit()
        withdrawn = db.session.scalars(sa.select(Notification).where(Notification.id.notin_(seen))).all()
        assert recipient_coordinator.id in {n.user_id for n in withdrawn}
        assert all("withdrawn" in n.summary for n in withdrawn)
        copy_id, reader, outsider = copy_.id, recipient_coordinator, aw.person(world, "third_coordinator")
    # outside the app context: each request signs its own user in
    pdf = app.test_client(user=reader).get(f"/advisories/{copy_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert app.test_client(user=outsider).get(f"/advisories/{copy_id}.pdf").status_code == 404


def test_an_imported_tlp_is_never_lowered_by_a_local_update(app, world):
    """The peer's organisation's coordinator here updates an imported AMBER advisory: the edit form that lowers
    the TLP (or adds a public edition) is refused by name and nothing changes; raising it is allowed; the
    API answers the imported TLP and has no way to change it; re-exported, the update keeps at least AMBER."""
    from app.advisories import services
    from app.models import Role
    from tests.everyday_helpers import form_data

    with app.app_context():
        peer = _peer(world)
        source = aw.release(world, aw.draft(world, tlp=TLP.AMBER, title="Relay firmware, from abroad"))
        import_objects(peer, advisory_objects(source))
        db.session.commit()
        [copy_] = _imported(peer)
        liaison = f.user(role=Role.COORDINATOR, organization=db.session.get(Organization, peer.organization_id))
        draft = services.start_update(liaison, copy_)
        db.session.commit()
        draft_id, copy_id, version = draft.id, copy_.id, draft.version
        liaison.get_id()  # loaded for the client outside the context
    client = app.test_client(user=liaison)
    fields = form_data(client.get(f"/advisories/{draft_id}/edit").get_data(as_text=True),
                       lambda form: "tlp" in dict(form["fields"]))
    assert fields["tlp"] == "amber"
    for change, field in (({"tlp": "green"}, "tlp"), ({"tlp": "clear"}, "tlp"),
                          ({"public_title": "Public relay note"}, "public_title")):
        answer = client.post(f"/advisories/{draft_id}/edit", data={**fields, **change})
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400 and "arrived from Nordic centre at TLP:AMBER" in text, (change, field)
        with app.app_context():
            held = db.session.get(Advisory, draft_id)
            assert (held.tlp, held.public_title, held.version) == (TLP.AMBER, "", version)
    raised = client.post(f"/advisories/{draft_id}/edit", data={**fields, "tlp": "amber_strict"})
    assert raised.status_code == 302
    with app.app_context():
        assert db.session.get(Advisory, draft_id).tlp is TLP.AMBER_STRICT
        api = aw.person(world, "recipient_coordinator")
        api.get_id()
    token = _api_token(app, api)
    got = app.test_client().get(f"/api/v1/advisories/{copy_id}", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200 and got.get_json()["tlp"] == "amber"
    for method in ("patch", "put"):
        refused = getattr(app.test_client(), method)(f"/api/v1/advisories/{copy_id}", json={"tlp": "clear"},
                                                     headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code in (403, 405), method
    with app.app_context(), db.session.no_autoflush:  # the export never goes below the TLP it arrived with
        copy_ = db.session.get(Advisory, copy_id)
        copy_.tlp = TLP.GREEN  # an unsaved change: the stored import says AMBER
        assert _report(advisory_objects(copy_))["object_marking_refs"] == [TLP_MARKING_IDS[TLP.AMBER]]
        db.session.rollback()


def _api_token(app, user) -> str:
    from datetime import timedelta

    from app.api_tokens.services import create_token
    from app.models import TokenScope
    from app.models import User
    from app.models import today

    with app.app_context():
        _row, secret = create_token(db.session.get(User, user.id), name="api", scope=TokenScope.READ_WRITE,
                                    expires_on=today() + timedelta(days=30))
        db.session.commit()
        return secret
