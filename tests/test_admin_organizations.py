"""Organisation administration through HTTP, as an administrator sees it (and as others are refused)."""
import csv
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.models import Organization
from app.models import OrganizationKind
from app.models import Role
from tests import factories


@pytest.fixture
def admin_client(app, client_as):
    with app.app_context():
        admin = factories.user(role=Role.ADMIN, name="Ada Admin")
        return client_as(admin)


def _org(app, org_id) -> Organization | None:
    with app.app_context():
        org = db.session.scalar(sa.select(Organization).where(Organization.id == org_id))
        if org is not None:
            db.session.expunge(org)
        return org


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _actions(app, org_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "organizations", AuditEvent.object_id == org_id).order_by(AuditEvent.id)))


def _form(**overrides) -> dict:
    data = {"name": "Harbour Port Authority", "short_name": "HPA", "kind": "government", "country": "nl",
            "sectors": ["transportation", "water"], "parent_id": ""}
    data.update(overrides)
    return data


# --- list -----------------------------------------------------------------------------------------

def test_list_shows_organisations_with_user_counts_and_filters(app, admin_client):
    with app.app_context():
        gov = factories.organization(name="Zeta Ministry", kind=OrganizationKind.GOVERNMENT, country="DE",
                                     sectors=["energy"])
        factories.organization(name="Alpha Water", country="FR", sectors=["water"])
        for _ in range(3):
            factories.user(organization=gov)
        old = factories.organization(name="Retired Grid Co")
        old.archived_at = old.created_at
        db.session.commit()
        gov_id = gov.id

    html = admin_client.get("/organizations/").get_data(as_text=True)
    assert "Zeta Ministry" in html and "Alpha Water" in html
    assert "Retired Grid Co" not in html  # archived ones are hidden by default
    assert html.index("Alpha Water") < html.index("Zeta Ministry")  # sorted by name

    page = admin_client.get("/organizations/?kind=government").get_data(as_text=True)
    assert "Zeta Ministry" in page and "Alpha Water" not in page
    page = admin_client.get("/organizations/?sector=water").get_data(as_text=True)
    assert "Alpha Water" in page and "Zeta Ministry" not in page
    page = admin_client.get("/organizations/?q=zeta").get_data(as_text=True)
    assert "Zeta Ministry" in page and "Alpha Water" not in page
    page = admin_client.get("/organizations/?archived=1").get_data(as_text=True)
    assert "Retired Grid Co" in page and "Zeta Ministry" not in page

    page = admin_client.get("/organizations/?sort=users&dir=desc").get_data(as_text=True)
    assert page.index("Zeta Ministry") < page.index("Alpha Water")  # 3 users first
    row = page[page.index(f"/organizations/{gov_id}\""):]
    assert "<td>3</td>" in row[:1200]


@pytest.mark.parametrize("query", ["kind=spaceship", "sector=moon", "archived=maybe", "sort=password&dir=up",
                                   "page=-3", "page=abc", "q=" + "x" * 500])
