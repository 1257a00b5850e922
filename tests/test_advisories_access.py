"""The advisory access matrix: every advisory route (view, the PDF edition, history, create, edit, submit, back to
draft, co-author approval, the approval that releases, new edition, withdraw, acknowledge, open a risk, add tasks,
comment, the sharing page and its Atom feed) × everyone around a co-authored AMBER advisory with a public edition
(tests/advisory_world.py): the owner agency's coordinators, member and executive (an observer), the co-authoring
operator's coordinators and member, a named recipient's coordinator and member, the recipient's client
organisation, an organisation reached through its sector, another partner, an authority that takes no part, an
admin, and an outsider who is not signed in.

Nothing here is written out person by person: each person is described by data (their organisation's relation to
the advisory, their role) and each route's expectation is computed from those facts by the rule it must follow
(DESIGN.md "Advisories"; the TLP rule). A route walked in the state where it can be used; an accepted write gets
an advisory of its own, a refused one must change nothing at all (every table compared). A new advisory route
without an entry in ROUTES fails by name."""
from dataclasses import dataclass

import pytest

from app.bearer import is_bearer_path
from app.extensions import db
from app.models import Advisory
from app.models import AdvisoryStatus
from app.models import Role
from app.sharing import services as sharing
from tests import advisory_world as w
from tests.conftest import drop_shared_app
from tests.conftest import make_app
from tests.conftest import shared_app
from tests.security_world import db_snapshot
from tests.security_world import snapshot_diff

OK, LOGIN, FOUR_EYES = "ok", "login", "four-eyes"  # FOUR_EYES: in scope, sent back with the refusal, nothing written


@dataclass(frozen=True)
class Person:
    org: str  # the organisation's key in the world ("gov", "operator", …; "" for the outsider)
    role: Role | None  # None: not signed in
    wrote_last: bool = False  # the person whose change the approvals are about

    @property
    def relation(self) -> str:
        """The organisation's part: author, recipient, sector (a recipient through its sector), client, none."""
        return RELATIONS.get(self.org, "none")


RELATIONS = {"gov": "author", "operator": "author", "recipient": "recipient", "sector": "sector", "client": "client"}
ANONYMOUS = "outsider"
# Which authoring organisations approved already, in each state the routes are walked in.
APPROVED = {"awaiting_last": {"operator"}}


def _people(app, world) -> dict[str, Person]:
    with app.app_context():
        people = {}
        for who in w.PEOPLE:
            user = w.person(world, who)
            org_key = next(k for k, i in world.orgs.items() if i == user.organization_id)
            people[who] = Person(org_key, user.role, wrote_last=(who == "gov_coordinator"))
    return {**people, ANONYMOUS: Person("", None)}


# --- the rule, from the facts ------------------------------------------------------------------------------------
def is_released(state: str) -> bool:
    return state in ("released", "withdrawn")


def reads_restricted(p: Person, state: str) -> bool:
    """The authors in every state; once released the TLP rule for AMBER: authors, recipients (named or by
    sector) and their clients; an admin reads everything but RED."""
    if p.role is None:
        return False
    if p.relation == "author":
        return True
    return is_released(state) and (p.relation in ("recipient", "sector", "client") or p.role is Role.ADMIN)


def reads_an_edition(p: Person, state: str) -> bool:
    """Drafts: the authors; released with a public edition: everyone signed in."""
    return reads_restricted(p, state) or (is_released(state) and p.role is not None)


def scoped(rule):
    """Not signed in: to the sign-in page; no edition to read: 404; else the rule."""
    def expect(p: Person, state: str):
        if p.role is None:
            return LOGIN
        if not reads_an_edition(p, state):
            return 404
        return rule(p, state)
    return expect


def _reads(p, state):
    return OK


def _author_coordinator(p, state):
    return OK if p.relation == "author" and p.role is Role.COORDINATOR else 403


def _approves(p, state):
    """A coordinator of an authoring organisation that has not approved yet, never the last editor (four eyes)."""
    if p.relation != "author" or p.role is not Role.COORDINATOR or p.org in APPROVED.get(state, ()):
        return 403
    return FOUR_EYES if p.wrote_last else OK


def _receives(p, state):
    return OK if p.relation in ("recipient", "sector") and p.role is Role.COORDINATOR else 403


def _comments(p, state):
    """The restricted edition's readers (the others: 404); coordinators, and members and executives of a taking
    part organisation; never an admin."""
    if not reads_restricted(p, state):
        return 404
    if p.role is Role.COORDINATOR or (p.role in (Role.MEMBER, Role.EXECUTIVE)
                                      and p.relation in ("author", "recipient", "sector")):
        return OK
    return 403


def _history(p, state):
    return OK if p.relation == "author" else 403


def _signed_in(p, state):
    return LOGIN if p.role is None else OK


def _creates(p, state):
    return LOGIN if p.role is None else (OK if p.role is Role.COORDINATOR else 403)


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    state: str  # the advisory's state when the route is walked ("none": no advisory)
    rule: object
    form: object = None  # the form posted: a dict, or "create" / "edit" (built per advisory)
    becomes: AdvisoryStatus | None = None  # an accepted write leaves the advisory in this state


