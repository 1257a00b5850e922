"""The API's access matrix, generated: every operation of every kind × every person of every organisation kind
the pages' matrices use answers as the page does (404 outside the scope, 403 in scope but not allowed).

The page is the oracle: for each operation the table names the page request that decides the same thing (the
record's page for a read, its form for an update, the status form's POST for a transition); its answer
(200/302 → the operation's success status, 403 → 403, 404 → 404) is what the API must give. Writes are chosen
to change nothing another row depends on (an untouched update, a step to the current status, which the
lifecycle refuses with 409 once the user is allowed), so one seeded world serves the whole table.
Add a kind: a builder of its records in `_records` and its operations in KINDS.
"""
import io
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.api import OPEN_ENDPOINTS
from app.documents.services import KIND_INCIDENT_STAGE
from app.documents.services import KIND_PLAN_APPROVED
from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Attachment
from app.models import CorrectiveAction
from app.models import Document
from app.models import Exercise
from app.models import ExerciseInject
from app.models import ExerciseObjective
from app.models import IncidentPlan
from app.models import IncidentReport
from app.models import Initiative
from app.models import MemberRole
from app.models import Milestone
from app.models import Mitigation
from app.models import Notification
from app.models import NotificationKind
from app.models import PartyRole
from app.models import Phase
from app.models import PlanContact
from app.models import PlanSection
from app.models import PlanStatus
from app.models import ReviewOutcome
from app.models import ReviewRequest
from app.models import Risk
from app.models import Role
from app.models import SignatureMethod
from app.models import SignatureRequest
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import utcnow
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for
from tests.conftest import drop_shared_app
from tests.conftest import shared_app

# Every organisation kind of the pages' matrices, with the roles each has people in.
PEOPLE = {
    "owner": (Role.MEMBER, Role.COORDINATOR, Role.EXECUTIVE, Role.ADMIN),
    "partner": (Role.MEMBER, Role.COORDINATOR, Role.EXECUTIVE),  # a party of the record (assigned, covered…)
    "client": (Role.MEMBER, Role.COORDINATOR),  # a client (child) organisation of the owner
    "other": (Role.MEMBER, Role.COORDINATOR, Role.ADMIN),  # another partner, unrelated to the record
    "authority": (Role.COORDINATOR,),  # the national authority, unrelated to the record
    "observer": (Role.MEMBER, Role.COORDINATOR),  # an observer party of the agreement, unrelated to the rest
}
# People of the partner whose standing comes from the records, not their organisation alone: a coordinator named
# reviewer of the agreement's and the plan's review rounds (app/reviews), and the partner's designated signatory
# of the agreement, with a pending electronic signature request (app/signing). Every operation runs for them too.
ROLE_PEOPLE = {"reviewer": Role.COORDINATOR, "signatory": Role.EXECUTIVE}


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    api: str  # formatted with the world's ids
    page: tuple[str, str]  # the page request that decides the same (method, URL)
    ok: int = 200  # the API's answer when the page lets the person through
    body: dict | None = None
    versioned: str | None = None  # send If-Match with the current version of this record (a key of VERSIONED)
    page_form: dict | None = None  # what the page request posts ("{version}": the record's current version)
    use: tuple = ()  # (URL name, world key) pairs: another record of the world in the URL (an approved plan)
    own: bool = False  # on the person's own things (all her notifications read): everyone may, each her own
    files: bool = False  # the page and the API are sent a small text file (multipart/form-data, field `files`)