def test_invalid_filters_are_ignored_not_500(app, admin_client, query):
    with app.app_context():
        factories.organization(name="Beta Grid", kind=OrganizationKind.PRIVATE_SECTOR)
        factories.organization(name="Alpha Ministry", kind=OrganizationKind.GOVERNMENT)
    page = admin_client.get(f"/organizations/?{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    if query.startswith("q="):  # an over-long search is cut to 200 characters and still searches
        assert "Alpha Ministry" not in html and "Beta Grid" not in html
        return
    assert "Alpha Ministry" in html and "Beta Grid" in html
    # The export of the same statement is exactly the unfiltered list, in the default order.
    unfiltered = admin_client.get("/organizations/?format=csv").get_data()
    assert admin_client.get(f"/organizations/?format=csv&{query}").get_data() == unfiltered
    assert b"Alpha Ministry" in unfiltered and unfiltered.index(b"Alpha Ministry") < unfiltered.index(b"Beta Grid")


def test_csv_export_lists_the_filtered_organisations(app, admin_client):
    with app.app_context():
        factories.organization(name="=HYPERLINK(\"http://evil\")", kind=OrganizationKind.GOVERNMENT)
        factories.organization(name="Plain Operator")
    response = admin_client.get("/organizations/?format=csv&kind=government")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    names = [row[0] for row in rows[1:]]
    assert rows[0][0] == "Name"
    assert "Plain Operator" not in names
    assert len(names) == 1 and not names[0].startswith("=")  # formula injection neutralised


# --- create / edit ----------------------------------------------------------------------------------

def test_create_organisation(app, admin_client):
    response = admin_client.post("/organizations/new", data=_form())
    assert response.status_code == 302
    with app.app_context():
        org = db.session.scalar(sa.select(Organization).where(Organization.name == "Harbour Port Authority"))
        assert org.country == "NL"  # normalised
        assert [s.value for s in org.sectors] == ["transportation", "water"]
        assert response.headers["Location"].endswith(f"/organizations/{org.id}")
        org_id = org.id
    assert _actions(app, org_id) == ["organization.created"]
    page = admin_client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert "Harbour Port Authority" in page and "Transportation Systems" in page


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": ""}, "name", "This field is required"),
    ({"name": "x" * 201}, "name", "Field cannot be longer than 200 characters"),
    ({"country": "XX"}, "country", "Unknown country code"),
    ({"country": "USA"}, "country", ""),
    ({"kind": "pirate"}, "kind", ""),
    ({"sectors": ["outer_space"]}, "sectors", ""),
    ({"parent_id": "999999"}, "parent_id", "Not a valid choice"),
    ({"name": "Bad\x00Name"}, "name", ""),
])
def test_invalid_organisation_input_writes_nothing(app, admin_client, overrides, field, message):
    before = _count(app, Organization), _count(app, AuditEvent)
    response = admin_client.post("/organizations/new", data=_form(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html  # the message sits next to the field
    assert message in html
    assert (_count(app, Organization), _count(app, AuditEvent)) == before


def test_duplicate_name_is_refused_in_any_letter_case(app, admin_client):
    with app.app_context():
        factories.organization(name="Harbour Port Authority")
    before = _count(app, Organization)
    response = admin_client.post("/organizations/new", data=_form(name="  harbour PORT authority "))
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    assert _count(app, Organization) == before


def test_edit_organisation_and_audit_the_change(app, admin_client):
    with app.app_context():
        org = factories.organization(name="Old Name", country="US")
        org_id, version = org.id, org.version
    form = admin_client.get(f"/organizations/{org_id}/edit").get_data(as_text=True)
    assert 'value="Old Name"' in form and f'name="version" type="hidden" value="{version}"' in form
    response = admin_client.post(f"/organizations/{org_id}/edit",
                                 data=_form(name="New Name", country="CA", version=version))
    assert response.status_code == 302
    org = _org(app, org_id)
    assert (org.name, org.country, org.kind) == ("New Name", "CA", OrganizationKind.GOVERNMENT)
    assert org.version == version + 1
    assert _actions(app, org_id) == ["organization.updated"]
    with app.app_context():
        summary = db.session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.object_id == org_id))
    assert "Old Name" in summary and "New Name" in summary


def test_stale_edit_gets_the_conflict_page_and_overwrites_nothing(app, admin_client):
    with app.app_context():
        org = factories.organization(name="Shared Org")
        org_id, version = org.id, org.version
    assert admin_client.post(f"/organizations/{org_id}/edit",
                             data=_form(name="First Writer", version=version)).status_code == 302
    response = admin_client.post(f"/organizations/{org_id}/edit", data=_form(name="Second Writer", version=version))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "First Writer" in html and "Second Writer" in html  # saved value next to the submitted one
    assert _org(app, org_id).name == "First Writer"
    assert _actions(app, org_id) == ["organization.updated"]


