"""Forms that guide: rows added and removed without JavaScript, people filtered by organisation (the
server still decides), shortcuts from an initiative, breadcrumbs, the navbar's spelling."""
import re

import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Agreement
from app.models import Initiative
from app.models import Milestone
from app.models import Mitigation
from app.models import Risk
from app.models import User
from tests import factories
from tests.everyday_helpers import form_data
from tests.test_working_groups_helpers import make_group
from tests.test_working_groups_helpers import make_task
from tests.test_working_groups_helpers import text
from tests.test_working_groups_helpers import world


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(model.id)))


def _rows(html: str, name: str) -> list[str]:
    return sorted(set(re.findall(rf'name="({name}-\d+)-', html)))


def _app_form(html: str) -> dict:
    return form_data(html, lambda f: "app-form" in f["class"] and f["method"] == "post")


def test_agreement_party_rows_added_and_removed_without_javascript(app, client_as):
    w = world(app, client_as)
    coord = w.c["coord_gov"]
    page = text(coord.get("/agreements/new"))
    assert _rows(page, "parties") == ["parties-0", "parties-1"]
    data = _app_form(page)
    data.update({"title": "Mutual aid for water", "kind": "mutual_aid", "tlp": "amber",
                 "parties-0-organization_id": str(w.org_ids["water"]), "parties-0-signatory_name": "Wanda Water"})
    # "Add another party": the form comes back with three rows and everything typed so far; nothing saved.
    added = coord.post("/agreements/new", data={**data, "row_action": "add:parties"})
    assert added.status_code == 200
    page = text(added)
    assert _rows(page, "parties") == ["parties-0", "parties-1", "parties-2"]
    assert 'value="Wanda Water"' in page and 'value="Mutual aid for water"' in page
    assert "is-invalid" not in page  # a redraw flags nothing
    assert _count(app, Agreement) == 0
    data = _app_form(page)
    data["parties-2-organization_id"] = str(w.org_ids["energy"])
    # "Remove" on the empty middle row.
    removed = coord.post("/agreements/new", data={**data, "row_action": "remove:parties-1"})
    page = text(removed)
    assert _rows(page, "parties") == ["parties-0", "parties-2"]
    assert _count(app, Agreement) == 0
    saved = coord.post("/agreements/new", data=_app_form(page))
    assert saved.status_code == 302
    with app.app_context():
        agreement = db.session.scalar(sa.select(Agreement))
        assert {p.organization_id for p in agreement.parties} == {w.org_ids["gov"], w.org_ids["water"],
                                                                  w.org_ids["energy"]}


def test_initiative_milestone_rows_on_create_empty_rows_ignored_and_dates_need_titles(app, client_as):
    w = world(app, client_as)
    coord = w.c["coord_gov"]
    page = text(coord.get("/initiatives/new"))
    assert _rows(page, "new_milestones") == ["new_milestones-0"]
    data = _app_form(page)
    data.update({"title": "Grid resilience", "tlp": "amber", "health": "green",
                 "lead_organization_id": str(w.org_ids["gov"]), "new_milestones-0-title": "Site surveys done",
                 "new_milestones-0-due_date": "2030-03-01"})
    page = text(coord.post("/initiatives/new", data={**data, "row_action": "add:new_milestones"}))
    assert _rows(page, "new_milestones") == ["new_milestones-0", "new_milestones-1"]
    data = _app_form(page)
    assert data["new_milestones-0-title"] == "Site surveys done"
    # A date without a title: a field error on the form (never an error page), nothing saved.
    refused = coord.post("/initiatives/new", data={**data, "new_milestones-1-due_date": "2030-04-01"})
    assert refused.status_code in (200, 400) and "Give this milestone a title" in text(refused)
    assert 'class="alert alert-danger error-summary"' in text(refused)
    assert _count(app, Initiative) == 0
    # The empty second row is skipped.
    saved = coord.post("/initiatives/new", data=data)
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Milestone.title)).all() == ["Site surveys done"]


