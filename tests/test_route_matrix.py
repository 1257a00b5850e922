"""AC-07: every route × {anonymous, member, coordinator, executive, admin, member of another org}.

The world (tests/security_world.py): every record belongs to org A with TLP:AMBER; the member is
on the working group, assigned the task and the mitigation. The other organisation's member must
get 404 on every record route (out of scope), never 403 (which would confirm the record exists).

Adding a route = adding one line to EXPECTED. A route without an entry fails the test by name.
Statuses: LOGIN = 302 to the sign-in page; OK = allowed (any 2xx/3xx, 400 or 409 for an empty form,
never 401/403/404/405/5xx); IN_SCOPE = like OK but 403 allowed (the record's state refuses the
action, e.g. restoring a record that is not archived); 403 / 404 exactly.
Writes are POSTed with an empty form unless POST_DATA gives a plausible one.
"""
import sqlite3

import pytest

from app.extensions import db
from tests.conftest import USING_POSTGRES
from tests.conftest import make_app
from tests.security_world import ROLES
from tests.security_world import app_rules
from tests.security_world import build_url
from tests.security_world import client_for
from tests.security_world import seed_world
from tests.security_world import write_methods

LOGIN, OK, IN_SCOPE = "login", "ok", "in-scope"


def expect(anonymous=LOGIN, member=OK, coordinator=OK, executive=OK, admin=OK, other_org=OK) -> dict:
    return dict(anonymous=anonymous, member=member, coordinator=coordinator, executive=executive,
                admin=admin, other_org=other_org)


PUBLIC = expect(anonymous=OK)
SIGNED_IN = expect()                                                    # any signed-in user
SCOPED_READ = expect(other_org=404)                                     # A's AMBER record
COORDINATOR_WRITE = expect(member=403, executive=403, admin=403, other_org=404)
ASSIGNEE_WRITE = expect(executive=403, admin=403, other_org=404)        # coordinator or the assignee
CREATE = expect(member=403, executive=403, admin=403, other_org=403)    # coordinators create records
ADMIN_ONLY = expect(member=403, coordinator=403, executive=403, other_org=403)
ALL_TO_LOGIN = expect(member=LOGIN, coordinator=LOGIN, executive=LOGIN, admin=LOGIN, other_org=LOGIN)
OWNER_ONLY = expect(member=404, executive=404, admin=404, other_org=404)  # the coordinator's own
STATEFUL_WRITE = {**COORDINATOR_WRITE, "coordinator": IN_SCOPE}        # the world's state may refuse it
SIGNATORY_ONLY = expect(member=403, coordinator=403, executive=403, admin=403, other_org=404)  # nobody is asked

