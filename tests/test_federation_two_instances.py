"""Two served instances (a national programme and a Nordic centre), each on its own database, peered both ways
through their TAXII servers: advisories released and risks registered at every TLP on each side arrive on the
other exactly when the egress rule lets them, keep their TLP, and the leak check finds nothing: every user of
each instance × every record of both, nothing is readable that the receiving side's rule would hide."""
import pytest
import sqlalchemy as sa

from app import permissions
from app.extensions import db
from app.federation import demo
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryKind
from app.models import IncidentReport
from app.models import PeerImport
from app.models import Risk
from app.models import Role
from app.models import User
from app.stix.export import report_id
from app.stix.export import risk_vulnerability
from app.stix.incidents import incident_id
from tests import advisory_world as aw
from tests.conftest import USING_POSTGRES
from tests.conftest import drop_shared_app
from tests.conftest import shared_app
from tests.served import LiveApp


def _side(key, tmp_path):
    from config import TestConfig

    settings = {"STIX_INSTANCE": f"palisade-test-{key}"}
    if not USING_POSTGRES:
        settings["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / (key + '.sqlite')}"
    app = shared_app(type(f"{key}Config", (TestConfig,), settings))
    server = LiveApp.__new__(LiveApp)
    server.app, server._server = app, None
    server.start()
    side = demo.Side(key, app, url=server.url)
    return side, server


@pytest.fixture
def sides(tmp_path, monkeypatch, _postgres_schema):
    aw.fake_editions(monkeypatch)
    made = [_side(key, tmp_path) for key in demo.SIDES]
    yield [side for side, _server in made]
    for side, server in made:
        server.stop()
        drop_shared_app(side.app)


def _exported(side) -> dict[str, tuple]:
    """{STIX id: (title, TLP, author org ids, recipient org ids)} of the side's own advisories, and of its
    incident reports (the reporter and the authority as authors: the organisations taking part), and of its risks
    (the owner as author, the organisations assigned a mitigation as recipients; titled as exported)."""
    with side.app.app_context():
        rows = db.session.scalars(sa.select(Advisory).where(Advisory.owner_organization_id == side.orgs["own"])).all()
        found = {report_id(a): (a.title, a.tlp, a.author_org_ids, a.recipient_org_ids) for a in rows}
        for report in db.session.scalars(sa.select(IncidentReport)):
            found[incident_id(report)] = (report.title, report.tlp, report.participating_org_ids(), set())
        for risk in db.session.scalars(sa.select(Risk)):
            found[risk_vulnerability(risk)["id"]] = (f"{risk.reference}: {risk.title}", risk.tlp,
                                                     {risk.owner_organization_id}, risk.participating_org_ids())
        return found


def _egress(origin, record) -> bool:
    """The rule, written out again: what `origin` lets leave for the organisation representing the other side,
    in the agreement's collection (parties: origin's own organisation and that one)."""
    _title, tlp, authors, recipients = record
    peer, parties = origin.orgs["peer"], {origin.orgs["own"], origin.orgs["peer"]}
    takes_part = authors | recipients
    return bool(authors & parties) and {
        TLP.CLEAR: True, TLP.GREEN: True, TLP.AMBER: peer in takes_part,
        TLP.AMBER_STRICT: peer in takes_part, TLP.RED: False}[tlp]


def _readable_on(receiver, user: User, tlp: TLP) -> bool:
    """The receiving side's rule for an imported record: owned by the organisation representing the peer,
    addressed to the receiver's own organisation (AMBER reaches its clients too)."""
    takes_part = {receiver.orgs["peer"], receiver.orgs["own"]}
    if user.role is Role.ADMIN:
        return tlp is not TLP.RED
    parent = user.organization.parent_id
    return {TLP.CLEAR: True, TLP.GREEN: True, TLP.AMBER: bool({user.organization_id, parent} & takes_part),
            TLP.AMBER_STRICT: user.organization_id in takes_part, TLP.RED: False}[tlp]


def test_two_instances_share_under_tlp_and_nothing_leaks(sides):
    national, nordic = sides
    demo.seed(national, "nordic")
    demo.seed(nordic, "national")
    demo.peer_with(national, nordic)
    demo.peer_with(nordic, national)
    for side in sides:
        demo.release_every_tlp(side)
        demo.report_incidents(side)
        demo.register_risks(side)
    for side in sides:  # nothing RED is even offered (the importer would refuse it too)
        assert demo.pull(side).startswith("9 new, 0 updated, 0 withdrawn, 0 unchanged, 0 invalid, 0 refused")

    for receiver, origin in ((national, nordic), (nordic, national)):
        sent = _exported(origin)
        with receiver.app.app_context():
            held = {row.stix_id: row.advisory for row in db.session.scalars(sa.select(PeerImport))}
            expected = {stix_id for stix_id, record in sent.items() if _egress(origin, record)}
            assert set(held) == expected, receiver.name  # and nothing of its own came back
            # CLEAR, GREEN, AMBER and AMBER+STRICT advisories and risks with the partner centre; the incident
            # reported to it; never a RED one, nor an AMBER one the partner centre takes no part in
            assert len(expected) == 9 and sum(i.startswith("incident--") for i in expected) == 1
            assert sorted(sent[i][1].label for i in expected if i.startswith("vulnerability--")) == sorted(
                tlp.label for _title, tlp, to in demo.RISKS if to != "operator" and tlp is not TLP.RED)
            for stix_id, advisory in held.items():
                assert advisory.tlp is sent[stix_id][1] and advisory.title == sent[stix_id][0]
                assert advisory.owner_organization_id == receiver.orgs["peer"]
                assert (advisory.kind is AdvisoryKind.VULNERABILITY) == stix_id.startswith("vulnerability--")
            # the leak check: every user here × every record of both instances
            users = db.session.scalars(sa.select(User)).all()
            own_records = db.session.scalars(sa.select(Advisory).where(
                Advisory.owner_organization_id == receiver.orgs["own"])).all()
            for user in users:
                visible = set(db.session.scalars(permissions.visible_advisories(user).with_only_columns(Advisory.id)))
                for stix_id, record in sent.items():
                    copy_ = held.get(stix_id)
                    if copy_ is None:
                        continue  # never arrived: nobody here can read it
                    assert (copy_.id in visible) == _readable_on(receiver, user, record[1]), (user.email, record[0])
                for advisory in own_records:
                    may = (user.role is Role.ADMIN or advisory.tlp in (TLP.CLEAR, TLP.GREEN)
                           or bool({user.organization_id, user.organization.parent_id if advisory.tlp is TLP.AMBER
                                    else None} & advisory.participating_org_ids()))
                    assert (advisory.id in visible) == may, (user.email, advisory.title)
                incidents = set(db.session.scalars(
                    permissions.visible_incident_reports(user).with_only_columns(IncidentReport.id)))
                for report in db.session.scalars(sa.select(IncidentReport)):
                    takes_part = report.participating_org_ids()
                    may = (user.role is Role.ADMIN or user.organization_id in takes_part
                           or (report.tlp is TLP.AMBER and user.organization.parent_id in takes_part))
                    assert (report.id in incidents) == may, (user.email, report.title)
            client = receiver.app.test_client(user=db.session.scalar(
                sa.select(User).where(User.email == receiver.emails["operator"])))
            for advisory in held.values():
                status = client.get(f"/advisories/{advisory.id}").status_code
                assert status == (200 if advisory.tlp in (TLP.CLEAR, TLP.GREEN) else 404), advisory.title

    # pulling again brings nothing new: the same objects are recognised by their STIX ids
    for side in sides:
        assert demo.pull(side).startswith("0 new, 0 updated, 0 withdrawn")