KINDS = {
    "agreements": [
        Op("list agreements", "GET", "/api/v1/agreements/", ("GET", "/agreements/")),
        Op("read an agreement", "GET", "/api/v1/agreements/{agreement}", ("GET", "/agreements/{agreement}")),
        Op("update an agreement", "PATCH", "/api/v1/agreements/{agreement}", ("GET", "/agreements/{agreement}/edit"),
           body={}, versioned="agreement"),
        Op("transition an agreement", "POST", "/api/v1/agreements/{agreement}/transitions",
           ("POST", "/agreements/{agreement}/status"), 409, {"status": "draft"}),
        Op("create an agreement", "POST", "/api/v1/agreements/", ("GET", "/agreements/new"), 201,
           {"title": "From the API"}),
        Op("list an agreement's documents", "GET", "/api/v1/agreements/{agreement}/documents",
           ("GET", "/agreements/{agreement}")),
        Op("list an agreement's parties", "GET", "/api/v1/agreements/{agreement}/parties/",
           ("GET", "/agreements/{agreement}")),
        Op("add a party", "POST", "/api/v1/agreements/{agreement}/parties/", ("GET", "/agreements/{agreement}/edit"),
           422, {"organization_id": "{partner_org}"}, versioned="agreement"),  # already a party: refused by name
        Op("remove a party", "DELETE", "/api/v1/agreements/{agreement}/parties/{organization}",
           ("GET", "/agreements/{agreement}/edit"), 422, versioned="agreement",
           use=(("organization", "owner_org"),)),  # the owner stays a party
        Op("list signature requests", "GET", "/api/v1/agreements/{agreement}/signature-requests",
           ("GET", "/agreements/{agreement}")),
        Op("issue for signature", "POST", "/api/v1/agreements/{agreement}/signature-requests",
           ("GET", "/agreements/{agreement}/issue-for-signature"), 409, {"signatories": []}),  # a draft: not yet
    ],
    "documents": [
        Op("read a document", "GET", "/api/v1/documents/{document}", ("GET", "/documents/{document}.pdf")),
        Op("download a document", "GET", "/api/v1/documents/{document}/content", ("GET", "/documents/{document}.pdf")),
    ],
    "working groups": [
        Op("list working groups", "GET", "/api/v1/working-groups/", ("GET", "/working-groups/")),
        Op("read a working group", "GET", "/api/v1/working-groups/{working_group}",
           ("GET", "/working-groups/{working_group}")),
        Op("list tasks", "GET", "/api/v1/tasks/", ("GET", "/tasks/")),
        Op("read a task", "GET", "/api/v1/tasks/{task}", ("GET", "/tasks/{task}")),
        Op("create a working group", "POST", "/api/v1/working-groups/", ("GET", "/working-groups/new"), 201,
           {"name": "From the API"}),
        Op("update a working group", "PATCH", "/api/v1/working-groups/{working_group}",
           ("GET", "/working-groups/{working_group}/edit"), body={}, versioned="working_group"),
        Op("transition a working group", "POST", "/api/v1/working-groups/{working_group}/transitions",
           ("POST", "/working-groups/{working_group}/status"), 409, {"status": "active"},
           page_form={"new_status": "active"}),
        Op("add a member again", "POST", "/api/v1/working-groups/{working_group}/members",
           ("POST", "/working-groups/{working_group}/members"), 422, {"user_id": "{user}", "role": "member"},
           page_form={"user_id": "{user}", "role": "member"}, use=(("user", "member_user"),)),
        Op("keep a member's role", "PATCH", "/api/v1/working-groups/{working_group}/members/{user}",
           ("POST", "/working-groups/{working_group}/members/{user}/role"), body={"role": "member"},
           page_form={"role": "member"}, use=(("user", "member_user"),)),
        Op("remove a member holding a task", "DELETE", "/api/v1/working-groups/{working_group}/members/{user}",
           ("POST", "/working-groups/{working_group}/members/{user}/remove"), 422, use=(("user", "member_user"),)),
        Op("add a task", "POST", "/api/v1/working-groups/{working_group}/tasks/",
           ("GET", "/working-groups/{working_group}/tasks/new"), 201, {"title": "From the API"}),
        Op("update a task", "PATCH", "/api/v1/tasks/{task}", ("GET", "/tasks/{task}/edit"), body={},
           versioned="task"),
        Op("transition a task", "POST", "/api/v1/tasks/{task}/transitions", ("POST", "/tasks/{task}/status"), 409,
           {"status": "todo"}, page_form={"new_status": "todo"}),
    ],
    "initiatives": [
        Op("list initiatives", "GET", "/api/v1/initiatives/", ("GET", "/initiatives/")),
        Op("read an initiative", "GET", "/api/v1/initiatives/{initiative}", ("GET", "/initiatives/{initiative}")),
        Op("update an initiative", "PATCH", "/api/v1/initiatives/{initiative}",
           ("GET", "/initiatives/{initiative}/edit"), body={}, versioned="initiative"),
        Op("transition an initiative", "POST", "/api/v1/initiatives/{initiative}/transitions",
           ("POST", "/initiatives/{initiative}/status"), 409, {"status": "proposed"}),
        Op("read a milestone", "GET", "/api/v1/initiatives/{initiative}/milestones/{milestone}",
           ("GET", "/initiatives/{initiative}"), use=(("milestone", "open_milestone"),)),
        Op("add a milestone", "POST", "/api/v1/initiatives/{initiative}/milestones/",
           ("POST", "/initiatives/{initiative}/milestones"), 201, {"title": "From the API"},
           page_form={"title": "From the page"}),
        Op("update a milestone", "PATCH", "/api/v1/initiatives/{initiative}/milestones/{milestone}",
           ("POST", "/initiatives/{initiative}/milestones/{milestone}/edit"), body={},
           use=(("milestone", "open_milestone"),)),
        Op("complete a completed milestone", "POST", "/api/v1/initiatives/{initiative}/milestones/{milestone}/complete",
           ("POST", "/initiatives/{initiative}/milestones/{milestone}/complete"),
           use=(("milestone", "completed_milestone"),)),
        Op("reopen an open milestone", "POST", "/api/v1/initiatives/{initiative}/milestones/{milestone}/reopen",
           ("POST", "/initiatives/{initiative}/milestones/{milestone}/reopen"), use=(("milestone", "open_milestone"),)),
    ],
    "risks": [
        Op("list risks", "GET", "/api/v1/risks/", ("GET", "/risks/")),
        Op("read a risk", "GET", "/api/v1/risks/{risk}", ("GET", "/risks/{risk}")),
        Op("create a risk", "POST", "/api/v1/risks/", ("GET", "/risks/new"), 201,
           {"title": "From the API", "likelihood": 2, "impact": 2}),
        Op("update a risk", "PATCH", "/api/v1/risks/{risk}", ("GET", "/risks/{risk}/edit"), body={},
           versioned="risk"),
        Op("transition a risk", "POST", "/api/v1/risks/{risk}/transitions", ("POST", "/risks/{risk}/status"), 409,
           {"status": "open"}),
        Op("list mitigations", "GET", "/api/v1/risks/{risk}/mitigations/", ("GET", "/risks/{risk}")),
        Op("read a mitigation", "GET", "/api/v1/risks/{risk}/mitigations/{mitigation}", ("GET", "/risks/{risk}")),
        Op("add a mitigation", "POST", "/api/v1/risks/{risk}/mitigations/",
           ("GET", "/risks/{risk}/mitigations/new"), 201, {"title": "From the API", "assigned_organization_id": "{owner_org}"}),
        Op("update a mitigation", "PATCH", "/api/v1/risks/{risk}/mitigations/{mitigation}",
           ("GET", "/risks/{risk}/mitigations/{mitigation}/edit"), body={}, versioned="mitigation"),
        Op("update a mitigation's status", "POST", "/api/v1/risks/{risk}/mitigations/{mitigation}/transitions",
           ("POST", "/risks/{risk}/mitigations/{mitigation}/status"), body={"status": "planned"}),
    ],
    "incident plans": [
        Op("list plans", "GET", "/api/v1/incident-plans/", ("GET", "/incident-plans/")),
        Op("read a plan", "GET", "/api/v1/incident-plans/{plan}", ("GET", "/incident-plans/{plan}")),
        Op("read an approved plan", "GET", "/api/v1/incident-plans/{plan}", ("GET", "/incident-plans/{plan}"),
           use=(("plan", "approved_plan"),)),
        Op("download a plan", "GET", "/api/v1/incident-plans/{plan}.pdf", ("GET", "/incident-plans/{plan}.pdf"),
           use=(("plan", "approved_plan"),)),
        Op("create a plan", "POST", "/api/v1/incident-plans/", ("GET", "/incident-plans/new"), 201,
           {"title": "From the API"}),
        Op("update a plan", "PATCH", "/api/v1/incident-plans/{plan}", ("GET", "/incident-plans/{plan}/edit"),
           body={}, versioned="plan"),
        Op("update an approved plan", "PATCH", "/api/v1/incident-plans/{plan}", ("GET", "/incident-plans/{plan}/edit"),
           body={}, versioned="plan", use=(("plan", "approved_plan"),)),
        Op("transition a plan", "POST", "/api/v1/incident-plans/{plan}/transitions",
           ("POST", "/incident-plans/{plan}/status"), 409, {"status": "draft"}),
        Op("add a section", "POST", "/api/v1/incident-plans/{plan}/sections/",
           ("GET", "/incident-plans/{plan}/sections/new"), 201, {"phase": "preparation", "title": "From the API"}),
        Op("update a section", "PATCH", "/api/v1/incident-plans/{plan}/sections/{section}",
           ("GET", "/incident-plans/{plan}/sections/{section}/edit"), body={}, versioned="section"),
        Op("list a plan's versions", "GET", "/api/v1/incident-plans/{plan}/revisions", ("GET", "/incident-plans/{plan}")),
        Op("revise a plan", "POST", "/api/v1/incident-plans/{plan}/revisions", ("POST", "/incident-plans/{plan}/revise"),
           409, {}, use=(("plan", "approved_plan"),)),  # its next version is already a draft
        Op("list a plan's contacts", "GET", "/api/v1/incident-plans/{plan}/contacts/", ("GET", "/incident-plans/{plan}")),
        Op("add a contact", "POST", "/api/v1/incident-plans/{plan}/contacts/",
           ("GET", "/incident-plans/{plan}/contacts/new"), 201,
           {"role": "Technical lead", "name": "From the API", "phone": "+1 555 0100"}),
        Op("update a contact", "PATCH", "/api/v1/incident-plans/{plan}/contacts/{contact}",
           ("GET", "/incident-plans/{plan}/contacts/{contact}/edit"), body={}, versioned="contact"),
        Op("remove a contact", "DELETE", "/api/v1/incident-plans/{plan}/contacts/{contact}",
           ("POST", "/incident-plans/{plan}/contacts/{contact}/delete"), versioned="contact",
           use=(("plan", "approved_plan"), ("contact", "approved_contact"))),  # approved: locked for everyone
    ],
    "exercises": [
        Op("list exercises", "GET", "/api/v1/exercises/", ("GET", "/exercises/")),
        Op("read an exercise", "GET", "/api/v1/exercises/{exercise}", ("GET", "/exercises/{exercise}")),
        Op("plan an exercise", "POST", "/api/v1/exercises/", ("GET", "/exercises/new"), 201,
           {"type": "tabletop", "title": "From the API", "starts_at": "2030-03-01T09:00:00+01:00",
            "ends_at": "2030-03-01T13:00:00+01:00"}),
        Op("update an exercise", "PATCH", "/api/v1/exercises/{exercise}", ("GET", "/exercises/{exercise}/edit"),
           body={}, versioned="exercise"),
        Op("transition an exercise", "POST", "/api/v1/exercises/{exercise}/transitions",
           ("POST", "/exercises/{exercise}/status"), 409, {"status": "planning"}),
        Op("list corrective actions", "GET", "/api/v1/corrective-actions/", ("GET", "/corrective-actions/")),
        Op("read a corrective action", "GET", "/api/v1/corrective-actions/{corrective_action}",
           ("GET", "/corrective-actions/{corrective_action}")),
        Op("update a corrective action", "PATCH", "/api/v1/corrective-actions/{corrective_action}",
           ("GET", "/corrective-actions/{corrective_action}/edit"), body={}, versioned="corrective_action"),
        Op("transition a corrective action", "POST", "/api/v1/corrective-actions/{corrective_action}/transitions",
           ("POST", "/corrective-actions/{corrective_action}/status"), 409, {"status": "open"},
           versioned="corrective_action", page_form={"new_status": "open", "version": "{version}"}),
        Op("list participants", "GET", "/api/v1/exercises/{exercise}/participants/", ("GET", "/exercises/{exercise}")),
        Op("add a participant", "POST", "/api/v1/exercises/{exercise}/participants/",
           ("POST", "/exercises/{exercise}/participants"), 422, {"user_id": "{other_person}"}),  # not of the exercise
        Op("list objectives", "GET", "/api/v1/exercises/{exercise}/objectives/", ("GET", "/exercises/{exercise}")),
        Op("add an objective", "POST", "/api/v1/exercises/{exercise}/objectives/",
           ("POST", "/exercises/{exercise}/objectives"), 422, {"text": "Restore", "core_capability": "no such"}),
        Op("evaluate an objective", "POST", "/api/v1/exercises/{exercise}/objectives/{objective}/evaluations",
           ("POST", "/exercises/{exercise}/objectives/{objective}/evaluation"), 201, {"rating": "S"}),
        Op("list injects", "GET", "/api/v1/exercises/{exercise}/injects/", ("GET", "/exercises/{exercise}")),
        Op("add an inject", "POST", "/api/v1/exercises/{exercise}/injects/", ("POST", "/exercises/{exercise}/injects"),
           422, {"message": "Water is out", "to_organization_id": "{other_org}"}),  # not a participating one
        Op("deliver an inject", "POST", "/api/v1/exercises/{exercise}/injects/{inject}/delivery",
           ("POST", "/exercises/{exercise}/injects/{inject}/deliver"), body={}),
        Op("add a corrective action", "POST", "/api/v1/exercises/{exercise}/corrective-actions",
           ("GET", "/exercises/{exercise}/corrective-actions/new"), 201,
           {"title": "Fix", "area_for_improvement": "Slow", "responsible_organization_id": "{partner_org}"}),
    ],
    "advisories": [
        Op("list advisories", "GET", "/api/v1/advisories/", ("GET", "/advisories/")),
        Op("read an advisory", "GET", "/api/v1/advisories/{advisory}", ("GET", "/advisories/{advisory}")),
        Op("acknowledge an advisory", "POST", "/api/v1/advisories/{advisory}/acknowledgement",
           ("POST", "/advisories/{advisory}/acknowledge"), body={"status": "received"},
           page_form={"status": "received"}),
    ],
    "notifications": [
        Op("list notifications", "GET", "/api/v1/notifications/", ("GET", "/notifications/")),
        Op("mark a notification read", "POST", "/api/v1/notifications/{notification}/read",
           ("POST", "/notifications/{notification}/read"), body={}),
        Op("mark all notifications read", "POST", "/api/v1/notifications/read-all",
           ("POST", "/notifications/read-all"), body={}, own=True),
        Op("read the inbox", "GET", "/api/v1/inbox/", ("GET", "/inbox/")),
    ],
    "incident reports": [
        Op("list reports", "GET", "/api/v1/incidents/", ("GET", "/incidents/")),
        Op("read a report", "GET", "/api/v1/incidents/{incident}", ("GET", "/incidents/{incident}")),
        Op("file a report", "POST", "/api/v1/incidents/", ("GET", "/incidents/new"), 201,
           {"title": "From the API", "authority_organization_id": "{csirt}", "aware_at": "2026-01-05T08:00:00Z",
            "sectors": ["energy"]}),
        Op("update a report", "PATCH", "/api/v1/incidents/{incident}", ("GET", "/incidents/{incident}/edit"), body={},
           versioned="incident"),
        Op("transition a report", "POST", "/api/v1/incidents/{incident}/transitions",
           ("POST", "/incidents/{incident}/status"), 409, {"status": "open"}, versioned="incident",
           page_form={"new_status": "open", "version": "{version}"}),
        Op("submit a stage", "POST", "/api/v1/incidents/{incident}/stages/",
           ("GET", "/incidents/{incident}/stages/early_warning"), 422, {"kind": "early_warning", "body": "Again"},
           versioned="incident"),
        Op("acknowledge a stage", "POST", "/api/v1/incidents/{incident}/stages/{stage}/acknowledgement",
           ("POST", "/incidents/{incident}/stages/{stage}/acknowledge"), body={}),
        Op("request an intermediate report", "POST", "/api/v1/incidents/{incident}/intermediate-requests",
           ("POST", "/incidents/{incident}/intermediate"), 422, {"due_at": "2020-01-01T00:00:00Z"},
           versioned="incident"),
        Op("download a stage", "GET", "/api/v1/incidents/{incident}/stages/{stage}.pdf",
           ("GET", "/incidents/{incident}/stages/{stage}.pdf")),
    ],
}
def _kind_ops() -> dict[str, list[Op]]:
    """The operations every kind shares, generated from the registry: its files (under its API path, the page's
    /attachments/<slug>/<id>/ requests as the oracle) and, for the kinds the pages archive, archive and restore.
    Archive acts on an archived copy and restore on the live record: both change nothing (the archive rule),
    on the page as in the API, so the world stays as the other rows expect it."""
    from app.api.archive import STEPS
    from app.api.record_paths import record_rule
    from app.kinds import with_attachments

    ops: dict[str, list[Op]] = {"files": [], "archive": []}
    for kind in with_attachments():
        key = WORLD_KEYS.get(kind.key, kind.key)
        api = "/api/v1" + re.sub(r"<int:(\w+?)(?:_id)?>", r"{\1}", record_rule(kind))
        page = f"/attachments/{kind.slug}/{{{key}}}"
        ops["files"] += [
            Op(f"list a {kind.label}'s files", "GET", f"{api}/attachments/", ("GET", f"{page}/{{attachment}}"),
               use=(("attachment", f"{kind.key}_file"),)),
            Op(f"read a {kind.label}'s file", "GET", f"{api}/attachments/{{attachment}}",
               ("GET", f"{page}/{{attachment}}"), use=(("attachment", f"{kind.key}_file"),)),
            Op(f"download a {kind.label}'s file", "GET", f"{api}/attachments/{{attachment}}/content",
               ("GET", f"{page}/{{attachment}}"), use=(("attachment", f"{kind.key}_file"),)),
            Op(f"upload to a {kind.label}", "POST", f"{api}/attachments/", ("POST", f"{page}/"), 201, files=True),
            Op(f"archive a {kind.label}'s archived file", "POST", f"{api}/attachments/{{attachment}}/archive",
               ("POST", f"{page}/{{attachment}}/archive"), use=(("attachment", f"{kind.key}_archived_file"),)),
            Op(f"restore a {kind.label}'s live file", "POST", f"{api}/attachments/{{attachment}}/restore",
               ("POST", f"{page}/{{attachment}}/restore"), use=(("attachment", f"{kind.key}_file"),)),
        ]
        if kind.key in STEPS:
            page_path = api.removeprefix("/api/v1")
            ops["archive"] += [
                Op(f"archive an archived {kind.label}", "POST", f"{api}/archive", ("POST", f"{page_path}/archive"),
                   use=((key, f"archived_{key}"),)),
                Op(f"restore a live {kind.label}", "POST", f"{api}/restore", ("POST", f"{page_path}/restore")),
            ]
    return ops