EXPECTED: dict[str, dict] = {
    # auth
    "auth.login": PUBLIC,
    "auth.two_factor": ALL_TO_LOGIN,  # no pending sign-in: back to the password step
    "auth.logout": ALL_TO_LOGIN,
    "auth.reauthenticate": SIGNED_IN,
    "auth.account": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.change_email": SIGNED_IN,
    "auth.change_time_zone": SIGNED_IN,
    "auth.end_other_sessions": SIGNED_IN,
    "auth.two_factor_setup": SIGNED_IN,
    "auth.two_factor_disable": SIGNED_IN,
    "auth.two_factor_backup_codes": SIGNED_IN,
    "auth.set_password": PUBLIC,  # the invitation / reset link; without a valid token: "link not valid"
    "auth.forgot_password": PUBLIC,
    # main
    "main.index": SIGNED_IN,
    "main.healthz": PUBLIC,
    # administration
    "organizations.index": ADMIN_ONLY,
    "organizations.create": ADMIN_ONLY,
    "organizations.detail": ADMIN_ONLY,
    "organizations.edit": ADMIN_ONLY,
    "organizations.archive": ADMIN_ONLY,
    "organizations.restore": ADMIN_ONLY,
    "organizations.delete": ADMIN_ONLY,
    "users.index": ADMIN_ONLY,
    "users.create": ADMIN_ONLY,
    "users.detail": ADMIN_ONLY,
    "users.edit": ADMIN_ONLY,
    "users.activate": ADMIN_ONLY,
    "users.deactivate": ADMIN_ONLY,
    "users.end_sessions": ADMIN_ONLY,
    "users.set_password": ADMIN_ONLY,
    "users.invite": ADMIN_ONLY,
    "users.reset_two_factor": ADMIN_ONLY,
    # agreements
    "agreements.index": SIGNED_IN,
    "agreements.create": CREATE,
    "agreements.detail": SCOPED_READ,
    "agreements.history": SCOPED_READ,
    "agreements.edit": COORDINATOR_WRITE,
    "agreements.change_status": COORDINATOR_WRITE,
    "agreements.archive": COORDINATOR_WRITE,
    "agreements.restore": STATEFUL_WRITE,
    # initiatives
    "initiatives.index": SIGNED_IN,
    "initiatives.create": CREATE,
    "initiatives.detail": SCOPED_READ,
    "initiatives.history": SCOPED_READ,
    "initiatives.edit": COORDINATOR_WRITE,
    "initiatives.change_status": COORDINATOR_WRITE,
    "initiatives.update_health": COORDINATOR_WRITE,
    "initiatives.archive": COORDINATOR_WRITE,
    "initiatives.restore": STATEFUL_WRITE,
    "initiatives.add_milestone": COORDINATOR_WRITE,
    "initiatives.edit_milestone": COORDINATOR_WRITE,
    "initiatives.complete_milestone": COORDINATOR_WRITE,
    "initiatives.reopen_milestone": COORDINATOR_WRITE,
    "initiatives.delete_milestone": COORDINATOR_WRITE,
    # working groups and tasks
    "working_groups.index": SIGNED_IN,
    "working_groups.create": CREATE,
    "working_groups.detail": SCOPED_READ,
    "working_groups.history": SCOPED_READ,
    "working_groups.edit": COORDINATOR_WRITE,
    "working_groups.change_status": COORDINATOR_WRITE,
    "working_groups.archive": COORDINATOR_WRITE,
    "working_groups.restore": STATEFUL_WRITE,
    "working_groups.add_member": COORDINATOR_WRITE,
    "working_groups.change_member_role": COORDINATOR_WRITE,
    "working_groups.remove_member": COORDINATOR_WRITE,
    "working_groups.add_task": COORDINATOR_WRITE,
    "tasks.index": SIGNED_IN,
    "tasks.detail": SCOPED_READ,
    "tasks.history": SCOPED_READ,
    "tasks.edit": COORDINATOR_WRITE,
    "tasks.change_status": ASSIGNEE_WRITE,
    "tasks.archive": COORDINATOR_WRITE,
    "tasks.restore": STATEFUL_WRITE,
    # risks and mitigations
    "risks.index": SIGNED_IN,
    "risks.create": CREATE,
    "risks.detail": SCOPED_READ,
    "risks.history": SCOPED_READ,
    "risks.edit": COORDINATOR_WRITE,
    "risks.change_status": COORDINATOR_WRITE,
    "risks.archive": COORDINATOR_WRITE,
    "risks.restore": STATEFUL_WRITE,
    "risks.add_mitigation": COORDINATOR_WRITE,
    "risks.edit_mitigation": COORDINATOR_WRITE,
    "risks.mitigation_status": ASSIGNEE_WRITE,
    "risks.archive_mitigation": COORDINATOR_WRITE,
    "risks.restore_mitigation": STATEFUL_WRITE,
    # incident plans
    # incident reports (A reports to an authority none of the world's roles belongs to; the full matrix with
    # the authority's people is in tests/test_incidents_access.py)
    "incidents.index": SIGNED_IN,
    "incidents.create": expect(executive=403, admin=403),    # coordinators and members report their own
    "incidents.detail": SCOPED_READ,
    "incidents.history": SCOPED_READ,
    "incidents.submit_stage": ASSIGNEE_WRITE,                 # the operator's coordinators and members
    "incidents.edit": ASSIGNEE_WRITE,                         # the same people, while the case is open
    "incidents.change_status": ASSIGNEE_WRITE,
    "incidents.acknowledge": SIGNATORY_ONLY,                  # the authority's coordinators only
    "incidents.request_intermediate": SIGNATORY_ONLY,
    "incidents.open_risk": SIGNATORY_ONLY,
    "incidents.archive": STATEFUL_WRITE,                      # the operator's coordinator, once closed
    "incidents.restore": STATEFUL_WRITE,
    # advisories (A's released AMBER advisory: nothing left to edit, submit or approve; nobody of A receives it;
    # the full matrix with co-authors and recipients is in tests/test_advisories_access.py)
    "advisories.index": SIGNED_IN,
    "advisories.create": CREATE,
    "advisories.detail": SCOPED_READ,
    "advisories.history": SCOPED_READ,
    "advisories.edit": SIGNATORY_ONLY,
    "advisories.submit": SIGNATORY_ONLY,
    "advisories.return_to_draft": SIGNATORY_ONLY,
    "advisories.approve": SIGNATORY_ONLY,
    "advisories.withdraw": COORDINATOR_WRITE,
    "advisories.start_update": COORDINATOR_WRITE,
    "advisories.acknowledge": SIGNATORY_ONLY,
    "advisories.open_risk": SIGNATORY_ONLY,
    "advisories.add_tasks": SIGNATORY_ONLY,
    "documents.advisory": SCOPED_READ,
    "sharing.index": SIGNED_IN,
    "sharing.feed": PUBLIC,
    "sharing.create_feed": SIGNED_IN,
    "sharing.revoke_feed": SIGNED_IN,
    # exercises (A's exercise is being planned; the member is its controller; the full matrix with everyone
    # around an exercise is in tests/test_exercises_access.py)
    "exercises.index": SIGNED_IN,
    "exercises.programme": SIGNED_IN,
    "exercises.create": CREATE,
    "exercises.detail": SCOPED_READ,
    "exercises.history": SCOPED_READ,
    "exercises.change_status": COORDINATOR_WRITE,
    "exercises.edit": COORDINATOR_WRITE,
    "exercises.archive": COORDINATOR_WRITE,                 # refused with a message: its action is still open
    "exercises.restore": COORDINATOR_WRITE,
    "exercises.add_participant": COORDINATOR_WRITE,
    "exercises.add_objective": COORDINATOR_WRITE,
    "exercises.add_inject": COORDINATOR_WRITE,
    # an undelivered inject does not exist for whoever may not read the MSEL; nothing is delivered while planning
    "exercises.deliver_inject": expect(member=403, coordinator=403, executive=404, admin=404, other_org=404),
    "exercises.evaluate": SIGNATORY_ONLY,                    # nobody evaluates before the exercise is conducted
    "exercises.add_corrective_action": SIGNATORY_ONLY,       # nor writes the improvement plan
    "exercises.submit_aar": COORDINATOR_WRITE,              # refused with a message until evaluated
    "exercises.approve_aar": COORDINATOR_WRITE,
    "documents.exercise_sitman": SCOPED_READ,
    "documents.exercise_handbook": expect(executive=404, admin=404, other_org=404),  # the member controls
    "documents.exercise_aar": SCOPED_READ,
    "corrective_actions.index": SIGNED_IN,
    "corrective_actions.detail": SCOPED_READ,
    "corrective_actions.history": SCOPED_READ,
    "corrective_actions.change_status": ASSIGNEE_WRITE,      # the responsible organisation's people
    "corrective_actions.edit": COORDINATOR_WRITE,            # the lead organisation's improvement plan
    "corrective_actions.archive": COORDINATOR_WRITE,
    "corrective_actions.restore": COORDINATOR_WRITE,
    "incident_plans.index": SIGNED_IN,
    "incident_plans.create": CREATE,
    "incident_plans.detail": SCOPED_READ,
    "incident_plans.history": SCOPED_READ,
    "incident_plans.edit": COORDINATOR_WRITE,
    "incident_plans.change_status": COORDINATOR_WRITE,
    "incident_plans.revise": STATEFUL_WRITE,
    "incident_plans.archive": COORDINATOR_WRITE,
    "incident_plans.restore": STATEFUL_WRITE,
    "incident_plans.add_section": COORDINATOR_WRITE,
    "incident_plans.edit_section": COORDINATOR_WRITE,
    "incident_plans.move_section": COORDINATOR_WRITE,
    "incident_plans.delete_section": COORDINATOR_WRITE,
    "incident_plans.restore_section": COORDINATOR_WRITE,
    "incident_plans.add_contact": COORDINATOR_WRITE,
    "incident_plans.edit_contact": COORDINATOR_WRITE,
    "incident_plans.delete_contact": COORDINATOR_WRITE,
    # documents (PDFs)
    "documents.agreement": SCOPED_READ,
    "documents.incident_stage": SCOPED_READ,
    "documents.initiative_status": SCOPED_READ,
    "documents.incident_plan": SCOPED_READ,
    "documents.download": SCOPED_READ,
    "documents.risk_register": SIGNED_IN,
    "documents.executive": SIGNED_IN,
    "documents.executed": SCOPED_READ,  # not executed yet: back to the agreement with a message
    # signing
    "signing.issue": COORDINATOR_WRITE,  # the world's agreement is not approved: back to it with a message
    "signing.sign": SIGNATORY_ONLY,
    "signing.decline": SIGNATORY_ONLY,
    "signing.record_paper": COORDINATOR_WRITE,  # an empty form: back to the agreement with a message
    "signing.verify": SIGNED_IN,
    # comments (members, executives and coordinators of a participating organisation; admins read only)
    "comments.agreement": expect(admin=403, other_org=404),
    "comments.incident_plan": expect(admin=403, other_org=404),
    "comments.initiative": expect(admin=403, other_org=404),
    "comments.task": expect(admin=403, other_org=404),
    "comments.risk": expect(admin=403, other_org=404),
    "comments.incident_report": expect(admin=403, other_org=404),
    "comments.advisory": expect(admin=403, other_org=404),
    "comments.exercise": expect(admin=403, other_org=404),
    "comments.corrective_action": expect(admin=403, other_org=404),
    # inbox
    "inbox.index": SIGNED_IN,
    # a document render is followed and downloaded only by the reader who asked for it
    "documents.render_status": OWNER_ONLY,
    "documents.render_state": OWNER_ONLY,
    "documents.render_download": OWNER_ONLY,
    # notifications (the world's notification belongs to the member: nobody else finds it)
    "notifications.index": SIGNED_IN,
    "notifications.mark_read": expect(coordinator=404, executive=404, admin=404, other_org=404),
    "notifications.open_notification": expect(coordinator=404, executive=404, admin=404, other_org=404),
    "notifications.mark_all_read": SIGNED_IN,
    "notifications.preferences": SIGNED_IN,
    "notifications.outbox": ADMIN_ONLY,
    # attachments (walked on the task: the member is its assignee; tests/test_attachments.py covers every kind)
    "attachments.upload": ASSIGNEE_WRITE,
    "attachments.download": SCOPED_READ,
    "attachments.archive": ASSIGNEE_WRITE,
    "attachments.restore": ASSIGNEE_WRITE,
    # calendar feeds: the feed is public (its secret token is the credential); management is one's own
    "calendar.feed": PUBLIC,
    # TAXII peers (admins)
    "peers.index": ADMIN_ONLY,
    "peers.create": ADMIN_ONLY,
    "peers.edit": ADMIN_ONLY,
    "peers.pause": ADMIN_ONLY,
    "peers.resume": ADMIN_ONLY,
    "peers.pull_now": ADMIN_ONLY,
    "calendar.create_feed": SIGNED_IN,
    "calendar.revoke_feed": SIGNED_IN,
    # API tokens: one's own (the world's token is the coordinator's)
    "api_tokens.create": SIGNED_IN,
    "api_tokens.revoke": OWNER_ONLY,
    # webhooks: A's coordinators manage A's; an administrator sees every one and may only disable it
    "webhooks.index": expect(member=403, executive=403, other_org=403),
    "webhooks.create": CREATE,
    "webhooks.detail": expect(member=404, executive=404, other_org=404),
    "webhooks.disable": expect(member=404, executive=404, other_org=404),
    **{f"webhooks.{name}": expect(member=404, executive=404, admin=403, other_org=404)
       for name in ("edit", "enable", "delete", "rotate_secret", "send_test", "replay")},
}