CASES = [
    Case("advisories.index", "GET", "released", _signed_in),
    Case("advisories.detail", "GET", "draft", scoped(_reads)),
    Case("advisories.detail", "GET", "released", scoped(_reads)),
    Case("advisories.detail", "GET", "withdrawn", scoped(_reads)),
    Case("documents.advisory", "GET", "released", scoped(_reads)),
    Case("advisories.history", "GET", "released", scoped(_history)),
    Case("advisories.create", "GET", "none", _creates),
    Case("advisories.create", "POST", "none", _creates, "create"),
    Case("advisories.edit", "GET", "draft", scoped(_author_coordinator)),
    Case("advisories.edit", "POST", "draft", scoped(_author_coordinator), "edit"),
    Case("advisories.submit", "POST", "draft", scoped(_author_coordinator), becomes=AdvisoryStatus.IN_REVIEW),
    Case("advisories.return_to_draft", "POST", "in_review", scoped(_author_coordinator), becomes=AdvisoryStatus.DRAFT),
    # co-author approval: nobody approved yet; the agency's coordinator wrote it
    Case("advisories.approve", "POST", "in_review", scoped(_approves), becomes=AdvisoryStatus.IN_REVIEW),
    # the release: the operator approved already, the agency's approval (never its last editor's) releases it
    Case("advisories.approve", "POST", "awaiting_last", scoped(_approves), becomes=AdvisoryStatus.RELEASED),
    Case("advisories.start_update", "POST", "released", scoped(_author_coordinator)),
    Case("advisories.withdraw", "POST", "released", scoped(_author_coordinator), {"reason": "Retracted."},
         becomes=AdvisoryStatus.WITHDRAWN),
    Case("advisories.acknowledge", "POST", "released", scoped(_receives), {"status": "acted", "note": "Done."}),
    Case("advisories.open_risk", "POST", "released", scoped(_receives),
         {"title": "Our relays", "likelihood": "3", "impact": "3", "tlp": "amber"}),
    Case("advisories.add_tasks", "POST", "released", scoped(_receives), {"working_group_id": "0", "titles": "Patch"}),
    Case("comments.advisory", "POST", "draft", scoped(_comments), {"body": "Which firmware builds?"}),
    Case("comments.advisory", "POST", "released", scoped(_comments), {"body": "Which firmware builds?"}),
    Case("sharing.index", "GET", "released", _signed_in),
    Case("sharing.create_feed", "POST", "none", _signed_in),
    Case("sharing.revoke_feed", "POST", "none", _signed_in),
]


def _rules(app):
    return sorted((r for r in app.url_map.iter_rules()
                   if not is_bearer_path(r.rule)  # the API's own matrix: tests/test_api_*.py
                   and (r.endpoint.split(".")[0] in ("advisories", "sharing") or "advisory_id" in r.arguments)),
                  key=lambda r: (r.endpoint, r.rule))


def test_every_advisory_route_has_an_entry():
    app = make_app()
    covered = {case.endpoint for case in CASES} | {"sharing.feed"}  # the feed: test_the_atom_feed_of_everyone
    missing = sorted({r.endpoint for r in _rules(app)} - covered)
    assert not missing, f"advisory routes without a case in tests/test_advisories_access.py: {missing}"


# --- the world ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world():
    with pytest.MonkeyPatch.context() as patch:
        w.fake_editions(patch)
        app = shared_app()
        built = w.build(app)
        yield app, built, _people(app, built)
        drop_shared_app(app)


def advisory_in(app, world, state: str) -> int | None:
    """A fresh co-authored AMBER advisory with a public edition, for the named recipient and the water sector."""
    if state == "none":
        return None
    from app.advisories import services

    with app.app_context():
        advisory = w.draft(world, public_title="Relay firmware: patch now")
        if state != "draft":
            services.submit_for_review(w.person(world, "gov_coordinator"), advisory)
        if state in ("awaiting_last", "released", "withdrawn"):
            services.approve(w.person(world, "op_coordinator"), advisory)
        if state in ("released", "withdrawn"):
            services.approve(w.person(world, "gov_coordinator2"), advisory)
        if state == "withdrawn":
            services.withdraw(w.person(world, "gov_coordinator2"), advisory, "The vendor retracted the bulletin.")
        db.session.commit()
        return advisory.id


def _url(endpoint: str, advisory_id: int | None) -> str:
    fixed = {"advisories.index": "/advisories/", "advisories.create": "/advisories/new", "sharing.index": "/sharing/",
             "sharing.create_feed": "/sharing/feed", "sharing.revoke_feed": "/sharing/feed/revoke",
             "documents.advisory": f"/advisories/{advisory_id}.pdf",
             "comments.advisory": f"/comments/advisories/{advisory_id}"}
    if endpoint in fixed:
        return fixed[endpoint]
    action = endpoint.split(".", 1)[1]
    suffix = {"detail": "", "start_update": "/update", "return_to_draft": "/draft", "open_risk": "/risk",
              "add_tasks": "/tasks"}.get(action, f"/{action}")
    return f"/advisories/{advisory_id}{suffix}"