# The world's key of a kind's record, where it is not the kind's key.
WORLD_KEYS = {"incident_plan": "plan", "incident_report": "incident"}
KINDS.update(_kind_ops())


VERSIONED = {
    "agreement": Agreement,
    "initiative": Initiative,
    "risk": Risk,
    "mitigation": Mitigation,
    "plan": IncidentPlan,
    "section": PlanSection,
    "exercise": Exercise,
    "incident": IncidentReport,
    "corrective_action": CorrectiveAction,
    "contact": PlanContact,
    "working_group": WorkingGroup,
    "task": Task,
}
OPERATIONS = [pytest.param(kind, op, id=f"{kind}: {op.name}") for kind, ops in KINDS.items() for op in ops]


def _records(people: dict, orgs: dict) -> dict[str, int]:
    """The records the table walks, owned by the owner's coordinator, TLP:AMBER, the partner a party."""
    coordinator = people[("owner", Role.COORDINATOR)]
    risk = factories.risk(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER)
    mitigation = factories.mitigation(risk=risk, assigned_organization=orgs["partner"],
                                      assigned_user=people[("partner", Role.MEMBER)])
    agreement = factories.agreement(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,
                                    parties=[(orgs["owner"], PartyRole.LEAD), (orgs["partner"], PartyRole.PARTNER),
                                             (orgs["observer"], PartyRole.OBSERVER)])
    exercise = factories.exercise(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,
                                  organizations=[orgs["partner"]])
    objective = ExerciseObjective(exercise_id=exercise.id, text="Restore", core_capability="operational_coordination")
    inject = ExerciseInject(exercise_id=exercise.id, number=1, message="Pumps fail")  # undelivered: controller material
    action = factories.corrective_action(exercise=exercise, responsible_organization_id=orgs["partner"].id)
    notification = Notification(user_id=people[("owner", Role.MEMBER)].id, kind=NotificationKind.ASSIGNMENT,
                                object_type="risks", object_id=risk.id, summary="A risk needs you")
    document = Document(object_type="agreements", object_id=agreement.id, kind="agreement", version=1,
                        reference=agreement.reference, filename="agreement.pdf", sha256="0" * 64, size=9,
                        content=b"%PDF-1.7\n", tlp=TLP.AMBER, issuer_id=coordinator.id)
    db.session.add_all([notification, document, objective, inject])
    initiative = factories.initiative(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,
                                      participants=[orgs["partner"]])
    group = factories.working_group(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,
                                    members=[(people[("partner", Role.MEMBER)], MemberRole.MEMBER)])
    task = factories.task(working_group=group, assignee_id=people[("partner", Role.MEMBER)].id,
                          created_by_id=coordinator.id)
    advisory = factories.advisory(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,
                                  recipients=[orgs["partner"]], status="released")  # editions: test_api_advisories
    db.session.commit()
    return {"risk": risk.id, "mitigation": mitigation.id, "agreement": agreement.id, "owner_org": orgs["owner"].id,
            "notification": notification.id, "document": document.id, "initiative": initiative.id,
            "working_group": group.id, "task": task.id,
            "exercise": exercise.id, "corrective_action": action.id, "objective": objective.id, "inject": inject.id,
            "partner_org": orgs["partner"].id, "other_org": orgs["other"].id, "observer_org": orgs["observer"].id,
            "other_person": people[("other", Role.MEMBER)].id,
            "advisory": advisory.id,
            **_plans(coordinator, orgs),
            **_incidents(coordinator, orgs),
            }