def test_initiative_edit_adds_milestones_and_empty_detail_milestone_gets_a_field_error(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        creator = db.session.get(User, w.ids["coord_gov"])
        initiative_id = factories.initiative(created_by=creator, tlp=TLP.AMBER).id
    coord = w.c["coord_gov"]
    page = text(coord.get(f"/initiatives/{initiative_id}/edit"))
    assert _rows(page, "new_milestones") == []
    page = text(coord.post(f"/initiatives/{initiative_id}/edit",
                           data={**_app_form(page), "row_action": "add:new_milestones"}))
    data = _app_form(page)
    data["new_milestones-0-title"] = "Exercise held"
    assert coord.post(f"/initiatives/{initiative_id}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Milestone.title)).all() == ["Exercise held"]
    empty = coord.post(f"/initiatives/{initiative_id}/milestones", data={"title": "", "due_date": ""})
    assert "This field is required" in text(empty) or "required" in text(empty).lower()
    assert "<h1" in text(empty) and "Exercise held" in text(empty)  # the initiative page, with the error


def test_mitigation_assignee_picker_is_filtered_by_organisation_and_checked_on_the_server(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        creator = db.session.get(User, w.ids["coord_gov"])
        risk_id = factories.risk(created_by=creator, tlp=TLP.GREEN).id
    coord = w.c["coord_gov"]
    page = text(coord.get(f"/risks/{risk_id}/mitigations/new"))
    assert 'data-depends-on="assigned_organization_id"' in page
    option = re.search(rf'<option[^>]*value="{w.ids["member_water"]}"[^>]*>', page).group(0)
    assert f'data-group="{w.org_ids["water"]}"' in option
    assert '<optgroup label="WATER"' in page or "optgroup" in page
    # A person of another organisation, forged past the picker: refused next to the field, nothing saved.
    forged = coord.post(f"/risks/{risk_id}/mitigations/new", data={
        "title": "Fence", "assigned_organization_id": str(w.org_ids["water"]),
        "assigned_user_id": str(w.ids["member_energy"]), "effectiveness": "10"})
    assert forged.status_code in (200, 400)
    assert "does not belong to the assigned organisation" in text(forged)
    assert _count(app, Mitigation) == 0
    ok = coord.post(f"/risks/{risk_id}/mitigations/new", data={
        "title": "Fence", "assigned_organization_id": str(w.org_ids["water"]),
        "assigned_user_id": str(w.ids["member_water"]), "effectiveness": "10"})
    assert ok.status_code == 302 and _count(app, Mitigation) == 1


def test_initiative_shortcuts_prefill_the_link(app, client_as):
    w = world(app, client_as)
    with app.app_context():
        creator = db.session.get(User, w.ids["coord_gov"])
        initiative_id = factories.initiative(created_by=creator, tlp=TLP.AMBER).id
    coord = w.c["coord_gov"]
    page = text(coord.get(f"/initiatives/{initiative_id}"))
    for href in (f"/working-groups/new?initiative={initiative_id}", f"/risks/new?initiative={initiative_id}",
                 f"/agreements/new?initiative={initiative_id}"):
        assert f'href="{href}"' in page
    for url in (f"/working-groups/new?initiative={initiative_id}", f"/risks/new?initiative={initiative_id}"):
        assert re.search(rf'<option selected value="{initiative_id}"|<option value="{initiative_id}" selected',
                         text(coord.get(url))), url
    # An initiative the user cannot see is not prefilled.
    assert f'value="{initiative_id}" selected' not in text(w.c["coord_energy"].get(f"/risks/new?initiative={initiative_id}"))
    # A new agreement from the initiative becomes its agreement.
    data = _app_form(text(coord.get(f"/agreements/new?initiative={initiative_id}")))
    data.update({"title": "Umbrella MOU", "kind": "mou", "tlp": "amber"})
    assert coord.post(f"/agreements/new?initiative={initiative_id}", data=data).status_code == 302
    with app.app_context():
        agreement = db.session.scalar(sa.select(Agreement))
        assert db.session.get(Initiative, initiative_id).agreement_id == agreement.id
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Risk.id))) == 0


def test_task_breadcrumb_names_my_tasks_only_for_the_assignee(app, client_as):
    w = world(app, client_as)
    group_id = make_group(app, w, members=["member_gov"])
    task_id = make_task(app, w, group_id, assignee="member_gov")
    crumbs = lambda html: html[html.index('<ol class="breadcrumb'):html.index("</ol>", html.index('<ol class="breadcrumb'))]  # noqa: E731
    assert "My tasks" in crumbs(text(w.c["member_gov"].get(f"/tasks/{task_id}")))
    other = crumbs(text(w.c["coord_gov"].get(f"/tasks/{task_id}")))
    assert "My tasks" not in other and "Working groups" in other


def test_menu_spells_organisations_like_the_pages(app, client_as):
    w = world(app, client_as)
    page = text(w.c["admin"].get("/"))
    assert "Organisations" in page and "Organizations<" not in page


def test_backup_codes_can_be_copied_downloaded_and_printed(app):
    from urllib.parse import unquote

    from freezegun import freeze_time

    from tests.test_two_factor import START
    from tests.test_two_factor import _client
    from tests.test_two_factor import _enrol
    from tests.test_two_factor import _user

    with freeze_time(START):
        client = _client(app, _user(app))
        _, codes = _enrol(client)
        page = text(client.post("/auth/two-factor/backup-codes"))
    new_codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", page)
    href = re.search(r'download="palisade-backup-codes.txt"\s+href="data:text/plain;charset=utf-8,([^"]+)"', page)
    assert href, "no download link"
    downloaded = unquote(href.group(1))
    assert all(code in downloaded for code in new_codes) and not any(code in downloaded for code in codes)
    assert f'data-copy-text="{"&#10;".join(new_codes)}"' in page or all(c in page.split("data-copy-text")[1][:200]
                                                                         for c in new_codes[:3])
    assert "data-print" in page
    css = text(app.test_client().get("/static/css/responsive.css"))
    assert "@media print" in css and ".backup-codes-actions" in css
