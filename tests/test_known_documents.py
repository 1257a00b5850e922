"""Documents known unchanged are served from the render cache without being built again; once anything they show
changes (a record, its label, who may read it), the next download is built anew."""
import io
from contextlib import contextmanager

import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import TLP
from app.models import Notification
from app.models import NotificationKind
from app.models import ReportSnapshot
from app.models import Risk
from app.models import Role
from app.models import User
from app.transactions import content_generation
from app.transactions import writes_content
from tests import factories as f


def text_of(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@contextmanager
def statements_run(app):
    """The SQL statements the app's database runs inside the block."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def _world(app):
    with app.app_context():
        owner_org, partner_org = f.organization(name="Grid North"), f.organization(name="Water South")
        owner = f.user(role=Role.COORDINATOR, organization=owner_org)
        partner = f.user(role=Role.COORDINATOR, organization=partner_org)
        risk = f.risk(created_by=owner, tlp=TLP.GREEN, title="Substation flood exposure")
        db.session.commit()
        owner.get_id(), partner.get_id()  # loaded before the context closes
        return {"owner": owner, "partner": partner, "risk_id": risk.id}


def _reads_risks(statements: list[str]) -> bool:
    return any("FROM risks" in statement for statement in statements)


def test_an_unchanged_document_is_served_without_being_built_again(app, client_as):
    world = _world(app)
    client = client_as(world["owner"])
    first = client.get("/risks/register.pdf")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    with statements_run(app) as statements:
        again = client.get("/risks/register.pdf")
    assert again.status_code == 200 and again.data == first.data
    assert again.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    assert not _reads_risks(statements), "a known document is not built again"
    assert len(statements) <= 8, statements


def test_a_change_to_a_record_is_in_the_next_download(app, client_as):
    world = _world(app)
    client = client_as(world["owner"])
    assert "Substation flood exposure" in text_of(client.get("/risks/register.pdf").data)
    with statements_run(app) as statements:
        client.get("/risks/register.pdf")
    assert not _reads_risks(statements), "known now"
    with app.app_context():
        db.session.get(Risk, world["risk_id"]).title = "Substation storm surge exposure"
        db.session.commit()
    assert "Substation storm surge exposure" in text_of(client.get("/risks/register.pdf").data)
    # A statement that changes rows without loading them counts as much as a changed object does.
    with app.app_context():
        db.session.execute(sa.update(Risk).where(Risk.id == world["risk_id"]).values(title="Pumping station outage"))
        db.session.commit()
    assert "Pumping station outage" in text_of(client.get("/risks/register.pdf").data)


def test_a_record_no_longer_shared_leaves_the_next_download(app, client_as):
    world = _world(app)
    client = client_as(world["partner"])
    assert "Substation flood exposure" in text_of(client.get("/risks/register.pdf").data)  # TLP:GREEN: shared
    with statements_run(app) as statements:
        client.get("/risks/register.pdf")
    assert not _reads_risks(statements)
    with app.app_context():
        db.session.get(Risk, world["risk_id"]).tlp = TLP.AMBER  # the owner's organisation only
        db.session.commit()
    assert "Substation flood exposure" not in text_of(client.get("/risks/register.pdf").data)


def test_a_changed_scope_is_never_served_what_the_old_one_saw(app, client_as):
    world = _world(app)
    with app.app_context():
        f.risk(created_by=db.session.merge(world["partner"]), tlp=TLP.AMBER_STRICT, title="Control room access list")
    client = client_as(world["owner"])
    assert "Control room access list" not in text_of(client.get("/risks/register.pdf").data)
    with app.app_context():
        owner = db.session.get(User, world["owner"].id)
        owner.role = Role.ADMIN  # reads every record, whatever its label
        db.session.commit()
    assert "Control room access list" in text_of(client.get("/risks/register.pdf").data)


def test_only_tables_no_document_shows_leave_the_generation_alone(app):
    world = _world(app)
    with app.app_context():
        before = content_generation()
        assert before is not None
        db.session.add(Notification(user_id=world["owner"].id, kind=NotificationKind.ASSIGNMENT,
                                    object_type="tasks", summary="A task for you"))
        db.session.commit()
        assert content_generation() == before, "a notification is in no document"
        db.session.get(Risk, world["risk_id"]).title = "Renamed"
        db.session.rollback()
        assert content_generation() == before, "a change rolled back is no change"
        db.session.get(Risk, world["risk_id"]).title = "Renamed"
        db.session.commit()
        assert content_generation() != before
    assert writes_content('UPDATE "risks" SET title=?') and writes_content("DELETE FROM agreement_parties")
    assert not writes_content("INSERT INTO render_jobs (id) VALUES (?)") and not writes_content("SAVEPOINT sa_1")
    assert writes_content("WITH moved AS (SELECT 1) UPDATE tasks SET status = 'done'"), "unknown: counted"


def test_the_executive_report_read_again_is_the_same_report(app, client_as):
    world = _world(app)
    client = client_as(world["owner"])
    first = client.get("/reports/executive.pdf")
    assert first.status_code == 200
    client.get("/reports/executive.pdf")  # compares with the first: same day, same figures
    with statements_run(app) as statements:
        third = client.get("/reports/executive.pdf")
    assert third.status_code == 200 and not _reads_risks(statements)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == 1, \
            "a report read again is not a new point of the trend"
        f.risk(created_by=db.session.merge(world["owner"]), tlp=TLP.GREEN, title="Telemetry link loss")
    fourth = text_of(client.get("/reports/executive.pdf").data)
    assert "2 open risks ▲ +1" in fourth
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == 2


def test_a_sign_in_is_no_change_to_any_document_but_a_renamed_person_is(app):
    """Signing in writes the account's bookkeeping (last sign-in, session token), which no document shows: the
    documents known unchanged stay known. A person's name, which documents show, is a change."""
    world = _world(app)
    with app.app_context():
        email = db.session.get(User, world["partner"].id).email
        before = content_generation()
    with statements_run(app) as seen:
        answer = app.test_client().post("/auth/login", data={"email": email, "password": f.PASSWORD})
    assert answer.status_code == 302 and "/auth/login" not in answer.headers["Location"]
    assert any(statement.lstrip().upper().startswith("UPDATE USERS") for statement in seen), "the sign-in wrote"
    with app.app_context():
        assert content_generation() == before
        db.session.get(User, world["partner"].id).name = "Renamed Person"
        db.session.commit()
        assert content_generation() != before
    assert not writes_content('UPDATE users SET last_login_at=?, updated_at=?, version=? WHERE users.id = ?')
    assert writes_content('UPDATE users SET last_login_at=?, name=?, version=? WHERE users.id = ?')
    assert writes_content('UPDATE users SET "role"=%(role)s::VARCHAR WHERE users.id = %(users_id)s::INTEGER')
    assert writes_content("UPDATE users SET active=0"), "unparsed: counted"