def _plans(coordinator, orgs: dict) -> dict[str, int]:
    """A draft plan covering the partner, with a section; an approved one with its issued PDF."""
    plan = factories.incident_plan(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,
                                   covered=[orgs["partner"]])
    section = PlanSection(plan_id=plan.id, phase=Phase.PREPARATION, title="Detection", body="Watch the logs.")
    contact = PlanContact(plan_id=plan.id, role="Incident response lead", name="Dana", phone="+1 555 0101")
    approved = factories.incident_plan(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,
                                       covered=[orgs["partner"]], status=PlanStatus.APPROVED)
    approved_contact = PlanContact(plan_id=approved.id, role="Legal counsel", name="Lee", email="lee@example.org")
    factories.incident_plan(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,  # its next version
                            covered=[orgs["partner"]], reference=approved.reference, version_label="2.0",
                            previous_version_id=approved.id)
    db.session.add_all([section, contact, approved_contact, Document(
        object_type="incident_plans", object_id=approved.id, kind=KIND_PLAN_APPROVED, version=approved.version,
        reference=approved.reference, filename="plan.pdf", sha256="3" * 64, size=13, content=b"%PDF-1.7 plan",
        tlp=approved.tlp, issuer_id=coordinator.id)])
    db.session.commit()
    return {"plan": plan.id, "section": section.id, "approved_plan": approved.id, "contact": contact.id,
            "approved_contact": approved_contact.id}


