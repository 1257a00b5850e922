"""Attachments on every kind of record: upload, list, download, archive, restore; refused types; limits;
access by organisation, role and TLP label; audit rows. One file over every kind (STYLE §1)."""
import hashlib
import io
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.kinds import with_attachments
from app.models import TLP
from app.models import Attachment
from app.models import AuditEvent
from app.models import Role
from app.models import TaskUpdate
from app.models import User
from tests import attachment_files as files
from tests import factories

# An advisory's files follow its editions and its draft (authors' coordinators, restricted readers): walked by
# tests/test_advisories_files.py; every other kind with files is walked here.
KINDS = [kind.slug for kind in with_attachments() if kind.key != "advisory"]
SPEC = {kind.slug: kind for kind in with_attachments() if kind.key != "advisory"}
# the member is the assignee there (a corrective action: of the responsible organisation): may upload
ASSIGNED_KINDS = {"tasks", "mitigations", "corrective-actions"}


def build(app, client_as, tlp=TLP.AMBER) -> SimpleNamespace:
    """Org A's coordinator creates one record of every kind; A's member is on the group, assigned the
    task and the mitigation; B's member and coordinator belong to another organisation."""
    w = SimpleNamespace(ids={}, user_ids={}, c={})
    with app.app_context():
        org_a = factories.organization(name="Water Authority", short_name="WA")
        org_b = factories.organization(name="Grid Operator", short_name="GO")
        users = {
            "coordinator": factories.user(role=Role.COORDINATOR, organization=org_a, name="Cora Coordinator"),
            "member": factories.user(role=Role.MEMBER, organization=org_a, name="Max Member"),
            "executive": factories.user(role=Role.EXECUTIVE, organization=org_a, name="Eve Executive"),
            "admin": factories.user(role=Role.ADMIN, organization=org_a, name="Ada Admin"),
            "other_org": factories.user(role=Role.MEMBER, organization=org_b, name="Otto Other"),
            "other_coordinator": factories.user(role=Role.COORDINATOR, organization=org_b, name="Olga Other"),
        }
        coord, member = users["coordinator"], users["member"]
        group = factories.working_group(created_by=coord, tlp=tlp, members=[coord, member])
        risk = factories.risk(created_by=coord, tlp=tlp)
        exercise = factories.exercise(created_by=coord, tlp=tlp)
        records = {
            "agreements": factories.agreement(created_by=coord, tlp=tlp, parties=[org_a]),
            "initiatives": factories.initiative(created_by=coord, tlp=tlp),
            "working-groups": group,
            "tasks": factories.task(working_group=group, assignee=member),
            "risks": risk,
            "mitigations": factories.mitigation(risk=risk, assigned_organization=org_a, assigned_user=member),
            "incident-plans": factories.incident_plan(created_by=coord, tlp=tlp),
            "incident-reports": factories.incident_report(created_by=coord, tlp=tlp),
            "exercises": exercise,
            "corrective-actions": factories.corrective_action(exercise=exercise, responsible_organization_id=org_a.id),
        }
        w.ids = {kind: record.id for kind, record in records.items()}
        w.user_ids = {name: u.id for name, u in users.items()}
        w.c = {name: client_as(u) for name, u in users.items()}
        w.c["anonymous"] = app.test_client()
    return w


def upload(client, kind, record_id, *named, **kw):
    """named: (filename, bytes) pairs, sent as the `files` field of one multipart request."""
    data = {"files": [(io.BytesIO(content), name, "application/octet-stream")
                      for name, content in named]}
    return client.post(f"/attachments/{kind}/{record_id}/", data=data, content_type="multipart/form-data", **kw)


def stored(app, kind=None, record_id=None) -> list:
    with app.app_context():
        stmt = sa.select(Attachment).order_by(Attachment.id)
        if kind is not None:
            stmt = stmt.where(Attachment.object_type == SPEC[kind].table, Attachment.object_id == record_id)
        return [SimpleNamespace(id=a.id, filename=a.filename, size=a.size, sha256=a.sha256,
                                content_type=a.content_type, archived=a.archived_at is not None,
                                update_id=a.update_id, uploaded_by_id=a.uploaded_by_id)
                for a in db.session.scalars(stmt)]


