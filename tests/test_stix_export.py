"""STIX 2.1 export: every bundle validates with stix2-validator, carries the OASIS TLP 2.0 marking of its
edition (never the TLP 1.0 objects), names its authors, and keeps its ids when exported again."""
import json

import pytest
import stix2validator
from stix2.v21 import TLP_AMBER
from stix2.v21 import TLP_GREEN
from stix2.v21 import TLP_RED
from stix2.v21 import TLP_WHITE

from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryKind
from app.stix import TLP_EXTENSION_ID
from app.stix import TLP_MARKING_IDS
from app.stix import bundle
from app.stix.export import advisory_objects
from tests import advisory_world as aw

OASIS_TLP2 = {  # the ids published with the OASIS TLP 2.0 extension definition
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber_strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


@pytest.fixture
def world(app, monkeypatch):
    aw.fake_editions(monkeypatch)
    return aw.build(app)


def _released(world, tlp, **fields):
    advisory = aw.draft(world, tlp=tlp, **fields)
    return aw.release(world, advisory)


def _valid(objects):
    results = stix2validator.validate_instance(bundle(objects), stix2validator.ValidationOptions(strict=False))
    assert results.is_valid, [str(e) for e in results.errors]
    return results


def test_the_marking_ids_are_the_oasis_tlp_2_0_ones_never_the_tlp_1_0_objects():
    assert {tlp.value: marking_id for tlp, marking_id in TLP_MARKING_IDS.items()} == OASIS_TLP2
    assert not {m.id for m in (TLP_WHITE, TLP_GREEN, TLP_AMBER, TLP_RED)} & set(OASIS_TLP2.values())


@pytest.mark.parametrize("tlp", [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT])
def test_an_advisory_bundle_validates_and_is_marked_with_its_tlp(app, world, tlp):
    with app.app_context():
        advisory = _released(world, tlp, recommended_actions="Patch the relays.\n\n<script>x</script>",
                             kind=AdvisoryKind.INCIDENT_SUMMARY)
        objects = advisory_objects(advisory)
        _valid(objects)
        by_type = {}
        for obj in objects:
            by_type.setdefault(obj["type"], []).append(obj)
        report = by_type["report"][0]
        assert report["object_marking_refs"] == [OASIS_TLP2[tlp.value]]
        assert {i["name"] for i in by_type["identity"]} == {"National Cyber Agency", "Northern Grid"}
        assert set(report["object_refs"]) >= {i["id"] for i in by_type["identity"]}
        assert by_type["course-of-action"][0]["description"].startswith("Patch the relays.")
        incident = by_type["incident"][0]
        assert incident["extensions"]["extension-definition--ef765651-680c-498d-9894-99799f2fa126"][
            "determination"] == "confirmed"
        marking = next(m for m in by_type["marking-definition"] if m["id"] == OASIS_TLP2[tlp.value])
        assert marking["extensions"][TLP_EXTENSION_ID]["tlp_2_0"] == tlp.value.replace("_", "+")
        assert marking["name"] == tlp.label
        assert report["external_references"][0]["external_id"] == advisory.reference


def test_export_is_stable_and_an_update_keeps_the_id_with_a_newer_modified(app, world):
    from app.advisories import services

    with app.app_context():
        advisory = _released(world, TLP.GREEN)
        first = json.dumps(advisory_objects(advisory), sort_keys=True)
        assert json.dumps(advisory_objects(advisory), sort_keys=True) == first
        old_report = next(o for o in advisory_objects(advisory) if o["type"] == "report")
        update = services.start_update(aw.person(world, "gov_coordinator"), advisory)
        update.title = "Corrected: grid relay exploitation"
        db.session.commit()
        aw.release(world, update)
        new_report = next(o for o in advisory_objects(update) if o["type"] == "report")
        assert new_report["id"] == old_report["id"]
        assert new_report["modified"] > old_report["modified"]
        services.withdraw(aw.person(world, "gov_coordinator"), update, "Wrong asset class")
        db.session.commit()
        revoked = next(o for o in advisory_objects(update) if o["type"] == "report")
        assert revoked["id"] == old_report["id"] and revoked["revoked"] is True
        _valid(advisory_objects(update))


def test_the_public_edition_is_a_clear_report_without_the_restricted_text(app, world):
    with app.app_context():
        advisory = _released(world, TLP.AMBER, public_title="Relay firmware: patch now")
        objects = advisory_objects(advisory, public=True)
        _valid(objects)
        text = json.dumps(objects)
        assert "RESTRICTED" not in text and "Relay firmware: patch now" in text
        report = next(o for o in objects if o["type"] == "report")
        assert report["object_marking_refs"] == [OASIS_TLP2["clear"]]
        assert report["id"] != next(o for o in advisory_objects(advisory) if o["type"] == "report")["id"]
        assert db.session.get(Advisory, advisory.id).tlp is TLP.AMBER


def test_an_incident_summary_validates_carries_the_incident_core_extension_and_only_the_shared_fields(app, world):
    """What the reporter and its authority keep between them (stages, services, users affected) never leaves;
    an archived report leaves revoked; the id does not change between versions."""
    from app.models import IncidentStatus
    from app.models import Organization
    from app.models import utcnow
    from app.stix.incidents import incident_objects
    from tests import factories as f

    with app.app_context():
        gov, operator = (db.session.get(Organization, world.orgs[k]) for k in ("gov", "operator"))
        report = f.incident_report(owner_organization=operator, authority=gov, tlp=TLP.AMBER_STRICT,
                                   title="Relay outage", summary="Relays tripped.", services_affected="SCADA-7",
                                   users_affected=4242, status=IncidentStatus.CONTAINED, countries_affected="SE,NO")
        report.stages[0].body = "Stage body for the authority only"
        db.session.commit()
        objects = incident_objects(report)
        _valid(objects)
        [incident] = [o for o in objects if o["type"] == "incident"]
        assert incident["object_marking_refs"] == [OASIS_TLP2["amber_strict"]]
        extension = incident["extensions"]["extension-definition--ef765651-680c-498d-9894-99799f2fa126"]
        assert extension["extension_type"] == "property-extension"
        assert (extension["determination"], extension["investigation_status"]) == ("suspected", "open")
        assert {o["name"] for o in objects if o["type"] == "identity"} == {"National Cyber Agency", "Northern Grid"}
        assert {"status:contained", "country:SE", "country:NO", "sector:energy"} <= set(incident["labels"])
        text = json.dumps(objects)
        assert not any(secret in text for secret in ("SCADA-7", "4242", "Stage body"))
        assert "revoked" not in incident
        report.archived_at = utcnow()
        db.session.commit()
        [again] = [o for o in incident_objects(report) if o["type"] == "incident"]
        assert again["id"] == incident["id"] and again["revoked"] is True


@pytest.mark.parametrize("tlp", [TLP.CLEAR, TLP.AMBER_STRICT])
def test_a_risk_shared_on_its_own_validates_and_is_marked_with_its_tlp(app, world, tlp):
    from app.models import Organization
    from app.stix.export import risk_objects
    from tests import factories as f

    with app.app_context():
        risk = f.risk(owner_organization=db.session.get(Organization, world.orgs["operator"]), tlp=tlp,
                      title="Relay firmware", threat="Sabotage", asset="Substation 7", decision_note="Board only")
        objects = risk_objects(risk)
        _valid(objects)
        [vulnerability] = [o for o in objects if o["type"] == "vulnerability"]
        assert vulnerability["object_marking_refs"] == [OASIS_TLP2[tlp.value]]
        assert [o["name"] for o in objects if o["type"] == "identity"] == ["Northern Grid"]
        assert "Substation 7" not in json.dumps(objects) and "Board only" not in json.dumps(objects)