def _incidents(coordinator, orgs: dict) -> dict[str, int]:
    """A report of the owner's to the authority, its early warning submitted with its sealed PDF; another
    authority (without people) for the reports filed from the API."""
    report = factories.incident_report(created_by=coordinator, authority=orgs["authority"], tlp=TLP.AMBER)
    document = Document(object_type="incident_reports", object_id=report.id, kind=KIND_INCIDENT_STAGE, version=1,
                        reference=report.reference, filename="stage.pdf", sha256="2" * 64, size=14,
                        content=b"%PDF-1.7 stage", tlp=report.tlp, issuer_id=coordinator.id)
    db.session.add(document)
    db.session.flush()
    stage = report.stages[0]
    stage.submitted_at, stage.submitted_by_id, stage.body, stage.document_id = utcnow(), coordinator.id, "Early", document.id
    csirt = factories.organization(name="Sector CSIRT", is_authority=True)
    db.session.commit()
    return {"incident": report.id, "stage": stage.id, "csirt": csirt.id}


def _archived_and_files(people: dict, orgs: dict, ids: dict) -> dict[str, int]:
    """An archived copy of each archived kind's record (same parties), and a live and an archived file on
    every record that takes files (an advisory's on its released record: files were added to the draft)."""
    from app.kinds import BY_KEY
    from app.kinds import with_attachments

    coordinator, member = people[("owner", Role.COORDINATOR)], people[("partner", Role.MEMBER)]
    owned = {"created_by": coordinator, "owner_organization": orgs["owner"], "tlp": TLP.AMBER}
    live = {key: db.session.get(BY_KEY[kind].model, ids[key]) for kind, key in
            (("working_group", "working_group"), ("risk", "risk"), ("exercise", "exercise"))}
    archived = {
        "agreement": factories.agreement(**owned, parties=[(orgs["partner"], PartyRole.PARTNER)]),
        "initiative": factories.initiative(**owned, participants=[orgs["partner"]]),
        "working_group": factories.working_group(**owned, members=[(member, MemberRole.MEMBER)]),
        "task": factories.task(working_group=live["working_group"], assignee_id=member.id,
                               created_by_id=coordinator.id),
        "risk": factories.risk(**owned),
        "mitigation": factories.mitigation(risk=live["risk"], assigned_organization=orgs["partner"],
                                           assigned_user=member),
        "plan": factories.incident_plan(**owned, covered=[orgs["partner"]]),
        "incident": factories.incident_report(created_by=coordinator, authority=orgs["authority"], tlp=TLP.AMBER),
        "exercise": factories.exercise(**owned, organizations=[orgs["partner"]]),
        "corrective_action": factories.corrective_action(exercise=live["exercise"],
                                                         responsible_organization_id=orgs["partner"].id),
    }
    for record in archived.values():
        record.archived_at = utcnow()
    milestones = [Milestone(initiative_id=ids["initiative"], title=title, completed_at=when)
                  for title, when in (("Open", None), ("Completed", utcnow()))]
    db.session.add_all(milestones)
    db.session.flush()
    found = {f"archived_{key}": record.id for key, record in archived.items()} | {
        "member_user": member.id, "open_milestone": milestones[0].id, "completed_milestone": milestones[1].id}
    for kind in with_attachments():
        record = db.session.get(kind.model, ids[WORLD_KEYS.get(kind.key, kind.key)])
        for name, when in (("file", None), ("archived_file", utcnow())):
            attachment = Attachment(object_type=kind.table, object_id=record.id, filename=f"{name}.txt",
                                    content_type="text/plain", size=5, sha256="1" * 64, content=b"file\n",
                                    uploaded_by_id=coordinator.id, archived_at=when)
            db.session.add(attachment)
            db.session.flush()
            found[f"{kind.key}_{name}"] = attachment.id
    db.session.commit()
    return found