def test_parent_cannot_be_itself_or_a_client_of_its_clients(app, admin_client):
    with app.app_context():
        top = factories.organization(name="Top Operator")
        middle = factories.organization(name="Middle Client", parent=top)
        bottom = factories.organization(name="Bottom Client", parent=middle)
        top_id, middle_id, bottom_id, version = top.id, middle.id, bottom.id, top.version

    response = admin_client.post(f"/organizations/{top_id}/edit",
                                 data=_form(name="Top Operator", parent_id=str(top_id), version=version))
    assert response.status_code == 200
    assert 'id="parent_id-error"' in response.get_data(as_text=True)

    for descendant in (middle_id, bottom_id):
        response = admin_client.post(f"/organizations/{top_id}/edit",
                                     data=_form(name="Top Operator", parent_id=str(descendant), version=version))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'id="parent_id-error"' in html and "cannot be its own parent" in html
    top = _org(app, top_id)
    assert top.parent_id is None and top.version == version
    assert _actions(app, top_id) == []


def test_setting_a_parent_makes_a_client(app, admin_client):
    with app.app_context():
        parent = factories.organization(name="Grid Parent")
        child = factories.organization(name="Grid Child")
        parent_id, child_id, version = parent.id, child.id, child.version
    response = admin_client.post(f"/organizations/{child_id}/edit",
                                 data=_form(name="Grid Child", parent_id=str(parent_id), version=version))
    assert response.status_code == 302
    assert _org(app, child_id).parent_id == parent_id
    assert "Grid Child" in admin_client.get(f"/organizations/{parent_id}").get_data(as_text=True)


# --- archive / restore / delete ---------------------------------------------------------------------

def test_archive_and_restore(app, admin_client):
    with app.app_context():
        org = factories.organization(name="Seasonal Partner")
        factories.user(organization=org)
        org_id = org.id
    assert admin_client.post(f"/organizations/{org_id}/archive").status_code == 302
    assert _org(app, org_id).archived_at is not None
    assert f'href="/organizations/{org_id}"' not in admin_client.get("/organizations/").get_data(as_text=True)
    detail = admin_client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert "Archived" in detail and f"/organizations/{org_id}/restore" in detail

    assert admin_client.post(f"/organizations/{org_id}/restore").status_code == 302
    assert _org(app, org_id).archived_at is None
    assert _actions(app, org_id) == ["organization.archived", "organization.restored"]


def test_an_organisation_with_users_cannot_be_deleted(app, admin_client):
    with app.app_context():
        org = factories.organization(name="Busy Org")
        factories.user(organization=org)
        org_id = org.id
    detail = admin_client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert f"/organizations/{org_id}/delete" not in detail  # not offered
    response = admin_client.post(f"/organizations/{org_id}/delete", follow_redirects=True)
    assert "archive it instead" in response.get_data(as_text=True)
    assert _org(app, org_id) is not None


@pytest.mark.parametrize("link", ["agreement_party", "owned_risk", "client", "mitigation"])
def test_an_organisation_with_records_cannot_be_deleted(app, admin_client, link):
    with app.app_context():
        org = factories.organization(name="Record Holder")
        if link == "agreement_party":
            factories.agreement(parties=[org])
        elif link == "owned_risk":
            _owned_risk(org)
        elif link == "client":
            factories.organization(parent=org)
        else:
            factories.mitigation(assigned_organization=org)
        org_id = org.id
    response = admin_client.post(f"/organizations/{org_id}/delete")
    assert response.status_code == 302
    assert _org(app, org_id) is not None


def _owned_risk(org):
    creator = factories.user(role=Role.COORDINATOR)  # a coordinator of another organisation
    return factories.risk(owner_organization=org, created_by=creator)


