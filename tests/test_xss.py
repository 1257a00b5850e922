"""XSS-01: a payload corpus submitted through every create form (and org/user names) stays inert on
every HTML page. Create forms are found by walking app.url_map for `*.create`/`add_*` GET+POST routes."""
from html.parser import HTMLParser

import sqlalchemy as sa

from app.extensions import db
from app.models import Organization
from app.models import User
from tests.conftest import make_app
from tests.security_world import app_rules
from tests.security_world import build_url
from tests.security_world import client_for
from tests.security_world import fill_form
from tests.security_world import page_forms
from tests.security_world import seed_world

PAYLOAD = '"><img src=x onerror=alert(1)><script>alert(2)</script>tpl{{7*7}}end'
NAME_PAYLOAD = "<svg onload=alert(3)>tpl{{7*7}}end"
RAW = ["<img src=x onerror", "<script>alert(2)", "<svg onload", "tpl49end"]


class _EventAttributes(HTMLParser):
    """Real attributes (as a browser parses them) whose name starts with `on`: none may exist."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [f"<{tag} {name}=…>" for name, _ in attrs if name.lower().startswith("on")]


def event_attributes(html: str) -> list[str]:
    parser = _EventAttributes()
    parser.feed(html)
    return parser.found


def _create_routes(app):
    return [r for r in app_rules(app) if {"GET", "POST"} <= r.methods
            and (r.endpoint.endswith(".create") or r.endpoint.split(".")[-1].startswith("add_"))]


def _submit_corpus(app, world) -> list[str]:
    """Submit PAYLOAD through every create form; returns the endpoints whose submission was accepted."""
    accepted = []
    for rule in _create_routes(app):
        role = "admin" if rule.endpoint.startswith(("organizations.", "users.")) else "coordinator"
        client = client_for(app, world, role)
        url = build_url(rule, world.ids)
        forms = page_forms(client.get(url).get_data(as_text=True))
        if not forms:
            continue
        data = fill_form(forms[0]["fields"], PAYLOAD)
        response = client.post(url, data=data)
        assert response.status_code < 500, f"{rule.endpoint}: {response.status_code}"
        if response.status_code == 302:
            accepted.append(rule.endpoint)
    return accepted


def _latest_ids(app, ids: dict) -> dict:
    """The newest row of each kind (the ones the corpus created), for the detail pages."""
    latest = dict(ids)
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if "id" in table.c:
                newest = db.session.scalar(sa.select(sa.func.max(table.c.id)))
                key = {"agreements": "agreement_id", "initiatives": "initiative_id", "working_groups": "working_group_id",
                       "tasks": "task_id", "risks": "risk_id", "mitigations": "mitigation_id",
                       "incident_plans": "incident_plan_id", "plan_sections": "section_id",
                       "plan_contacts": "contact_id", "milestones": "milestone_id"}.get(table.name)
                if key and newest:
                    latest[key] = newest
                    if key == "incident_plan_id":
                        latest["plan_id"] = newest
    return latest


def test_xss01_payloads_stay_inert_on_every_page():
    app = make_app()
    world = seed_world(app)
    with app.app_context():
        org = db.session.scalar(sa.select(Organization).where(Organization.id == world.ids["organization_id"]))
        org.name = "Org A " + NAME_PAYLOAD
        user = db.session.scalar(sa.select(User).where(User.email == world.emails["member"]))
        user.name = "Member " + NAME_PAYLOAD
        db.session.commit()
    accepted = _submit_corpus(app, world)
    assert accepted, "no create form accepted the corpus"
    failures = []
    for ids, roles in ((world.ids, ("coordinator", "admin", "member")), (_latest_ids(app, world.ids), ("coordinator",))):
        for role in roles:
            client = client_for(app, world, role)
            for rule in app_rules(app):
                if "GET" not in rule.methods or rule.rule.endswith(".pdf"):  # PDFs: the PDF engineer's tests
                    continue
                url = build_url(rule, ids)
                response = client.get(url)
                if not response.content_type.startswith("text/html"):
                    continue
                html = response.get_data(as_text=True)
                for raw in RAW:
                    if raw in html:
                        failures.append(f"{url} as {role}: unescaped {raw!r}")
                for attribute in event_attributes(html):
                    failures.append(f"{url} as {role}: an event-handler attribute {attribute}")
    assert not failures, "\n".join(sorted(set(failures)))
    # The payload was stored and is shown (escaped), so the check above looked at real output.
    client = client_for(app, world, "coordinator")
    assert "&lt;script&gt;alert(2)" in client.get("/agreements/").get_data(as_text=True) or \
        "agreements.create" not in accepted