def _reviewer_and_signatory(people: dict, orgs: dict, ids: dict) -> dict[str, int]:
    """The reviewer: named in a round on the agreement and one on the plan (submitted by the owner's coordinator,
    sent back by her); the signatory: the partner party's designated signatory, with a pending request on the
    agreement's issued document. Plus an agreement and a plan in review whose open round she submitted herself
    (she rewrote the text and submitted it again): she may not approve those (four eyes)."""
    coordinator = people[("owner", Role.COORDINATOR)]
    found = {role: factories.user(role=role_of, organization=orgs["partner"], name=f"partner {role}").id
             for role, role_of in ROLE_PEOPLE.items()}
    reviewer, signatory = (db.session.get(User, found[role]) for role in ROLE_PEOPLE)
    for table, key in (("agreements", "agreement"), ("incident_plans", "plan")):
        db.session.add(ReviewRequest(object_type=table, object_id=ids[key], submitted_by_id=coordinator.id,
                                     reviewers=[reviewer], outcome=ReviewOutcome.CHANGES_REQUESTED,
                                     decided_by_id=reviewer.id, decided_at=utcnow()))
    agreement = db.session.get(Agreement, ids["agreement"])
    party = next(p for p in agreement.parties if p.organization_id == orgs["partner"].id)
    party.signatory_name, party.signatory_email = signatory.name, signatory.email
    request = SignatureRequest(agreement_id=agreement.id, document_id=ids["document"], organization_id=orgs["partner"].id,
                               signatory_id=signatory.id, method=SignatureMethod.ELECTRONIC,
                               signatory_name=signatory.name, requested_by_id=coordinator.id)
    reviewed = factories.agreement(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,
                                   status=AgreementStatus.IN_REVIEW,
                                   parties=[(orgs["owner"], PartyRole.LEAD), (orgs["partner"], PartyRole.PARTNER)])
    reviewed_plan = factories.incident_plan(created_by=coordinator, owner_organization=orgs["owner"], tlp=TLP.AMBER,
                                            covered=[orgs["partner"]], status=PlanStatus.IN_REVIEW)
    db.session.add(request)
    for table, record in (("agreements", reviewed), ("incident_plans", reviewed_plan)):
        db.session.add(ReviewRequest(object_type=table, object_id=record.id, submitted_by_id=reviewer.id,
                                     reviewers=[coordinator]))
    db.session.commit()
    return found | {"signature_request": request.id, "reviewed_agreement": reviewed.id,
                    "reviewed_plan": reviewed_plan.id}