# Valid-looking bodies where an empty form would stop at validation before the permission check.
POST_DATA: dict[str, dict] = {
    "risks.change_status": {"new_status": "mitigating"},
}

# Writes go last in this order so one role's successful change cannot hide another's refusal.
POST_ORDER = ("anonymous", "other_org", "executive", "member", "admin", "coordinator")


def _check(response, expected, label):
    status = response.status_code
    if expected == LOGIN:
        assert status == 302 and "/auth/login" in response.headers.get("Location", ""), f"{label}: {status}"
    elif expected in (OK, IN_SCOPE):
        refused = (401, 404, 405) if expected == IN_SCOPE else (401, 403, 404, 405)
        assert status < 500 and status not in refused, f"{label}: {status}"
        if status == 302 and "/auth/login" in response.headers.get("Location", ""):
            raise AssertionError(f"{label}: sent to sign-in")
    else:
        assert status == expected, f"{label}: expected {expected}, got {status}"


def test_ac07_every_route_has_a_matrix_entry():
    app = make_app()
    missing = sorted({r.endpoint for r in app_rules(app)} - set(EXPECTED))
    assert not missing, f"routes without an AC-07 matrix entry in tests/test_route_matrix.py: {missing}"
    for endpoint, row in EXPECTED.items():
        assert set(row) == set(ROLES), endpoint


