"""The seeded world the security tests share, and helpers to walk app.url_map with real ids.

Three organisations (A, B, C) plus a client (child) organisation of A. Org A has one user of each
role; B has a member. Every record kind exists once, owned by org A, TLP:AMBER, so a member of
another organisation must get 404 on every sub-route while A's users get real pages.
"""
import hashlib
import re
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser

import sqlalchemy as sa
from werkzeug.routing import Rule

from app.bearer import is_bearer_path
from app.extensions import db
from app.models import TLP
from app.models import Attachment
from app.models import CalendarFeed
from app.models import CapabilityElement
from app.models import CorrectiveAction
from app.models import DeliveryStatus
from app.models import Document
from app.models import ExerciseInject
from app.models import ExerciseObjective
from app.models import ExerciseStatus
from app.models import Milestone
from app.models import Notification
from app.models import NotificationKind
from app.models import ParticipantRole
from app.models import Phase
from app.models import PlanContact
from app.models import PlanSection
from app.models import Role
from app.models import SharingFeed
from app.models import TaskUpdate
from app.models import WebhookDelivery
from app.models import WebhookEndpoint
from app.models import utcnow
from app.webhooks.delivery import SECRETS
from tests import factories

PASSWORD = factories.PASSWORD
ROLES = ("anonymous", "member", "coordinator", "executive", "admin", "other_org")


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)  # role -> User (org A, or B for other_org)
    emails: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)  # URL parameter name -> id of A's record
    b_ids: dict[str, int] = field(default_factory=dict)  # the same kinds owned by org B


def _records(owner_coordinator, member, org, tlp=TLP.AMBER) -> dict[str, int]:
    return _build_records(owner_coordinator, member, org, tlp)


