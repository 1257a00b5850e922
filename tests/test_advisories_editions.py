"""Editions per reader over the demo partnership: every account of every demo organisation (each role: admin,
coordinators, members, executives; government, operators, their client, the international partner, academia,
the CSIRT) against every demo advisory (every state and TLP, public editions, sector distribution), compared with
the rule computed here independently of app/permissions:

* the authors' organisations read the restricted edition in every state (a draft only they read at all);
* once released (and after: superseded, withdrawn), TLP:CLEAR and GREEN reach everyone, AMBER the authors'
  and recipients' organisations and their clients, AMBER+STRICT those organisations only, an admin everything;
* whoever the restricted edition does not reach reads the public edition (TLP:CLEAR) when there is one, else
  nothing (404).

Each reader's page, list row and PDF must be that edition: the restricted title never reaches a public-edition
reader, and the PDF served is the stored document of that edition."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryStatus
from app.models import Document
from app.models import Organization
from app.models import Role
from app.models import User

RESTRICTED, PUBLIC, NONE = "restricted", "public", "none"
RELEASED = {AdvisoryStatus.RELEASED, AdvisoryStatus.SUPERSEDED, AdvisoryStatus.WITHDRAWN}


@pytest.fixture(scope="module")
def demo(demo_template):
    app = demo_template.new_app()
    yield app
    demo_template.drop(app)


def expected_edition(user: User, parent_id: int | None, advisory: Advisory) -> str:
    authors = {a.organization_id for a in advisory.authors}
    participants = authors | {r.organization_id for r in advisory.distribution}
    org = user.organization_id
    if org in authors:
        return RESTRICTED
    if advisory.status not in RELEASED:
        return NONE
    if user.role is Role.ADMIN:
        reaches = advisory.tlp is not TLP.RED
    elif advisory.tlp in (TLP.CLEAR, TLP.GREEN):
        reaches = True
    elif advisory.tlp is TLP.AMBER:
        reaches = org in participants or (parent_id is not None and parent_id in participants)
    elif advisory.tlp is TLP.AMBER_STRICT:
        reaches = org in participants
    else:
        reaches = False
    if reaches:
        return RESTRICTED
    return PUBLIC if advisory.public_title else NONE


def _world(app) -> tuple[list, list, dict]:
    with app.app_context():
        users = db.session.scalars(sa.select(User).order_by(User.id)).all()
        parents = dict(db.session.execute(sa.select(Organization.id, Organization.parent_id)).all())
        advisories = db.session.scalars(sa.select(Advisory).order_by(Advisory.id)).all()
        expected = {(u.email, a.id): expected_edition(u, parents[u.organization_id], a)
                    for u in users for a in advisories}
        documents = {(d.object_id, d.kind): d.content for d in db.session.scalars(
            sa.select(Document).where(Document.object_type == "advisories"))}
        people = [(u.email, u.id) for u in users]
        shown = [(a.id, a.reference, a.title, a.public_title) for a in advisories]
    return people, shown, {"expected": expected, "documents": documents}


def test_the_demo_has_advisories_in_every_state_and_edition(demo):
    with demo.app_context():
        advisories = db.session.scalars(sa.select(Advisory)).all()
        assert {a.status for a in advisories} == set(AdvisoryStatus)
        assert {a.tlp for a in advisories} >= {TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT}
        kinds = {db.session.get(Organization, a.organization_id).kind.value
                 for adv in advisories if len(adv.authors) > 1 for a in adv.authors}
        assert {"government", "private_sector"} <= kinds  # co-authored by an agency and an operator
        assert any(a.public_title and a.is_released for a in advisories)
        assert any(a.acknowledgements for a in advisories)
        assert any(r.sector for a in advisories for r in a.distribution)  # a sector expanded at the release


def test_every_demo_reader_gets_exactly_the_edition_the_rule_gives(demo):
    people, advisories, world = _world(demo)
    expected, documents = world["expected"], world["documents"]
    assert {edition for edition in expected.values()} == {RESTRICTED, PUBLIC, NONE}
    failures = []
    for email, user_id in people:
        with demo.app_context():
            client = demo.test_client(user=db.session.get(User, user_id))
        listing = client.get("/advisories/?per_page=100").get_data(as_text=True)
        for advisory_id, reference, title, public_title in advisories:
            want = expected[(email, advisory_id)]
            label = f"{email} on {reference}: expected {want}"
            page = client.get(f"/advisories/{advisory_id}")
            pdf = client.get(f"/advisories/{advisory_id}.pdf")
            html = page.get_data(as_text=True)
            if want == NONE:
                ok = page.status_code == 404 and pdf.status_code == 404 and reference not in listing
            elif want == PUBLIC:
                ok = (page.status_code == 200 and public_title in html and title not in html
                      and title not in listing and pdf.data == documents[(advisory_id, "advisory_public")])
            else:
                ok = page.status_code == 200 and title in html and title in listing
                if (advisory_id, "advisory") in documents:  # released: the restricted PDF
                    ok = ok and pdf.data == documents[(advisory_id, "advisory")]
                else:
                    ok = ok and pdf.status_code == 404  # a draft has no edition yet
            if not ok:
                failures.append(f"{label}; page {page.status_code}, pdf {pdf.status_code}")
    assert not failures, "\n".join(failures)