def audit_rows(app, action: str) -> list:
    with app.app_context():
        return [(e.actor_id, e.object_type, e.object_id, e.summary) for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def detail_page(client, kind, record_id) -> str:
    spec = SPEC[kind]
    if kind == "mitigations":
        from app.models import Mitigation
        with client.application.app_context():
            risk_id = db.session.get(Mitigation, record_id).risk_id
        url = f"/risks/{risk_id}?files={record_id}"
    else:
        url = {"tasks": "/tasks/{}", "risks": "/risks/{}", "agreements": "/agreements/{}",
               "initiatives": "/initiatives/{}", "working-groups": "/working-groups/{}",
               "incident-plans": "/incident-plans/{}", "incident-reports": "/incidents/{}",
               "exercises": "/exercises/{}", "corrective-actions": "/corrective-actions/{}"}[kind].format(record_id)
    response = client.get(url)
    assert response.status_code == 200, (spec.slug, response.status_code)
    return response.get_data(as_text=True)


def panel(html: str, kind: str, record_id: int) -> str:
    start = html.index(f'id="attachments-{kind}-{record_id}"')
    return html[start:html.index("</section>", start)]


# --- The whole round trip, on every kind ---------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_upload_list_download_archive_restore(app, client_as, kind):
    w = build(app, client_as)
    coord, record_id = w.c["coordinator"], w.ids[kind]
    pdf, png = files.GOOD["report.pdf"][0], files.GOOD["photo.png"][0]

    response = upload(coord, kind, record_id, ("report.pdf", pdf), ("site photo.png", png))
    assert response.status_code == 303
    rows = stored(app, kind, record_id)
    assert [(r.filename, r.content_type, r.size) for r in rows] == [
        ("report.pdf", "application/pdf", len(pdf)), ("site photo.png", "image/png", len(png))]
    assert rows[0].sha256 == hashlib.sha256(pdf).hexdigest()

    # Listed on the record's page: name, size, SHA-256 prefix, uploader, date; an upload form for the coordinator.
    html = panel(detail_page(coord, kind, record_id), kind, record_id)
    assert "report.pdf" in html and "site photo.png" in html
    assert rows[0].sha256[:12] in html and "Cora Coordinator" in html
    assert f"{len(pdf)} Bytes" in html
    if kind == "tasks":  # a task's files come with an update: the page's one place to write
        assert "Add files with an update above." in html and 'class="attachment-upload"' not in html
    else:
        assert 'enctype="multipart/form-data"' in html and "multiple" in html
    # Readers who may not upload see the list without the form.
    reader = panel(detail_page(w.c["executive"], kind, record_id), kind, record_id)
    assert "report.pdf" in reader and "<form" not in reader

    download = coord.get(f"/attachments/{kind}/{record_id}/{rows[0].id}")
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="report.pdf"')

    assert coord.post(f"/attachments/{kind}/{record_id}/{rows[0].id}/archive").status_code == 303
    assert [r.archived for r in stored(app, kind, record_id)] == [True, False]
    html = panel(detail_page(coord, kind, record_id), kind, record_id)
    archived_part = html[html.index("attachments-archived"):]
    assert "report.pdf" in archived_part and "Restore" in archived_part
    assert "report.pdf" not in html[:html.index("attachments-archived")]
    # Archived files stay downloadable for readers of the record (archive, never delete).
    assert coord.get(f"/attachments/{kind}/{record_id}/{rows[0].id}").data == pdf

    assert coord.post(f"/attachments/{kind}/{record_id}/{rows[0].id}/restore").status_code == 303
    assert [r.archived for r in stored(app, kind, record_id)] == [False, False]

    object_type = SPEC[kind].table
    coord_id = w.user_ids["coordinator"]
    assert [(a, t, i) for a, t, i, _ in audit_rows(app, "attachment.uploaded")] == [(coord_id, object_type, record_id)] * 2
    assert [(a, t, i) for a, t, i, _ in audit_rows(app, "attachment.archived")] == [(coord_id, object_type, record_id)]
    assert [(a, t, i) for a, t, i, _ in audit_rows(app, "attachment.restored")] == [(coord_id, object_type, record_id)]
    assert "report.pdf" in audit_rows(app, "attachment.uploaded")[0][3]


@pytest.mark.parametrize("name", sorted(files.GOOD))
def test_every_allowed_type_is_accepted_with_its_sniffed_type(app, client_as, name):
    w = build(app, client_as)
    content, content_type = files.GOOD[name]
    response = upload(w.c["coordinator"], "tasks", w.ids["tasks"], (name, content))
    assert response.status_code == 303, response.get_data(as_text=True)
    [row] = stored(app)
    assert row.content_type == content_type
    got = w.c["member"].get(f"/attachments/tasks/{w.ids['tasks']}/{row.id}")
    assert got.data == content and got.headers["Content-Type"] == content_type


def test_the_assignee_uploads_and_archives_on_their_task_and_mitigation(app, client_as):
    w = build(app, client_as)
    for kind in ("tasks", "mitigations"):
        assert upload(w.c["member"], kind, w.ids[kind], ("notes.txt", b"done\n")).status_code == 303
        [row] = stored(app, kind, w.ids[kind])
        assert row.uploaded_by_id == w.user_ids["member"]
        assert w.c["member"].post(f"/attachments/{kind}/{w.ids[kind]}/{row.id}/archive").status_code == 303


# --- Refused files ------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(files.REFUSED))
def test_file01_refused_files_get_a_clear_message_and_change_nothing(app, client_as, case):
    w = build(app, client_as)
    name, content, words = files.REFUSED[case]
    response = upload(w.c["coordinator"], "tasks", w.ids["tasks"], (name, content))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was uploaded" in page and words in page, page
    assert stored(app) == [] and audit_rows(app, "attachment.uploaded") == []


def test_one_bad_file_refuses_the_whole_upload(app, client_as):
    w = build(app, client_as)
    response = upload(w.c["coordinator"], "risks", w.ids["risks"], ("report.pdf", files.PDF),
                      ("invoice.pdf", files.HTML))
    assert response.status_code == 400 and "invoice.pdf" in response.get_data(as_text=True)
    assert stored(app) == []


def test_an_empty_upload_asks_for_a_file(app, client_as):
    w = build(app, client_as)
    response = w.c["coordinator"].post(f"/attachments/tasks/{w.ids['tasks']}/", data={},
                                       content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose at least one file" in response.get_data(as_text=True)


def test_file01_zip_bombs_are_refused_by_declared_size_and_entry_count(app, client_as):
    w = build(app, client_as)
    app.config["ATTACHMENT_ZIP_MAX_MB"] = 1
    bomb = files.ooxml("docx", extra={"word/media/zeros.bin": b"\x00" * (3 * 1024 * 1024)})
    assert len(bomb) < 50_000  # small on the wire, 3 MB unpacked
    response = upload(w.c["coordinator"], "tasks", w.ids["tasks"], ("minutes.docx", bomb))
    assert response.status_code == 400 and "zip bomb" in response.get_data(as_text=True)

    app.config["ATTACHMENT_ZIP_MAX_ENTRIES"] = 10
    many = files.ooxml("xlsx", extra={f"xl/part{n}.xml": "<x/>" for n in range(20)})
    response = upload(w.c["coordinator"], "tasks", w.ids["tasks"], ("budget.xlsx", many))
    assert response.status_code == 400 and "at most 10 are accepted" in response.get_data(as_text=True)
    assert stored(app) == []


def test_file01_filenames_are_display_data_only(app, client_as):
    w = build(app, client_as)
    long_name = "a" * 300 + ".pdf"
    names = ["../../etc/passwd.txt", "..%2F..%2Fnotes.txt", "invoice\u202etxt.pdf", long_name]
    contents = [b"x\n", b"y\n", files.PDF, files.PDF]
    response = upload(w.c["coordinator"], "tasks", w.ids["tasks"], *zip(names, contents, strict=True))
    assert response.status_code == 303
    stored_names = [r.filename for r in stored(app)]
    assert stored_names[:3] == ["passwd.txt", "%2F..%2Fnotes.txt", "invoicetxt.pdf"]
    assert len(stored_names[3]) == 120 and stored_names[3].endswith(".pdf")


@pytest.mark.parametrize("raw,shown", [
    ("C:\\Users\\me\\report.pdf", "report.pdf"), ("/etc/passwd", "passwd"), ("..", "attachment"),
    (".htaccess.txt", "htaccess.txt"), ("a\x00b\x1b[31m.txt", "ab[31m.txt"), ("\u202egnp.exe.txt", "gnp.exe.txt"),
    ('x<script>"y".txt', "x_script__y_.txt"), ("", "attachment"), (None, "attachment"),
])
def test_file01_safe_filename(raw, shown):
    from app.attachments.services import safe_filename

    assert safe_filename(raw) == shown


# --- Size limits ---------------------------------------------------------------------------------


def test_a_file_over_the_per_file_limit_is_413_with_a_clear_page(app, client_as):
    w = build(app, client_as)
    app.config["MAX_ATTACHMENT_MB"] = 1
    big = files.PDF + b"0" * (1024 * 1024)
    response = upload(w.c["coordinator"], "tasks", w.ids["tasks"], ("big.pdf", big))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "“big.pdf” is larger than 1 MB, the limit per file." in page and "Back to the task" in page
    assert stored(app) == []


def test_a_request_over_the_upload_limit_is_413_and_other_routes_keep_2_mib(app, client_as):
    w = build(app, client_as)
    app.config["ATTACHMENT_REQUEST_MAX_MB"] = 3
    big = files.PDF + b"0" * (2 * 1024 * 1024 + 500_000)  # 2.5 MiB: over MAX_CONTENT_LENGTH, under 3 MB
    assert upload(w.c["coordinator"], "tasks", w.ids["tasks"], ("big.pdf", big)).status_code == 303
    too_big = files.PDF + b"0" * (3 * 1024 * 1024)
    response = upload(w.c["coordinator"], "tasks", w.ids["tasks"], ("huge.pdf", too_big))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Files may be at most 20 MB each, and one upload at most 3 MB in total." in page
    # Any other route keeps the 2 MiB limit, even with a file in the body.
    other = w.c["coordinator"].post(f"/tasks/{w.ids['tasks']}/edit", content_type="multipart/form-data",
                                    data={"title": "x", "files": (io.BytesIO(big), "big.pdf")})
    assert other.status_code == 413 and "Files may be at most" not in other.get_data(as_text=True)
    assert len(stored(app)) == 1


def test_the_total_per_record_counts_archived_files(app, client_as):
    w = build(app, client_as)
    app.config["ATTACHMENT_RECORD_MAX_MB"] = 1
    part = files.PDF + b"0" * 600_000
    assert upload(w.c["coordinator"], "risks", w.ids["risks"], ("one.pdf", part)).status_code == 303
    [row] = stored(app)
    w.c["coordinator"].post(f"/attachments/risks/{w.ids['risks']}/{row.id}/archive")
    response = upload(w.c["coordinator"], "risks", w.ids["risks"], ("two.pdf", part))
    assert response.status_code == 413 and "at most 1 MB of files" in response.get_data(as_text=True)
    assert len(stored(app)) == 1


# --- Downloads: headers and streaming ----------------------------------------------------------


def test_file01_download_headers_never_let_a_browser_render_the_file(app, client_as):
    w = build(app, client_as)
    upload(w.c["coordinator"], "agreements", w.ids["agreements"], ("Résumé “final”.txt", b"plain words\n"))
    [row] = stored(app)
    response = w.c["member"].get(f"/attachments/agreements/{w.ids['agreements']}/{row.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%20%E2%80%9Cfinal%E2%80%9D.txt" in disposition
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._ -]+"; filename\*=\S+', disposition)
    assert response.headers["Content-Length"] == str(row.size)


@pytest.mark.parametrize("name,content", [("x.html", files.HTML), ("x.svg", files.SVG)])
def test_file02_html_and_svg_uploads_are_refused(app, client_as, name, content):
    w = build(app, client_as)
    assert upload(w.c["coordinator"], "tasks", w.ids["tasks"], (name, content)).status_code == 400
    assert stored(app) == []


def test_file02_markup_that_gets_in_as_text_is_never_served_inline(app, client_as):
    """Text whose markup starts past the sniffed head is accepted as text, and served as a download."""
    w = build(app, client_as)
    text = b"line of notes\n" * 400 + b"<html><script>alert(document.domain)</script></html>\n"
    assert upload(w.c["coordinator"], "tasks", w.ids["tasks"], ("notes.txt", text)).status_code == 303
    [row] = stored(app)
    response = w.c["member"].get(f"/attachments/tasks/{w.ids['tasks']}/{row.id}")
    assert response.data == text
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_downloads_are_streamed_in_chunks(app, client_as):
    from app.attachments import services

    w = build(app, client_as)
    app.config["ATTACHMENT_REQUEST_MAX_MB"] = 10
    big = files.PDF + bytes(range(256)) * (3 * 4096)  # a little over 3 MiB
    upload(w.c["coordinator"], "tasks", w.ids["tasks"], ("big.pdf", big))
    [row] = stored(app)
    response = w.c["coordinator"].get(f"/attachments/tasks/{w.ids['tasks']}/{row.id}", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) == 4 and max(len(c) for c in chunks) == services.MB
    assert b"".join(chunks) == big
    response.close()


# --- Access: other organisation, each role, each TLP label --------------------------------------

# Who reads a record of org A under each label (DESIGN.md's TLP table; the coordinator created them).
READERS = {
    TLP.CLEAR: {"coordinator", "member", "executive", "admin", "other_org"},
    TLP.GREEN: {"coordinator", "member", "executive", "admin", "other_org"},
    TLP.AMBER: {"coordinator", "member", "executive", "admin"},
    TLP.AMBER_STRICT: {"coordinator", "member", "executive", "admin"},
    TLP.RED: {"coordinator"},
}


def uploaders(kind: str) -> set[str]:
    """The coordinator; also the members who carry out a task or mitigation or write an incident report."""
    return {"coordinator", "member"} if kind in (*ASSIGNED_KINDS, "incident-reports") else {"coordinator"}


@pytest.mark.parametrize("tlp", list(TLP))
def test_access_matrix_by_role_organisation_and_tlp(app, client_as, tlp):
    w = build(app, client_as, tlp=tlp)
    failures = []
    for kind in KINDS:
        record_id = w.ids[kind]
        assert upload(w.c["coordinator"], kind, record_id, ("base.txt", b"base\n")).status_code == 303
        [base] = stored(app, kind, record_id)
        for role in ("anonymous", "coordinator", "member", "executive", "admin", "other_org"):
            client = w.c[role]
            reads = role in READERS[tlp]
            got = client.get(f"/attachments/{kind}/{record_id}/{base.id}")
            want = 302 if role == "anonymous" else 200 if reads else 404
            if got.status_code != want:
                failures.append(f"{tlp} {kind} download as {role}: {got.status_code} != {want}")
            posted = upload(client, kind, record_id, (f"{role}.txt", b"mine\n"))
            want = 302 if role == "anonymous" else 404 if not reads else 303 if role in uploaders(kind) else 403
            if posted.status_code != want:
                failures.append(f"{tlp} {kind} upload as {role}: {posted.status_code} != {want}")
            for action in ("archive", "restore"):
                got = client.post(f"/attachments/{kind}/{record_id}/{base.id}/{action}")
                want = 302 if role == "anonymous" else 404 if not reads else 303 if role in uploaders(kind) else 403
                if got.status_code != want:
                    failures.append(f"{tlp} {kind} {action} as {role}: {got.status_code} != {want}")
    assert not failures, "\n".join(failures)


def test_an_attachment_id_alone_grants_nothing(app, client_as):
    """A's file through a record the reader may see (B's own, or A's other kinds) is 404."""
    w = build(app, client_as, tlp=TLP.AMBER)
    upload(w.c["coordinator"], "tasks", w.ids["tasks"], ("secret.txt", b"secret\n"))
    [secret] = stored(app)
    with app.app_context():
        b_coordinator = db.session.get(User, w.user_ids["other_coordinator"])
        b_risk = factories.risk(created_by=b_coordinator).id
    other = client_as_user(app, w.user_ids["other_coordinator"])
    assert other.get(f"/risks/{b_risk}").status_code == 200
    assert other.get(f"/attachments/risks/{b_risk}/{secret.id}").status_code == 404
    assert other.post(f"/attachments/risks/{b_risk}/{secret.id}/archive").status_code == 404
    # A reader of both: the file only exists under its own record and kind.
    coord = w.c["coordinator"]
    assert coord.get(f"/attachments/risks/{w.ids['risks']}/{secret.id}").status_code == 404
    assert coord.get(f"/attachments/working-groups/{w.ids['tasks']}/{secret.id}").status_code == 404
    assert coord.get(f"/attachments/unknown/{w.ids['tasks']}/{secret.id}").status_code == 404
    assert [r.archived for r in stored(app)] == [False]


def client_as_user(app, user_id):
    with app.app_context():
        return app.test_client(user=db.session.get(User, user_id))


# --- Audit of downloads by label ------------------------------------------------------------------


@pytest.mark.parametrize("tlp,audited", [(TLP.CLEAR, False), (TLP.GREEN, False), (TLP.AMBER, False),
                                         (TLP.AMBER_STRICT, True), (TLP.RED, True)])
def test_downloads_of_amber_strict_and_red_files_are_audited(app, client_as, tlp, audited):
    w = build(app, client_as, tlp=tlp)
    for kind in KINDS:
        upload(w.c["coordinator"], kind, w.ids[kind], ("evidence.txt", b"evidence\n"))
    for row in stored(app):
        kind = next(k for k in KINDS if SPEC[k].table == row_object_type(app, row.id))
        assert w.c["coordinator"].get(f"/attachments/{kind}/{w.ids[kind]}/{row.id}").status_code == 200
    rows = audit_rows(app, "attachment.downloaded")
    if audited:
        assert len(rows) == len(KINDS)
        assert {actor for actor, *_ in rows} == {w.user_ids["coordinator"]}
        assert all("evidence.txt" in summary and tlp.label in summary for *_, summary in rows)
    else:
        assert rows == []


def row_object_type(app, attachment_id):
    with app.app_context():
        return db.session.get(Attachment, attachment_id).object_type


# --- Files with status updates -------------------------------------------------------------------


def test_a_task_status_update_carries_files_shown_on_the_timeline(app, client_as):
    w = build(app, client_as)
    task_id = w.ids["tasks"]
    response = w.c["member"].post(f"/tasks/{task_id}/status", content_type="multipart/form-data", data={
        "new_status": "in_progress", "note": "Survey report uploaded",
        "files": [(io.BytesIO(files.PDF), "survey.pdf")]})
    assert response.status_code == 302
    [row] = stored(app, "tasks", task_id)
    with app.app_context():
        update = db.session.scalar(sa.select(TaskUpdate).where(TaskUpdate.task_id == task_id))
        assert row.update_id == update.id
    html = w.c["coordinator"].get(f"/tasks/{task_id}").get_data(as_text=True)
    timeline = html[html.index('id="updates"'):]
    assert "Survey report uploaded" in timeline and "survey.pdf" in timeline

    # A refused file refuses the whole update: no status change, no note.
    response = w.c["member"].post(f"/tasks/{task_id}/status", content_type="multipart/form-data", data={
        "new_status": "done", "note": "all done", "files": [(io.BytesIO(files.HTML), "x.pdf")]},
        follow_redirects=True)
    assert "Nothing was saved" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(TaskUpdate.id))) == 1
    assert len(stored(app)) == 1


