"""Files and the archive through the API, as the pages handle them: the same bytes and download headers, the
same limits and refusals (413, 415, 422, never a 500, nothing stored), the same permissions (a released
advisory takes no files, a read-only token writes nothing), archiving twice changes nothing, and every change
audited with the token's name."""
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import Attachment
from app.models import AuditEvent
from app.models import MemberRole
from app.models import Role
from app.models import Task
from app.models import User
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for
from tests.attachment_files import PDF
from tests.conftest import drop_shared_app
from tests.conftest import shared_app


@pytest.fixture(scope="module")
def world():
    app = shared_app()
    with app.app_context():
        owner = factories.organization(name="Owner utility")
        partner = factories.organization(name="Partner grid")
        coordinator = factories.user(role=Role.COORDINATOR, organization=owner, name="Coordinator")
        member = factories.user(role=Role.MEMBER, organization=partner, name="Partner member")
        outsider = factories.user(role=Role.COORDINATOR, organization=factories.organization(name="Other"))
        group = factories.working_group(created_by=coordinator, owner_organization=owner, tlp=TLP.AMBER,
                                        members=[(member, MemberRole.MEMBER)])
        task = factories.task(working_group=group, assignee_id=member.id, created_by_id=coordinator.id)
        risk = factories.risk(created_by=coordinator, owner_organization=owner, tlp=TLP.AMBER)
        other_risk = factories.risk(created_by=coordinator, owner_organization=owner, tlp=TLP.AMBER)
        mitigation = factories.mitigation(risk=risk, assigned_organization=owner)
        released = factories.advisory(created_by=coordinator, owner_organization=owner, tlp=TLP.AMBER,
                                      recipients=[partner], status="released")
        ids = {"task": task.id, "group": group.id, "risk": risk.id, "other_risk": other_risk.id,
               "mitigation": mitigation.id, "advisory": released.id, "coordinator": coordinator.id}
        secrets = {"coordinator": token_for(coordinator, name="Evidence sync"),
                   "read": token_for(coordinator, write=False, name="Reader"),
                   "member": token_for(member), "outsider": token_for(outsider)}
    yield app, ids, secrets
    drop_shared_app(app)


def _upload(client, url, secret, *files, **kw):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(url, data=data, content_type="multipart/form-data", headers=bearer(secret), **kw)


def _count(app, task_id) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Attachment.id)).where(
            Attachment.object_type == "tasks", Attachment.object_id == task_id))