def _build_records(owner_coordinator, member, org, tlp) -> dict[str, int]:
    agreement = factories.agreement(created_by=owner_coordinator, tlp=tlp, parties=[org])
    initiative = factories.initiative(created_by=owner_coordinator, tlp=tlp, agreement=agreement)
    milestone = Milestone(initiative_id=initiative.id, title="Kick-off")
    group = factories.working_group(created_by=owner_coordinator, tlp=tlp,
                                    members=[owner_coordinator, member], initiative=initiative)
    task = factories.task(working_group=group, assignee=member)
    update = TaskUpdate(task_id=task.id, author_id=member.id, note="Started")
    risk = factories.risk(created_by=owner_coordinator, tlp=tlp, initiative=initiative)
    mitigation = factories.mitigation(risk=risk, assigned_organization=org, assigned_user=member)
    plan = factories.incident_plan(created_by=owner_coordinator, tlp=tlp)
    section = PlanSection(plan_id=plan.id, phase=list(Phase)[0], title="Detection", body="Watch the logs.")
    contact = PlanContact(plan_id=plan.id, role="Duty officer", name="Dana Duty", email="duty@example.org")
    document = Document(object_type="agreements", object_id=agreement.id, kind="signature", version=1,
                        reference=agreement.reference, filename="agreement.pdf", sha256="0" * 64,
                        size=8, content=b"%PDF-1.7", tlp=tlp, issuer_id=owner_coordinator.id)
    attachment = Attachment(object_type="tasks", object_id=task.id, filename="evidence.txt",
                            content_type="text/plain; charset=utf-8", size=9, sha256="1" * 64,
                            content=b"evidence\n", uploaded_by_id=member.id)
    notification = Notification(user_id=member.id, kind=NotificationKind.ASSIGNMENT, object_type="tasks",
                                object_id=task.id, summary="A task was assigned to you")
    report = factories.incident_report(created_by=owner_coordinator)
    report_document = Document(object_type="incident_reports", object_id=report.id, kind="incident_stage", version=1,
                               reference=report.reference, filename="stage.pdf", sha256="2" * 64, size=8,
                               content=b"%PDF-1.7", tlp=report.tlp, issuer_id=owner_coordinator.id)
    db.session.add(report_document)
    db.session.flush()
    stage = report.stages[0]
    stage.submitted_at, stage.submitted_by_id, stage.body = utcnow(), owner_coordinator.id, "Early warning."
    stage.document_id = report_document.id
    advisory = factories.advisory(created_by=owner_coordinator, tlp=tlp, status="released",
                                  last_edited_by_id=owner_coordinator.id)
    advisory_document = Document(object_type="advisories", object_id=advisory.id, kind="advisory", version=1,
                                 reference=advisory.reference, filename="advisory.pdf", sha256="4" * 64, size=8,
                                 content=b"%PDF-1.7", tlp=tlp, issuer_id=owner_coordinator.id)
    sharing_token = f"world-sharing-token-{member.id}-0123456789abcdefghijklmnop"
    sharing_feed = SharingFeed(user_id=member.id, token_hash=hashlib.sha256(sharing_token.encode()).hexdigest())
    db.session.add_all([advisory_document, sharing_feed])
    exercise = factories.exercise(created_by=owner_coordinator, tlp=tlp, incident_plan_id=plan.id,
                                  participants=[(member, ParticipantRole.CONTROLLER)])
    objective = ExerciseObjective(exercise_id=exercise.id, text="Restore service", core_capability="planning")
    inject = ExerciseInject(exercise_id=exercise.id, number=1, message="The pumps stop", to="Players")
    corrective = CorrectiveAction(exercise_id=exercise.id, title="Buy fuel", area_for_improvement="No fuel",
                                  capability_element=CapabilityElement.EQUIPMENT, responsible_organization_id=org.id,
                                  created_by_id=owner_coordinator.id)
    # Corrective actions are added once an exercise was conducted: a second, conducted exercise for their form.
    conducted = factories.exercise(created_by=owner_coordinator, tlp=tlp, status=ExerciseStatus.CONDUCTED)
    db.session.add_all([objective, inject, corrective])
    feed_token = f"world-calendar-token-{member.id}-0123456789abcdefghijklmnop"
    feed = CalendarFeed(user_id=member.id, token_hash=hashlib.sha256(feed_token.encode()).hexdigest())
    db.session.add_all([milestone, update, section, contact, document, notification, attachment, feed])
    endpoint = WebhookEndpoint(organization_id=org.id, url="http://127.0.0.1:9/hook", events=["agreement.created"],
                               secret_encrypted=SECRETS.encrypt("whsec_" + "A" * 44))
    delivery = WebhookDelivery(endpoint=endpoint, message_id=f"msg_world{org.id}", event="webhook.test", payload="{}",
                               status=DeliveryStatus.FAILED, attempts=1, last_error="HTTP 500")
    db.session.add_all([endpoint, delivery])
    db.session.commit()
    return {
        "agreement_id": agreement.id, "initiative_id": initiative.id, "milestone_id": milestone.id,
        "working_group_id": group.id, "group_id": group.id, "task_id": task.id, "update_id": update.id,
        "risk_id": risk.id, "mitigation_id": mitigation.id, "incident_plan_id": plan.id, "plan_id": plan.id,
        "section_id": section.id, "contact_id": contact.id, "document_id": document.id,
        "party_id": agreement.parties[0].id, "member_id": member.id,
        "user_id": member.id, "notification_id": notification.id,
        # attachments: URLs are /attachments/<slug>/<record_id>/…; the matrix walks them on the task
        "slug": "tasks", "record_id": task.id, "attachment_id": attachment.id,
        "token": feed_token,
        # incident reports: the stage kind walked is the one a reporter can always send (a correction)
        "incident_id": report.id, "stage_id": stage.id, "stage_kind": "intermediate",
        # advisories: A's released AMBER advisory (no recipient: B's people are outside it)
        "advisory_id": advisory.id, "feed_token": sharing_token,
        # exercises: being planned; the member is its controller; the inject is not delivered yet
        "exercise_id": exercise.id, "objective_id": objective.id, "inject_id": inject.id,
        "corrective_action_id": corrective.id, "conducted_exercise_id": conducted.id,
        # webhooks: an endpoint of the organisation with a failed delivery
        "endpoint_id": endpoint.id, "delivery_id": delivery.id,
    }