def test_every_api_operation_is_in_the_table(app):
    """A new API operation fails here until KINDS has a line for it (matched by method and path)."""
    table = {(op.method, op.api.replace("{", "<").replace("}", ">")) for ops in KINDS.values() for op in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in OPEN_ENDPOINTS:  # TAXII: tests/test_taxii.py
            continue
        if rule.endpoint.endswith(("_comments", "_comment")):  # every kind's, in tests/test_api_comments.py
            continue
        path = rule.rule
        for name in rule.arguments:  # <int:agreement_id> → <agreement>
            path = path.replace(f"<int:{name}>", f"<{name.removesuffix('_id')}>")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, path) not in table:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "API operations without a line in tests/test_api_access.py KINDS: " + ", ".join(missing)


@pytest.fixture(scope="module")
def world():
    app = shared_app()
    with app.app_context():
        orgs = {"owner": factories.organization(name="Owner utility")}
        orgs["partner"] = factories.organization(name="Partner grid")
        orgs["client"] = factories.organization(name="Owner's client", parent=orgs["owner"])
        orgs["other"] = factories.organization(name="Other partner")
        orgs["authority"] = factories.organization(name="National authority", is_authority=True)
        orgs["observer"] = factories.organization(name="Observing regulator")
        people = {(org, role): factories.user(role=role, organization=orgs[org], name=f"{org} {role.value}")
                  for org, roles in PEOPLE.items() for role in roles}
        ids = _records(people, orgs)
        ids |= _archived_and_files(people, orgs, ids)
        ids |= _reviewer_and_signatory(people, orgs, ids)
        who = [(f"{org} {role.value}", user.id, token_for(user)) for (org, role), user in people.items()]
        who += [(name, ids[name], token_for(db.session.get(User, ids[name]))) for name in ROLE_PEOPLE]
    yield app, ids, who
    drop_shared_app(app)