def test_a_mitigation_status_update_carries_files(app, client_as):
    w = build(app, client_as)
    mitigation_id = w.ids["mitigations"]
    with app.app_context():
        from app.models import Mitigation
        risk_id = db.session.get(Mitigation, mitigation_id).risk_id
    response = w.c["member"].post(
        f"/risks/{risk_id}/mitigations/{mitigation_id}/status", content_type="multipart/form-data",
        data={"new_status": "in_progress", "effectiveness": "40", "note": "Firewall rules deployed",
              "files": [(io.BytesIO(files.GOOD["photo.png"][0]), "rules.png")]})
    assert response.status_code == 302
    [row] = stored(app, "mitigations", mitigation_id)
    with app.app_context():
        event = db.session.get(AuditEvent, row.update_id)
        assert event.action == "mitigation.status_changed" and event.object_id == mitigation_id
    html = detail_page(w.c["coordinator"], "mitigations", mitigation_id)
    assert "rules.png" in panel(html, "mitigations", mitigation_id)


# --- PDFs list files (never embed them) ----------------------------------------------------------


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    assert not any("/FileAttachment" in str(page.get("/Annots", "")) for page in reader.pages)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.mark.parametrize("kind,url", [
    ("agreements", "/agreements/{}.pdf"),
    ("incident-plans", "/incident-plans/{}.pdf"),
    ("initiatives", "/initiatives/{}/status-report.pdf"),
])
def test_record_pdfs_list_current_files(app, client_as, kind, url):
    w = build(app, client_as)
    record_id = w.ids[kind]
    upload(w.c["coordinator"], kind, record_id, ("countersigned-scan.pdf", files.PDF), ("annex-b.png", files.image()))
    rows = stored(app)
    w.c["coordinator"].post(f"/attachments/{kind}/{record_id}/{rows[1].id}/archive")
    response = w.c["member"].get(url.format(record_id))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Attached files (1)" in text and "countersigned-scan.pdf" in text
    assert rows[0].sha256[:12] in text and "Cora Coordinator" in text
    assert "annex-b.png" not in text  # archived files are not listed
    assert files.PDF not in response.data