def seed_world(app) -> World:
    """Seed inside an app context; returns plain ids and emails (safe to use outside it)."""
    world = World()
    with app.app_context():
        org_a = factories.organization(name="Org A Water Authority", short_name="ORGA")
        org_b = factories.organization(name="Org B Grid Operator", short_name="ORGB")
        org_c = factories.organization(name="Org C Telecom", short_name="ORGC")
        factories.organization(name="Org A Client", short_name="ACLI", parent=org_a)
        for role in (Role.MEMBER, Role.COORDINATOR, Role.EXECUTIVE, Role.ADMIN):
            world.users[role.value] = factories.user(role=role, organization=org_a,
                                                     email=f"{role.value}@a.example.org")
        world.users["other_org"] = factories.user(role=Role.MEMBER, organization=org_b,
                                                  email="member@b.example.org")
        b_coordinator = factories.user(role=Role.COORDINATOR, organization=org_b, email="coordinator@b.example.org")
        factories.user(role=Role.MEMBER, organization=org_c, email="member@c.example.org")
        world.ids = _records(world.users["coordinator"], world.users["member"], org_a)
        world.ids["organization_id"] = org_a.id
        world.b_ids = _records(b_coordinator, world.users["other_org"], org_b)
        world.b_ids["organization_id"] = org_b.id
        world.emails = {role: u.email for role, u in world.users.items()}
        world.ids["org_c"] = org_c.id
        world.ids["render_id"] = _render_job(world.users["coordinator"])
        world.ids["token_id"] = _api_token(world.users["coordinator"])
        for ids in (world.ids, world.b_ids):
            ids.update(_federation(org_c))
        for user in world.users.values():  # loaded again after that commit: used after the context closes
            db.session.refresh(user)
    return world


def _render_job(owner) -> str:
    """A queued document render of the coordinator's (only its owner may follow it)."""
    from app.models import RenderJob

    job = RenderJob(id="render-of-the-coordinator", user_id=owner.id, digest="0" * 64, filename="register.pdf")
    db.session.add(job)
    db.session.commit()
    return job.id


def _api_token(owner) -> int:
    """An API token of the coordinator's (only its owner may revoke it)."""
    from datetime import timedelta

    from app.api_tokens.services import create_token
    from app.models import TokenScope
    from app.models import today

    token, _secret = create_token(owner, name="World sync", scope=TokenScope.READ, expires_on=today() + timedelta(days=9))
    db.session.commit()
    return token.id


def _federation(org) -> dict:
    """A TAXII peer, at an address where nothing answers."""
    from app.federation.peers import create_peer
    from app.models import Peer

    peer = db.session.scalar(sa.select(Peer)) or create_peer(
        None, name="Peer C", organization_id=org.id, api_root_url="http://127.0.0.1:9/taxii2/api/",
        collection_id="collection-c", token="peer-token")
    db.session.commit()
    return {"peer_id": peer.id}


def client_for(app, world: World, role: str):
    """A test client for a role name (anonymous: not signed in)."""
    if role == "anonymous":
        return app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(type(world.users[role])).where(
            type(world.users[role]).email == world.emails[role]))
        return app.test_client(user=user)


def login(client, email: str, password: str = PASSWORD, **kwargs):
    return client.post("/auth/login", data={"email": email, "password": password}, **kwargs)


# --- url_map walking ----------------------------------------------------------------------------


class MissingParameter(KeyError):
    pass


def build_url(rule: Rule, ids: dict[str, int]) -> str:
    values = {}
    for name in rule.arguments:
        if name == "filename":
            values[name] = "css/app.css"
        elif name in ids:
            values[name] = ids[name]
        else:
            raise MissingParameter(f"{rule.endpoint}: no seeded id for URL parameter <{name}>; "
                                   "add it to tests/security_world.py")
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{name}>", str(value), path)
    return path