def test_ac07_read_routes_by_role():
    app = make_app()
    world = seed_world(app)
    clients = {role: client_for(app, world, role) for role in ROLES}
    failures = []
    for rule in app_rules(app):
        if "GET" not in rule.methods or rule.endpoint not in EXPECTED:
            continue
        url = build_url(rule, world.ids)
        for role in ROLES:
            try:
                _check(clients[role].get(url), EXPECTED[rule.endpoint][role], f"GET {url} as {role}")
            except AssertionError as exc:
                failures.append(str(exc))
    assert not failures, "\n".join(failures)


def _write_rules():
    app = make_app()
    return [pytest.param(rule.endpoint, method, id=f"{method} {rule.endpoint}")
            for rule in app_rules(app) for method in write_methods(rule)]


_seeded: dict = {}  # SQLite: the world seeded once ("world") and a copy of its database ("database")


def _new_world(app):
    """The world, unchanged by any earlier write: on SQLite a copy of a database seeded once (same ids and
    emails; SQLite's backup API copies it in a millisecond, seeding takes a third of a second); on PostgreSQL
    it is seeded again (the per-test emptying of the tables removed it)."""
    if USING_POSTGRES:
        return seed_world(app)
    first = not _seeded
    if first:
        _seeded["world"] = seed_world(app)
        _seeded["database"] = sqlite3.connect(":memory:", check_same_thread=False)
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            if first:
                raw.driver_connection.backup(_seeded["database"])
            else:
                _seeded["database"].backup(raw.driver_connection)
        finally:
            raw.close()
    return _seeded["world"]


@pytest.mark.parametrize("endpoint, method", _write_rules())
def test_ac07_write_routes_by_role(endpoint, method):
    assert endpoint in EXPECTED, f"{endpoint} has no AC-07 matrix entry"
    app = make_app()
    world = _new_world(app)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods)
    url = build_url(rule, world.ids)
    failures = []
    for role in POST_ORDER:
        response = client_for(app, world, role).open(url, method=method, data=POST_DATA.get(endpoint, {}))
        try:
            _check(response, EXPECTED[endpoint][role], f"{method} {url} as {role}")
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)