def _data(app, world, form, advisory_id) -> dict:
    if form == "create":
        return {"kind": "threat_alert", "title": "New alert", "severity": "high", "tlp": "amber", "summary": "S"}
    if form == "edit":
        with app.app_context():
            version = db.session.get(Advisory, advisory_id).version
        return {"kind": "threat_alert", "title": "Restricted: grid relay exploitation (corrected)", "severity": "medium",
                "tlp": "amber", "summary": "RESTRICTED-SUMMARY", "version": str(version),
                "co_authors": str(world.orgs["operator"]), "recipients": str(world.orgs["recipient"]),
                "recipient_sectors": "water", "public_title": "Relay firmware: patch now",
                "public_body": "Public text: patch your relays."}
    return form or {}


def _outcome(response, want) -> bool:
    status, location = response.status_code, response.headers.get("Location", "")
    if want == LOGIN:
        return status == 302 and "/auth/login" in location
    if want in (OK, FOUR_EYES):
        return status < 500 and status not in (400, 401, 403, 404, 405) and "/auth/login" not in location
    return status == want


def _shows(response, person, case) -> str:
    """What a reader is shown: the restricted title exactly when the rule lets them read that edition."""
    if case.method != "GET" or case.endpoint not in ("advisories.detail", "documents.advisory"):
        return ""
    body = response.get_data(as_text=True) if case.endpoint == "advisories.detail" else response.data.decode("latin-1")
    restricted = "grid relay exploitation" in body
    if restricted != reads_restricted(person, case.state):
        return f"restricted edition shown: {restricted}"
    return ""


def _status(app, advisory_id):
    with app.app_context():
        return db.session.get(Advisory, advisory_id).status if advisory_id else None


def _walk(app, world, people, case) -> list[str]:
    """Refusals first, on one advisory, between two snapshots of every table (a refused write changes nothing);
    then each accepted write on an advisory of its own."""
    failures = []
    shared = advisory_in(app, world, case.state)
    expected = {who: case.rule(person, case.state) for who, person in people.items()}
    accepted = {who for who, want in expected.items() if want == OK and case.method == "POST"}
    refused_writes = [who for who in people if who not in accepted and case.method == "POST"]
    before = db_snapshot(app) if refused_writes else None
    for who in sorted(people, key=lambda who: who in accepted):
        person, want = people[who], expected[who]
        advisory_id = advisory_in(app, world, case.state) if who in accepted else shared
        client = app.test_client() if who == ANONYMOUS else w.client(app, world, who)
        url = _url(case.endpoint, advisory_id)
        response = (client.get(url) if case.method == "GET"
                    else client.post(url, data=_data(app, world, case.form, advisory_id)))
        label = f"{case.method} {case.endpoint} ({case.state}) as {who}: expected {want}, got {response.status_code}"
        if not _outcome(response, want):
            failures.append(label)
        elif problem := _shows(response, person, case):
            failures.append(f"{label}: {problem}")
        elif who in accepted and case.becomes and _status(app, advisory_id) is not case.becomes:
            failures.append(f"{label}: left {_status(app, advisory_id)}, not {case.becomes}")
        if before is not None and who == refused_writes[-1] and (changed := snapshot_diff(before, db_snapshot(app))):
            failures.append(f"{case.method} {case.endpoint} ({case.state}): refused to {refused_writes} "
                            f"but changed {sorted(changed)}")
    return failures


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.endpoint} ({c.state})")
def test_route_by_everyone_around_an_advisory(world, case):
    app, built, people = world
    failures = _walk(app, built, people, case)
    assert not failures, "\n".join(failures)


def test_the_atom_feed_of_everyone(world):
    """Each person's own feed: a released advisory they did not write, in the edition they read (reference, kind
    and TLP above GREEN; the public title for a public-edition reader); an unknown token is 404."""
    import xml.etree.ElementTree as ET

    app, built, people = world
    advisory_id = advisory_in(app, built, "released")
    with app.app_context():
        reference = db.session.get(Advisory, advisory_id).reference
    failures = []
    for who, person in people.items():
        if person.role is None:
            if app.test_client().get("/sharing/not-a-token.atom").status_code != 404:
                failures.append(f"{who}: an unknown token is not 404")
            continue
        with app.app_context():
            token = sharing.create_or_regenerate(w.person(built, who))
            db.session.commit()
        body = app.test_client().get(f"/sharing/{token}.atom").data
        titles = [e.findtext("{http://www.w3.org/2005/Atom}title")
                  for e in ET.fromstring(body).findall("{http://www.w3.org/2005/Atom}entry")]
        mine = [t for t in titles if t.startswith(reference)]
        if person.relation == "author":
            want = []
        elif reads_restricted(person, "released"):
            want = [f"{reference} — Threat alert (TLP:AMBER)"]
        else:
            want = [f"{reference}: Relay firmware: patch now"]
        if mine != want or b"grid relay exploitation" in body or b"RESTRICTED" in body:
            failures.append(f"{who}: feed entries {mine}, expected {want}")
    assert not failures, "\n".join(failures)