def test_an_unused_organisation_can_be_deleted(app, admin_client):
    with app.app_context():
        org_id = factories.organization(name="Typo Org").id
    detail = admin_client.get(f"/organizations/{org_id}").get_data(as_text=True)
    assert f"/organizations/{org_id}/delete" in detail
    response = admin_client.post(f"/organizations/{org_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/organizations/")
    assert _org(app, org_id) is None
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == org_id,
                                                                     AuditEvent.object_type == "organizations")) \
            == "organization.deleted"


def test_unknown_organisation_is_404(admin_client):
    assert admin_client.get("/organizations/999999").status_code == 404
    assert admin_client.post("/organizations/999999/archive").status_code == 404


# --- non-admins ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MEMBER, Role.EXECUTIVE])
def test_non_admins_get_403_on_every_organisation_page_and_action(app, client_as, role):
    with app.app_context():
        user = factories.user(role=role)
        target = factories.organization(name="Target Org")
        target_id, version = target.id, target.version
        client = client_as(user)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("organizations.")]
    assert len(rules) >= 6
    for rule in rules:
        url = rule.rule.replace("<int:organization_id>", str(target_id))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = _form(name="Hijacked", version=version) if method == "POST" else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, f"{method} {url}"
    assert client.get("/organizations/?format=csv").status_code == 403
    target = _org(app, target_id)
    assert target.name == "Target Org" and target.archived_at is None and target.version == version
    assert _actions(app, target_id) == []
    assert _count(app, Organization) == 2  # the target and the user's own: nothing created


def test_a_client_of_an_archived_parent_stays_editable(app, admin_client):
    with app.app_context():
        parent = factories.organization(name="Wound Down Parent")
        child = factories.organization(name="Surviving Client", parent=parent)
        parent.archived_at = parent.created_at
        db.session.commit()
        parent_id, child_id, version = parent.id, child.id, child.version
    response = admin_client.post(f"/organizations/{child_id}/edit",
                                 data=_form(name="Surviving Client", short_name="SC", parent_id=str(parent_id),
                                            version=version))
    assert response.status_code == 302
    child = _org(app, child_id)
    assert child.short_name == "SC" and child.parent_id == parent_id


@pytest.mark.parametrize("link", ["webhook", "peer", "exercise_participant", "advisory_recipient"])
def test_an_organisation_referred_to_only_by_a_setting_or_a_participation_is_in_use(app, admin_client, link):
    """Not only its own records: a webhook endpoint, a TAXII peer, a place in an exercise or an advisory's
    distribution also keep it from being deleted (archive instead), with a message, never a 500."""
    from app.models import AdvisoryRecipient
    from app.models import Peer
    from app.models import WebhookEndpoint
    from app.models.exercise import exercise_organizations

    with app.app_context():
        org = factories.organization(name="Linked Org")
        other = factories.organization(name="Record owner")
        coordinator = factories.user(role=Role.COORDINATOR, organization=other)
        if link == "webhook":
            db.session.add(WebhookEndpoint(organization_id=org.id, url="https://hooks.example.com/in",
                                           events=["risk.created"], secret_encrypted="x"))
        elif link == "peer":
            db.session.add(Peer(name="Nordic centre", organization_id=org.id, api_root_url="https://peer.example/api/",
                                collection_id="c1", token_encrypted="x"))
        elif link == "exercise_participant":
            exercise = factories.exercise(created_by=coordinator)
            db.session.execute(exercise_organizations.insert().values(exercise_id=exercise.id, organization_id=org.id))
        else:
            advisory = factories.advisory(created_by=coordinator)
            db.session.add(AdvisoryRecipient(advisory_id=advisory.id, organization_id=org.id))
        db.session.commit()
        org_id = org.id
    assert f"/organizations/{org_id}/delete" not in admin_client.get(f"/organizations/{org_id}").get_data(as_text=True)
    response = admin_client.post(f"/organizations/{org_id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/organizations/{org_id}")
    assert _org(app, org_id) is not None