def test_a_file_uploaded_through_the_api_downloads_as_the_same_bytes_and_headers_as_the_page(world):
    app, ids, secrets = world
    client, url = app.test_client(), f"/api/v1/tasks/{ids['task']}/attachments/"
    response = _upload(client, url, secrets["member"], ("evidence report.pdf", PDF), ("notes.txt", b"Checked."))
    assert response.status_code == 201, response.json
    uploaded = response.json["items"]
    assert [(f["filename"], f["content_type"], f["size"]) for f in uploaded] == [
        ("evidence report.pdf", "application/pdf", len(PDF)), ("notes.txt", "text/plain; charset=utf-8", 8)]
    assert response.headers["Location"] == f"{url}{uploaded[0]['id']}"
    listed = client.get(url, headers=bearer(secrets["coordinator"])).json
    assert [f["id"] for f in listed["items"]][-2:] == [f["id"] for f in uploaded] and listed["next"] is None
    one = client.get(f"{url}{uploaded[0]['id']}", headers=bearer(secrets["read"])).json
    assert one == uploaded[0]
    api = client.get(one["content"], headers=bearer(secrets["read"]))
    with app.app_context():
        page = app.test_client(user=db.session.get(User, ids["coordinator"])).get(
            f"/attachments/tasks/{ids['task']}/{one['id']}")
    assert api.status_code == page.status_code == 200
    assert api.data == page.data == PDF
    for header in ("Content-Type", "Content-Disposition", "Content-Length", "X-Content-Type-Options",
                   "Content-Security-Policy", "Cache-Control"):
        assert api.headers[header] == page.headers[header], header
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "attachment.uploaded")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.object_id == ids["task"] and "“test”" in event.via
    # Past the 2 MiB of any other request, up to the pages' upload allowance.
    large = _upload(client, url, secrets["member"], ("large log.txt", b"line\n" * (3 * 1024 * 1024 // 5)))
    assert large.status_code == 201 and large.json["items"][0]["size"] > 3_000_000, large.json
    # Another task's files are not reached through this one, nor a file id through another record.
    assert client.get(f"/api/v1/tasks/{ids['task'] + 999}/attachments/{one['id']}",
                      headers=bearer(secrets["coordinator"])).status_code == 404
    assert client.get(f"/api/v1/tasks/{ids['task']}/attachments/{one['id']}", headers=bearer(secrets["outsider"])
                      ).status_code == 404


def test_refused_uploads_are_problems_and_store_nothing(world):
    app, ids, secrets = world
    client, url, secret = app.test_client(), f"/api/v1/tasks/{ids['task']}/attachments/", secrets["member"]
    before = _count(app, ids["task"])
    refused = _upload(client, url, secret, ("tool.exe", b"MZ\x90\x00" + b"\x00" * 200))
    assert refused.status_code == 415 and refused.json["errors"][0]["field"] == "files", refused.json
    mixed = _upload(client, url, secret, ("fine.txt", b"fine"), ("invoice.pdf", b"not a pdf at all"))
    assert mixed.status_code == 415  # all or nothing: the good file is not kept either
    as_json = client.post(url, json={"files": ["a"]}, headers=bearer(secret))
    assert as_json.status_code == 415 and as_json.mimetype == "application/problem+json"
    empty = client.post(url, data={"note": "no file"}, content_type="multipart/form-data", headers=bearer(secret))
    assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "files"
    nameless = _upload(client, url, secret, ("", b"bytes without a name"))
    assert nameless.status_code == 422
    app.config["MAX_ATTACHMENT_MB"] = 1
    try:
        big = _upload(client, url, secret, ("big.txt", b"a" * (1024 * 1024 + 1)))
    finally:
        app.config["MAX_ATTACHMENT_MB"] = 20
    assert big.status_code == 413 and "1 MB" in big.json["detail"]
    app.config["ATTACHMENT_REQUEST_MAX_MB"] = 1
    try:
        request_too_big = _upload(client, url, secret, ("a.txt", b"a" * 700_000), ("b.txt", b"b" * 700_000))
    finally:
        app.config["ATTACHMENT_REQUEST_MAX_MB"] = 81
    assert request_too_big.status_code == 413 and request_too_big.mimetype == "application/problem+json"
    assert _upload(client, url, secrets["read"], ("ok.txt", b"ok")).status_code == 403
    assert _upload(client, url, secrets["outsider"], ("ok.txt", b"ok")).status_code == 404
    assert _upload(client, url, "not-a-token", ("ok.txt", b"ok")).status_code == 401
    assert _count(app, ids["task"]) == before


def test_a_mitigation_takes_files_under_its_own_risk_only(world):
    app, ids, secrets = world
    client = app.test_client()
    good = f"/api/v1/risks/{ids['risk']}/mitigations/{ids['mitigation']}/attachments/"
    assert _upload(client, good, secrets["coordinator"], ("plan.txt", b"plan")).status_code == 201
    wrong = f"/api/v1/risks/{ids['other_risk']}/mitigations/{ids['mitigation']}/attachments/"
    assert client.get(wrong, headers=bearer(secrets["coordinator"])).status_code == 404
    assert _upload(client, wrong, secrets["coordinator"], ("plan.txt", b"plan")).status_code == 404


def test_a_released_advisory_takes_no_files(world):
    app, ids, secrets = world
    client = app.test_client()
    url = f"/api/v1/advisories/{ids['advisory']}/attachments/"
    assert _upload(client, url, secrets["coordinator"], ("late.txt", b"late")).status_code == 403
    assert client.get(url, headers=bearer(secrets["member"])).status_code == 200  # a recipient reads the files


def test_archiving_a_file_or_a_record_twice_changes_nothing_the_second_time(world):
    app, ids, secrets = world
    client, secret = app.test_client(), secrets["coordinator"]
    files = f"/api/v1/tasks/{ids['task']}/attachments/"
    file_id = _upload(client, files, secret, ("old.txt", b"old")).json["items"][0]["id"]
    first = client.post(f"{files}{file_id}/archive", headers=bearer(secret))
    second = client.post(f"{files}{file_id}/archive", headers=bearer(secret))
    assert first.status_code == second.status_code == 200
    assert first.json["changed"] is True and second.json["changed"] is False and second.json["archived_at"]
    assert client.post(f"{files}{file_id}/restore", headers=bearer(secrets["read"])).status_code == 403
    assert client.post(f"{files}{file_id}/restore", headers=bearer(secret)).json["archived_at"] is None
    # The record itself: no body and no Content-Type at all, as the page's button sends nothing either.
    task = f"/api/v1/tasks/{ids['task']}"
    archived = client.post(f"{task}/archive", headers=bearer(secret))
    again = client.post(f"{task}/archive", headers=bearer(secret), json={})
    assert (archived.status_code, archived.json["changed"], again.json["changed"]) == (200, True, False)
    assert again.json["version"] == archived.json["version"]
    assert client.post(f"{task}/restore", headers=bearer(secret), data="archive please",
                       content_type="text/plain").status_code == 415
    assert client.post(f"{task}/restore", headers=bearer(secret), data="{not json",
                       content_type="application/json").status_code == 400
    assert client.post(f"{task}/restore", headers=bearer(secret)).json["changed"] is True
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "tasks", AuditEvent.object_id == ids["task"],
            AuditEvent.action.in_(["task.archived", "task.restored", "attachment.archived"]))).all()
        assert sorted(actions) == ["attachment.archived", "task.archived", "task.restored"]
        assert db.session.get(Task, ids["task"]).archived_at is None
