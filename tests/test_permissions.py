"""The access core (DESIGN.md, "Access model"): the exact set of records each user may read.

One world, built once for the module: organisations A (government, takes part in nothing),
B (operator, owns every record), C (partner, takes part through each kind's own participation
rule), D (client of B) and E (client of C); a user of every role in each, plus the record
creator (a coordinator of B), a TLP:RED recipient in C and a deactivated coordinator of B.
Every shareable kind has one record per TLP label. The expected sets are written from the
table in DESIGN.md, not from the code under test.

Tests here only read (no HTTP, no commit), so sharing the world across them is safe.
"""
import pytest
import sqlalchemy as sa

from app import permissions
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import IncidentPlan
from app.models import Initiative
from app.models import Mitigation
from app.models import OrganizationKind
from app.models import Risk
from app.models import Role
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import utcnow
from tests import factories
from tests.conftest import drop_shared_app
from tests.conftest import shared_app

ORGS = ("A", "B", "C", "D", "E")
ROLES = (Role.ADMIN, Role.COORDINATOR, Role.MEMBER, Role.EXECUTIVE)
ROLE_USERS = [f"{org}-{role.value}" for org in ORGS for role in ROLES]
SPECIAL_USERS = ["creator", "recipient", "inactive"]
ALL_USERS = ROLE_USERS + SPECIAL_USERS
USER_ORG = {**{key: key.split("-")[0] for key in ROLE_USERS}, "creator": "B", "recipient": "C", "inactive": "B"}

PARTICIPANTS = {"B", "C"}  # owner B; C through the kind's participation rule
CLIENTS = {"D", "E"}  # D is a client of B, E of C

KINDS = {
    "agreement": (Agreement, permissions.visible_agreements),
    "initiative": (Initiative, permissions.visible_initiatives),
    "working_group": (WorkingGroup, permissions.visible_working_groups),
    "risk": (Risk, permissions.visible_risks),
    "incident_plan": (IncidentPlan, permissions.visible_incident_plans),
    "task": (Task, permissions.visible_tasks),  # follows its working group
    "mitigation": (Mitigation, permissions.visible_mitigations),  # follows its risk
}
PARENT_KIND = {"task": "working_group", "mitigation": "risk"}


def may_read(user_key: str, tlp: TLP) -> bool:
    """DESIGN.md's table, written out independently of app/permissions.py."""
    if user_key == "inactive":
        return False
    if tlp is TLP.RED:
        return user_key in {"creator", "recipient"}
    if tlp in (TLP.CLEAR, TLP.GREEN):
        return True
    if user_key.endswith("-admin"):
        return True
    org = USER_ORG[user_key]
    if tlp is TLP.AMBER:
        return org in PARTICIPANTS | CLIENTS
    return org in PARTICIPANTS  # AMBER+STRICT: participants only, never their clients


def _build_world() -> dict:
    orgs = {
        "A": factories.organization(name="A Government Office", kind=OrganizationKind.GOVERNMENT),
        "B": factories.organization(name="B Operator", kind=OrganizationKind.PRIVATE_SECTOR),
        "C": factories.organization(name="C Partner", kind=OrganizationKind.INTERNATIONAL),
    }
    orgs["D"] = factories.organization(name="D Client of B", parent=orgs["B"])
    orgs["E"] = factories.organization(name="E Client of C", parent=orgs["C"])
    users = {f"{key}-{role.value}": factories.user(role=role, organization=org)
             for key, org in orgs.items() for role in ROLES}
    users["creator"] = factories.user(role=Role.COORDINATOR, organization=orgs["B"], name="Creator")
    users["recipient"] = factories.user(role=Role.MEMBER, organization=orgs["C"], name="Recipient")
    users["inactive"] = factories.user(role=Role.COORDINATOR, organization=orgs["B"], active=False)

    creator, b, c = users["creator"], orgs["B"], orgs["C"]
    records = {kind: {} for kind in KINDS}
    for tlp in TLP:
        extra = {"tlp": tlp, "created_by": creator, "owner_organization": b}
        records["agreement"][tlp] = factories.agreement(parties=[b, c], **extra)
        records["initiative"][tlp] = factories.initiative(lead_organization=b, participants=[c], **extra)
        group = factories.working_group(members=[users["B-member"], users["C-member"]], **extra)
        records["working_group"][tlp] = group
        risk = factories.risk(**extra)
        records["risk"][tlp] = risk
        records["incident_plan"][tlp] = factories.incident_plan(covered=[c], **extra)
        records["task"][tlp] = factories.task(working_group=group)
        records["mitigation"][tlp] = factories.mitigation(risk=risk, assigned_organization=c)
        if tlp is TLP.RED:
            for kind in ("agreement", "initiative", "working_group", "risk", "incident_plan"):
                records[kind][tlp].recipients = [users["recipient"]]
    db.session.commit()
    return {
        "orgs": {k: o.id for k, o in orgs.items()},
        "users": {k: u.id for k, u in users.items()},
        "records": {kind: {tlp: r.id for tlp, r in by_tlp.items()} for kind, by_tlp in records.items()},
    }