def _version(app, key: str, url_ids: dict) -> str:
    model = VERSIONED[key]
    with app.app_context():
        return f'"{db.session.scalar(sa.select(model.version).where(model.id == url_ids[key]))}"'


@pytest.mark.parametrize("kind, op", OPERATIONS)
def test_every_person_gets_from_the_api_what_the_page_gives(world, kind, op):
    app, ids, who = world
    ids = {**ids, **{name: ids[key] for name, key in op.use}}
    body = op.body and {k: (ids[v[1:-1]] if isinstance(v, str) and v[:1] == "{" else v) for k, v in op.body.items()}
    wrong, answers = [], {}
    for name, user_id, secret in who:
        with app.app_context():
            page = app.test_client(user=db.session.get(User, user_id))
        method, url = op.page
        headers = bearer(secret)
        if op.versioned:
            headers["If-Match"] = _version(app, op.versioned, ids)
        form = {k: headers["If-Match"].strip('"') if v == "{version}" else v.format(**ids) if isinstance(v, str) else v
                for k, v in (op.page_form or {}).items()}
        sent = {"data": {"files": (io.BytesIO(b"matrix\n"), "matrix.txt")}} if op.files else {"json": body}
        if op.files:
            form = {"files": (io.BytesIO(b"matrix\n"), "matrix.txt")}
        page_status = page.open(url.format(**ids), method=method, data=form).status_code
        # 400: the page let the person through and refused the input, as the API's op.ok refuses it
        expected = {200: op.ok, 302: op.ok, 303: op.ok, 400: op.ok, 403: 403, 404: 404}[page_status]
        response = app.test_client().open(op.api.format(**ids), method=op.method, headers=headers, **sent)
        answers[name] = response.status_code
        if response.status_code != expected:
            wrong.append((name, page_status, expected, response.status_code, response.get_data(as_text=True)[:200]))
    assert not wrong, wrong
    assert op.method == "GET" and op.api.endswith("/") or op.own or len(set(answers.values())) > 1, \
        "the table tests nobody"


@pytest.mark.parametrize("page, api, model, key", [
    ("/agreements/{}/status", "/api/v1/agreements/{}/transitions", Agreement, "reviewed_agreement"),
    ("/incident-plans/{}/status", "/api/v1/incident-plans/{}/transitions", IncidentPlan, "reviewed_plan"),
])
def test_a_reviewer_cannot_approve_the_text_she_submitted_herself(world, page, api, model, key):
    """She rewrote the text and submitted it: the open round is hers. The page refuses her approval, and so does
    her token; the record stays in review."""
    app, ids, who = world
    secret = next(secret for name, _id, secret in who if name == "reviewer")
    with app.app_context():
        record = db.session.get(model, ids[key])
        version, status = record.version, record.status
        as_page = app.test_client(user=db.session.get(User, ids["reviewer"]))
    refused = as_page.post(page.format(ids[key]), data={"new_status": "approved", "version": version})
    response = app.test_client().post(api.format(ids[key]), json={"status": "approved"}, headers=bearer(secret))
    assert (refused.status_code, response.status_code) == (403, 403), response.get_data(as_text=True)[:300]
    assert response.get_json()["status"] == 403
    with app.app_context():
        assert db.session.get(model, ids[key]).status is status


def test_a_signatory_token_cannot_sign_nor_change_the_parties(world):
    """Signing takes the signatory's consent on the page (typed name, second factor): the API offers no route to
    it, and her token changes no party of the agreement she signs for (her organisation does not manage it)."""
    app, ids, who = world
    secret = next(secret for name, _id, secret in who if name == "signatory")
    client, agreement, request_id = app.test_client(), ids["agreement"], ids["signature_request"]
    signing = [rule.rule for rule in app.url_map.iter_rules()
               if rule.rule.startswith("/api/v1/") and re.search(r"sign(?!ature-requests$)", rule.rule)]
    assert not signing, signing
    for url in (f"/api/v1/agreements/{agreement}/signature-requests/{request_id}",
                f"/api/v1/agreements/{agreement}/signature-requests/{request_id}/sign",
                f"/api/v1/signature-requests/{request_id}/sign"):
        assert client.post(url, json={"typed_name": "partner signatory"}, headers=bearer(secret)).status_code in (404, 405)
    with app.app_context():
        etag = f'"{db.session.get(Agreement, agreement).version}"'
    changes = [("POST", f"/api/v1/agreements/{agreement}/parties/", {"organization_id": ids["other_org"]}),
               ("DELETE", f"/api/v1/agreements/{agreement}/parties/{ids['partner_org']}", None),
               ("PATCH", f"/api/v1/agreements/{agreement}", {"title": "Signed away"})]
    for method, url, body in changes:
        answer = client.open(url, method=method, json=body, headers={**bearer(secret), "If-Match": etag})
        assert answer.status_code == 403, (method, url, answer.get_data(as_text=True)[:300])
    with app.app_context():
        found = db.session.get(Agreement, agreement)
        assert sorted(p.organization_id for p in found.parties) == sorted(
            [ids["owner_org"], ids["partner_org"], ids["observer_org"]])
        assert db.session.get(SignatureRequest, request_id).status.value == "pending"