def test_risk_register_counts_files_per_risk(app, client_as):
    w = build(app, client_as)
    upload(w.c["coordinator"], "risks", w.ids["risks"], ("a.txt", b"a\n"), ("b.txt", b"b\n"))
    response = w.c["member"].get("/risks/register.pdf")
    assert response.status_code == 200
    assert "2 attached files" in pdf_text(response.data)


# --- Demo data -----------------------------------------------------------------------------------


def test_seed_demo_attaches_real_files_once(demo_world):
    app, runner = demo_world.app, demo_world.app.test_cli_runner()
    assert demo_world.seeded.exit_code == 0, demo_world.seeded.output  # the run's seed-demo (tests/demo_world.py)
    rows = stored(app)
    assert {r.object_type for r in stored_objects(app)} >= {"agreements", "incident_plans", "tasks", "mitigations",
                                                          "risks"}
    by_name = {r.filename: r for r in rows}
    assert by_name["network-diagram.png"].content_type == "image/png"
    [scan] = [r for r in rows if r.filename.endswith("-countersigned.pdf")]
    assert scan.content_type == "application/pdf" and scan.size > 500
    assert len(audit_rows(app, "attachment.uploaded")) == len(rows)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert len(stored(app)) == len(rows)


def stored_objects(app):
    with app.app_context():
        return [SimpleNamespace(object_type=t) for t in db.session.scalars(sa.select(Attachment.object_type))]