def app_rules(app, include_static: bool = False) -> list[Rule]:
    """The page routes (the bearer-token API has its own matrix and fuzzing: tests/test_api_*.py)."""
    return sorted((r for r in app.url_map.iter_rules()
                   if (include_static or r.endpoint != "static") and not is_bearer_path(r.rule)),
                  key=lambda r: (r.endpoint, r.rule))


def write_methods(rule: Rule) -> list[str]:
    return sorted(m for m in rule.methods if m not in {"GET", "HEAD", "OPTIONS"})


# --- DB snapshot ---------------------------------------------------------------------------------


# A PDF download may fill the render cache (app/documents/renders.py: rendered and known documents) and a
# delivered executive report
# keeps its figures for the next report's trend (report_snapshots), and opening a released advisory marks it
# read for the sharing feed (advisory_reads): derived from what the reader may
# already see, never records. Every other table must stay untouched by a GET.
DERIVED_TABLES = {"rendered_documents", "known_documents", "render_jobs", "report_snapshots", "advisory_reads"}


def db_snapshot(app) -> dict:
    """Per table: row count, max(version) and a digest of every row (audit_events included).

    The digest catches any change at all, also in tables without a version column."""
    snapshot = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in DERIVED_TABLES:
                continue
            rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            versions = [row._mapping["version"] for row in rows] if "version" in table.c else []
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:16]
            snapshot[table.name] = (len(rows), max(versions, default=None), digest)
        db.session.remove()
    return snapshot


def snapshot_diff(before: dict, after: dict) -> dict:
    return {name: (before.get(name), after.get(name)) for name in set(before) | set(after)
            if before.get(name) != after.get(name)}


# --- Form discovery (for the XSS corpus and the fuzzers: new forms are picked up automatically) ---


class _FormParser(HTMLParser):
    """The fields of the first POST form whose action matches (or the first app-form on the page)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "class": a.get("class") or ""}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else "textarea"
            entry = self._form["fields"].setdefault(a["name"], {"type": kind, "options": [], "value": a.get("value"),
                                                                "maxlength": a.get("maxlength")})
            if kind in ("checkbox", "radio") and a.get("value") is not None:
                entry["options"].append(a["value"])
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"][a["name"]] = {"type": "select", "options": [], "value": None,
                                               "multiple": "multiple" in a}
        elif tag == "option" and self._select and a.get("value") not in (None, ""):
            self._form["fields"][self._select]["options"].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def page_forms(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return [f for f in parser.forms if "app-form" in f["class"]]


def fill_form(fields: dict, text: str, *, today: str = "2031-01-15") -> dict:
    """A submission: `text` in every free-text field, the first option of every choice, valid dates/numbers."""
    from datetime import date
    from datetime import timedelta

    data, next_date = {}, date.fromisoformat(today)
    for name, field_info in fields.items():
        kind = field_info["type"]
        if name in ("csrf_token", "version"):
            if field_info.get("value") is not None:
                data[name] = field_info["value"]
        elif kind in ("select", "radio", "checkbox"):
            if field_info["options"]:
                # Rows of a repeated sub-form (parties-1-organization_id) take different options.
                row = re.search(r"-(\d+)-", name)
                index = int(row.group(1)) if row else 0
                data[name] = field_info["options"][index % len(field_info["options"])]
        elif kind == "date":  # later fields get later dates: start < end, effective < expiry
            data[name], next_date = next_date.isoformat(), next_date + timedelta(days=30)
        elif kind == "number":
            data[name] = "3"
        elif kind == "email" or "email" in name:
            data[name] = "someone@example.org"
        elif kind == "password":
            data[name] = "a long enough passphrase"
        elif kind == "hidden":
            if field_info.get("value") is not None:
                data[name] = field_info["value"]
        elif kind == "tel" or "phone" in name:
            data[name] = "+1 555 0100"
        elif "version" in name:  # version labels such as "1.0"
            data[name] = "1.0"
        elif kind in ("text", "textarea", "search", "url"):
            limit = field_info.get("maxlength")
            data[name] = text[:int(limit)] if limit and limit.isdigit() else text
    return data