@pytest.fixture(scope="module")
def world(_postgres_schema):
    """One world for the module, on a database of its own (on PostgreSQL too: see conftest.shared_app)."""
    app = shared_app()
    with app.app_context():
        ids = _build_world()
    yield app, ids
    drop_shared_app(app)


def _user(ids, key) -> User:
    return db.session.scalar(sa.select(User).where(User.id == ids["users"][key]))


def _expected(ids, kind, user_key) -> set[int]:
    return {record_id for tlp, record_id in ids["records"][kind].items() if may_read(user_key, tlp)}


@pytest.mark.parametrize("user_key", ALL_USERS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_user_sees_exactly_what_the_tlp_table_allows(world, kind, user_key):
    app, ids = world
    model, visible = KINDS[kind]
    with app.app_context():
        seen = set(db.session.scalars(visible(_user(ids, user_key)).with_only_columns(model.id)))
        all_ids = set(db.session.scalars(sa.select(model.id)))
    assert seen == _expected(ids, kind, user_key)
    assert seen <= all_ids


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_matrix_is_not_trivial(world, kind):
    """Guards against a fixture that would make every row equal (e.g. everything CLEAR)."""
    _, ids = world
    sizes = {user_key: len(_expected(ids, kind, user_key)) for user_key in ALL_USERS}
    assert sizes["A-member"] == 2  # CLEAR, GREEN
    assert sizes["D-member"] == 3 and sizes["E-member"] == 3  # + AMBER through the parent
    assert sizes["C-member"] == 4 and sizes["B-member"] == 4  # + AMBER+STRICT
    assert sizes["A-admin"] == 4  # everything but RED
    assert sizes["creator"] == 5 and sizes["recipient"] == 5
    assert sizes["inactive"] == 0


@pytest.mark.parametrize("kind", list(PARENT_KIND))
def test_children_follow_their_parent(world, kind):
    app, ids = world
    model, visible = KINDS[kind]
    parent_model, parent_visible = KINDS[PARENT_KIND[kind]]
    parent_column = Task.working_group_id if model is Task else Mitigation.risk_id
    with app.app_context():
        for user_key in ALL_USERS:
            user = _user(ids, user_key)
            parents = set(db.session.scalars(parent_visible(user).with_only_columns(parent_model.id)))
            children_parents = set(db.session.scalars(visible(user).with_only_columns(parent_column)))
            assert children_parents == parents, user_key


def test_visible_scopes_hide_everything_from_anonymous_and_inactive_users(world):
    from flask_login import AnonymousUserMixin

    app, ids = world
    with app.app_context():
        inactive = _user(ids, "inactive")
        for kind, (model, visible) in KINDS.items():
            assert db.session.scalars(visible(inactive)).all() == [], kind
            assert db.session.scalars(visible(AnonymousUserMixin())).all() == [], kind
            assert db.session.scalars(visible(None)).all() == [], kind


def test_visible_users_hides_deactivated_accounts_except_from_admins(world):
    app, ids = world
    with app.app_context():
        for_member = set(db.session.scalars(permissions.visible_users(_user(ids, "A-member"))
                                            .with_only_columns(User.id)))
        for_admin = set(db.session.scalars(permissions.visible_users(_user(ids, "A-admin"))
                                           .with_only_columns(User.id)))
    assert ids["users"]["inactive"] not in for_member
    assert ids["users"]["inactive"] in for_admin
    assert for_admin - for_member == {ids["users"]["inactive"]}


# --- Participation rules, one at a time ---------------------------------------------------------
# Each builder makes an AMBER+STRICT record owned by B in which organisation C takes part only
# through the rule named; C's users must then read it, A's must not.


def _agreement_party(b, c, creator, c_user):
    return factories.agreement(parties=[c], created_by=creator, owner_organization=b,
                               tlp=TLP.AMBER_STRICT)


def _initiative_lead(b, c, creator, c_user):
    return factories.initiative(lead_organization=c, created_by=creator, owner_organization=b,
                                tlp=TLP.AMBER_STRICT)


def _initiative_participant(b, c, creator, c_user):
    return factories.initiative(lead_organization=b, participants=[c], created_by=creator,
                                owner_organization=b, tlp=TLP.AMBER_STRICT)


def _working_group_member(b, c, creator, c_user):
    return factories.working_group(members=[c_user], created_by=creator, owner_organization=b,
                                   tlp=TLP.AMBER_STRICT)


def _risk_mitigation(b, c, creator, c_user):
    risk = factories.risk(created_by=creator, owner_organization=b, tlp=TLP.AMBER_STRICT)
    factories.mitigation(risk=risk, assigned_organization=c)
    return risk


def _plan_covered(b, c, creator, c_user):
    return factories.incident_plan(covered=[c], created_by=creator, owner_organization=b,
                                   tlp=TLP.AMBER_STRICT)


@pytest.mark.parametrize("build, visible", [
    (_agreement_party, permissions.visible_agreements),
    (_initiative_lead, permissions.visible_initiatives),
    (_initiative_participant, permissions.visible_initiatives),
    (_working_group_member, permissions.visible_working_groups),
    (_risk_mitigation, permissions.visible_risks),
    (_plan_covered, permissions.visible_incident_plans),
])
def test_each_participation_rule_lets_the_participant_in(world, build, visible):
    app, ids = world
    with app.app_context():
        users = {key: _user(ids, key) for key in ("creator", "C-member", "C-executive", "A-member", "E-member")}
        b, c = users["creator"].organization, users["C-member"].organization
        record = build(b, c, users["creator"], users["C-member"])
        try:
            def sees(key):
                return record.id in set(db.session.scalars(visible(users[key]).with_only_columns(type(record).id)))

            assert sees("C-member") and sees("C-executive")
            assert not sees("A-member")
            assert not sees("E-member")  # a client of C: AMBER+STRICT does not reach clients
            assert permissions.participates(users["C-member"], record)
            assert not permissions.participates(users["A-member"], record)
        finally:  # leave the shared world as it was
            for mitigation in getattr(record, "mitigations", []):
                db.session.delete(mitigation)
            db.session.delete(record)
            db.session.commit()


# --- Predicates ---------------------------------------------------------------------------------

EDIT_PREDICATES = {
    "agreement": permissions.can_edit_agreement,
    "initiative": permissions.can_edit_initiative,
    "working_group": permissions.can_edit_working_group,
    "risk": permissions.can_edit_risk,
    "incident_plan": permissions.can_edit_incident_plan,
    "task": permissions.can_edit_task,
    "mitigation": permissions.can_edit_mitigation,
}
MAY_EDIT = {"B-coordinator", "C-coordinator", "creator"}


def _record(ids, kind, tlp=TLP.AMBER):
    model = KINDS[kind][0]
    return db.session.scalar(sa.select(model).where(model.id == ids["records"][kind][tlp]))


@pytest.mark.parametrize("user_key", [key for key in ALL_USERS if key not in ("recipient", "inactive")])
@pytest.mark.parametrize("kind", list(EDIT_PREDICATES))
def test_only_coordinators_of_participating_organisations_may_edit(world, kind, user_key):
    """Coordinator of B (owner) or C (participant): yes. Members, executives, admins: no.
    Coordinators of A (outsider), D and E (clients, who may read AMBER) may not edit either."""
    app, ids = world
    with app.app_context():
        allowed = EDIT_PREDICATES[kind](_user(ids, user_key), _record(ids, kind))
    assert allowed is (user_key in MAY_EDIT)


@pytest.mark.parametrize("kind", ["agreement", "initiative", "working_group", "risk", "incident_plan"])
def test_archived_records_are_read_only_even_for_their_coordinators(world, kind):
    app, ids = world
    with app.app_context():
        record = _record(ids, kind)
        coordinator = _user(ids, "B-coordinator")
        assert EDIT_PREDICATES[kind](coordinator, record)
        record.archived_at = utcnow()  # in the session only; rolled back below
        try:
            assert not EDIT_PREDICATES[kind](coordinator, record)
        finally:
            db.session.rollback()


@pytest.mark.parametrize("user_key, allowed", [
    ("A-admin", False), ("B-coordinator", True), ("C-coordinator", True), ("D-coordinator", False),
    ("B-member", False), ("B-executive", False),
])
def test_archive_and_transition_predicates(world, user_key, allowed):
    app, ids = world
    with app.app_context():
        user = _user(ids, user_key)
        assert permissions.can_archive(user, _record(ids, "agreement")) is allowed
        assert permissions.can_transition_agreement(user, _record(ids, "agreement")) is allowed
        assert permissions.can_transition_initiative(user, _record(ids, "initiative")) is allowed
        assert permissions.can_transition_incident_plan(user, _record(ids, "incident_plan")) is allowed


@pytest.mark.parametrize("role, allowed", [(Role.COORDINATOR, True), (Role.MEMBER, False),
                                           (Role.EXECUTIVE, False), (Role.ADMIN, False)])
def test_only_coordinators_create_records(world, role, allowed):
    app, ids = world
    with app.app_context():
        user = _user(ids, f"B-{role.value}")
        for predicate in (permissions.can_create_agreement, permissions.can_create_initiative,
                          permissions.can_create_working_group, permissions.can_create_risk,
                          permissions.can_create_incident_plan):
            assert predicate(user) is allowed


def test_assignees_update_their_own_task_and_mitigation_status(world):
    app, ids = world
    with app.app_context():
        task = _record(ids, "task")
        mitigation = _record(ids, "mitigation")
        member, executive, outsider = (_user(ids, "C-member"), _user(ids, "C-executive"), _user(ids, "A-member"))
        assert not permissions.can_update_task_status(member, task)
        assert not permissions.can_update_mitigation_status(member, mitigation)
        task.assignee_id = member.id
        mitigation.assigned_user_id = member.id
        executive_task = task.assignee_id
        try:
            assert permissions.can_update_task_status(member, task)
            assert permissions.can_update_mitigation_status(member, mitigation)
            assert not permissions.can_update_task_status(outsider, task)
            task.assignee_id = executive.id
            mitigation.assigned_user_id = executive.id
            assert not permissions.can_update_task_status(executive, task)  # executives only read
            assert not permissions.can_update_mitigation_status(executive, mitigation)
            assert permissions.can_update_task_status(_user(ids, "B-coordinator"), task)
        finally:
            db.session.rollback()
        assert executive_task == member.id


@pytest.mark.parametrize("user_key, allowed", [("A-admin", True), ("B-admin", True), ("A-coordinator", False),
                                               ("B-member", False), ("C-executive", False)])
def test_only_admins_manage_organisations_and_users(world, user_key, allowed):
    app, ids = world
    with app.app_context():
        user = _user(ids, user_key)
        assert permissions.can_manage_organizations(user) is allowed
        assert permissions.can_manage_users(user) is allowed


def test_authorize_raises_403():
    from werkzeug.exceptions import Forbidden

    permissions.authorize(True)
    with pytest.raises(Forbidden):
        permissions.authorize(False)
