"""Everyday friction: a new user's organisation is chosen, not preselected; the sign-in form after a new
password; the backup codes left; "password changed" and "new sign-in" mails through the outbox; one reminder
mail a person a run; a draft's next step; the lock version kept out of readers' sight."""
import io
import re
from datetime import date
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import TLP
from app.models import AgreementStatus
from app.models import EmailChannel
from app.models import Notification
from app.models import NotificationKind
from app.models import NotificationPreference
from app.models import OutboxEmail
from app.models import Role
from app.models import User
from app.notifications import reminders
from tests import factories
from tests.everyday_helpers import form_data

NEW_PASSWORD = "a brand new passphrase for the field"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148 Safari/604.1"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _mails(app, to: str) -> list[OutboxEmail]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == to)
                                  .order_by(OutboxEmail.id)).all()
        db.session.expunge_all()
        return rows


def _sign_in(app, email, password=factories.PASSWORD, agent=LAPTOP, address="192.0.2.10"):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": password},
                           headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


# --- Creating a user ----------------------------------------------------------------------------


def test_new_user_form_preselects_no_organisation_and_says_to_choose_one(app, client_as):
    with app.app_context():
        org = factories.organization(name="Aardvark Alpha Agency")  # first in any alphabetical list
        factories.organization(name="Riverbend Water")
        admin = factories.user(role=Role.ADMIN, organization=org)
        client, org_id = client_as(admin), org.id
    page = client.get("/users/new").get_data(as_text=True)
    select = page.split('name="organization_id"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select)
    assert options[0][1] == "Choose an organisation…" and 'value=""' in options[0][0]
    assert [label for attrs, label in options if "selected" in attrs] in ([], ["Choose an organisation…"])
    data = {"email": "nobody.yet@example.org", "name": "Nia New", "organization_id": "", "role": "member",
            "active": "y"}
    response = client.post("/users/new", data=data)
    assert response.status_code == 200
    assert "Choose the user&#39;s organisation." in response.get_data(as_text=True) or \
        "Choose the user's organisation." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "nobody.yet@example.org")) is None
    data["organization_id"] = str(org_id)
    assert client.post("/users/new", data=data).status_code == 302


# --- Passwords and sign-in ------------------------------------------------------------------------


def _reset_link(app, email) -> str:
    client = app.test_client()
    assert client.post("/auth/forgot-password", data={"email": email}).status_code == 302
    body = _mails(app, email)[-1].body
    return re.search(r"https?://[^/\s]+(/auth/set-password\S*)", body).group(1)


def test_after_choosing_a_password_the_sign_in_form_has_the_email_filled_in(app):
    with app.app_context():
        email = factories.user(email="field.worker@example.org").email
    link = _reset_link(app, email)
    client = app.test_client()
    client.get(link)
    saved = client.post("/auth/set-password", data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/auth/login")
    page = client.get("/auth/login").get_data(as_text=True)
    assert form_data(page)["email"] == email
    assert re.search(r'<input[^>]*autofocus[^>]*name="password"|<input[^>]*name="password"[^>]*autofocus', page)
    assert form_data(client.get("/auth/login").get_data(as_text=True))["email"] == "", "filled in once only"


def test_signing_in_with_a_backup_code_says_how_many_remain(app):
    import pyotp

    with app.app_context():
        user = factories.user(email="tfa.person@example.org")
        enrolled = app.test_client(user=user)
    page = enrolled.get("/auth/two-factor/setup").get_data(as_text=True)
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    answer = enrolled.post("/auth/two-factor/setup", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", answer.get_data(as_text=True))
    assert len(codes) == 10
    for used, code in enumerate(codes[:8], start=1):
        client = app.test_client()
        client.post("/auth/login", data={"email": "tfa.person@example.org", "password": factories.PASSWORD})
        response = client.post("/auth/two-factor", data={"code": code}, follow_redirects=True)
        text = " ".join(response.get_data(as_text=True).split())
        left = 10 - used
        assert f"You signed in with a backup code: you have {left} backup code{'s' if left != 1 else ''} left" \
            in text, text[:3000]
        assert ("Make new ones on your account page now" in text) == (left <= 3)
    client = app.test_client()
    client.post("/auth/login", data={"email": "tfa.person@example.org", "password": factories.PASSWORD})
    totp = client.post("/auth/two-factor", data={"code": pyotp.TOTP(secret).now()}, follow_redirects=True)
    assert totp.status_code == 200 and "You signed in with a backup code" not in totp.get_data(as_text=True)


def test_password_changes_are_mailed_to_the_holder_but_not_a_first_password(app, client_as):
    with app.app_context():
        org = factories.organization()
        admin = factories.user(role=Role.ADMIN, organization=org)
        person = factories.user(email="holder@example.org", organization=org, name="Holly Holder")
        admin_client, person_client = client_as(admin), client_as(person)
        person_id, org_id = person.id, org.id
    # The holder's own change on the account page.
    response = person_client.post("/auth/account/password", data={
        "current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    [mail] = _mails(app, "holder@example.org")
    assert mail.subject == "Your Palisade password was changed"
    assert "Every session of the account was signed out" in mail.body and "/auth/forgot-password" in mail.body
    assert NEW_PASSWORD not in mail.body
    # An administrator's reset.
    with admin_client.session_transaction() as session:
        session["fresh_at"] = 10 ** 10
    response = admin_client.post(f"/users/{person_id}/password", data={"password": "another long passphrase 42"})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    mails = _mails(app, "holder@example.org")
    assert len(mails) == 2 and "An administrator set a new password" in mails[-1].body
    # A reset link.
    link = _reset_link(app, "holder@example.org")
    client = app.test_client()
    client.get(link)
    client.post("/auth/set-password", data={"new_password": "third long passphrase here", "confirm":
                                            "third long passphrase here"})
    assert [m.subject for m in _mails(app, "holder@example.org")][-1] == "Your Palisade password was changed"
    # An invitation accepted sets the first password: no "changed" mail.
    admin_client.post("/users/new", data={"email": "invitee@example.org", "name": "Ivo Invitee",
                                          "organization_id": str(org_id), "role": "member", "active": "y"})
    body = _mails(app, "invitee@example.org")[-1].body
    link = re.search(r"https?://[^/\s]+(/auth/set-password\S*)", body).group(1)
    client = app.test_client()
    client.get(link)
    assert client.post("/auth/set-password", data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                       ).status_code == 302
    assert [m.subject for m in _mails(app, "invitee@example.org")] == ["Your Palisade account: choose a password"]


def test_a_sign_in_from_a_new_browser_or_address_is_mailed_once(app):
    with app.app_context():
        factories.user(email="signer@example.org", name="Sam Signer")
    _sign_in(app, "signer@example.org")
    assert _mails(app, "signer@example.org") == [], "the account's first sign-in is no news"
    _sign_in(app, "signer@example.org")
    assert _mails(app, "signer@example.org") == [], "same browser, same address"
    _sign_in(app, "signer@example.org", agent=PHONE)
    [mail] = _mails(app, "signer@example.org")
    assert mail.subject == "New sign-in to your Palisade account"
    assert "192.0.2.10" in mail.body and "iPhone" in mail.body and "/auth/account" in mail.body
    _sign_in(app, "signer@example.org", agent=PHONE)
    assert len(_mails(app, "signer@example.org")) == 1, "that phone is known now"
    _sign_in(app, "signer@example.org", address="198.51.100.7")
    mails = _mails(app, "signer@example.org")
    assert len(mails) == 2 and "198.51.100.7" in mails[-1].body
    client = app.test_client()  # a failed attempt is not a sign-in
    client.post("/auth/login", data={"email": "signer@example.org", "password": "wrong password here"},
                headers={"User-Agent": "curl/8"}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert len(_mails(app, "signer@example.org")) == 2


# --- Reminders: one mail a person a run --------------------------------------------------------------

TODAY = date(2027, 3, 1)


def _six_reminders():
    org = factories.organization()
    coordinator = factories.user(role=Role.COORDINATOR, organization=org, email="chair@example.org")
    member = factories.user(role=Role.MEMBER, organization=org, email="busy.member@example.org")
    amber = factories.working_group(created_by=coordinator, members=[coordinator, member], tlp=TLP.AMBER)
    green = factories.working_group(created_by=coordinator, members=[coordinator, member], tlp=TLP.GREEN)
    for n, group in enumerate([amber, amber, amber, green, green]):
        factories.task(working_group=group, assignee=member, title=f"Secret pump work {n}" if group is amber
                       else f"Community drill {n}", due_date=TODAY + timedelta(days=n % 3 - 1))
    risk = factories.risk(created_by=coordinator, tlp=TLP.AMBER)
    factories.mitigation(risk=risk, assigned_user=member, title="Hidden valve fix", due_date=TODAY)
    return member


def test_a_persons_reminders_of_one_run_arrive_as_one_tlp_safe_mail(app):
    with app.app_context():
        member = _six_reminders()
        member_id = member.id
        assert reminders.run(TODAY) == 6
        notes = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == member_id, Notification.kind == NotificationKind.REMINDER))
        assert notes == 6, "one in-app notification per item"
    [mail] = _mails(app, "busy.member@example.org")
    assert mail.subject == "[Palisade] 6 reminders for 2027-03-01"
    assert mail.body.count("Open it: ") == 6 and mail.body.count("/tasks/") == 5
    assert mail.html.count("<strong>Reminder</strong>") == 6
    for text in (mail.body, mail.html):
        assert "Secret pump work" not in text and "Hidden valve fix" not in text, "AMBER titles never leave"
        assert "Community drill" in text, "GREEN titles may be named"
        assert "TLP:AMBER" in text
    with app.app_context():
        assert reminders.run(TODAY) == 0
    assert len(_mails(app, "busy.member@example.org")) == 1, "a second run sends nothing"


def test_a_single_reminder_keeps_its_own_mail_and_a_digest_preference_gathers_them(app):
    with app.app_context():
        member = _six_reminders()
        db.session.add(NotificationPreference(user_id=member.id, kind=NotificationKind.REMINDER,
                                              email=EmailChannel.DAILY_DIGEST))
        db.session.commit()
        assert reminders.run(TODAY) == 6
    assert _mails(app, "busy.member@example.org") == [], "the daily digest gathers them instead"
    with app.app_context():
        org = factories.organization()
        lone = factories.user(role=Role.MEMBER, organization=org, email="lone@example.org")
        group = factories.working_group(created_by=lone, members=[lone], tlp=TLP.GREEN)
        factories.task(working_group=group, assignee=lone, title="Only one", due_date=TODAY)
        assert reminders.run(TODAY) == 1
    [mail] = _mails(app, "lone@example.org")
    assert mail.subject.startswith("[Palisade] Reminder") and "Only one" in mail.body


# --- Pages ------------------------------------------------------------------------------------------


def test_a_drafts_next_step_is_submit_for_review_before_cancel(app, client_as):
    with app.app_context():
        org, partner = factories.organization(), factories.organization()
        author = factories.user(role=Role.COORDINATOR, organization=org)
        factories.user(role=Role.COORDINATOR, organization=partner, name="Rita Reviewer")
        agreement = factories.agreement(created_by=author, tlp=TLP.GREEN, status=AgreementStatus.DRAFT,
                                        parties=[org, partner])
        client, agreement_id = client_as(author), agreement.id
    page = client.get(f"/agreements/{agreement_id}").get_data(as_text=True)
    card = page.split('id="lifecycle-heading"', 1)[1].split("</section>", 1)[0]
    assert "Next step: submit for review" in card
    submit, cancel = card.find(">Submit for review</button>"), card.find("Cancel")
    assert 0 <= submit < cancel, "submitting comes first, cancelling last"
    assert 'class="btn btn-sm btn-primary" name="new_status" value="in_review"' in card
    assert "Rita Reviewer" in card, "reviewers are chosen right there"
    assert page.count(">Submit for review</button>") == 1, "one place to submit"
    response = client.post(f"/agreements/{agreement_id}/status", data={"new_status": "in_review"})
    assert response.status_code == 302
    page = client.get(f"/agreements/{agreement_id}").get_data(as_text=True)
    assert "Submitted for review by" in page and "Next step: submit for review" not in page


@pytest.mark.parametrize("kind", ["task", "risk", "working_group", "initiative", "agreement"])
def test_readers_do_not_see_the_internal_version_number(app, client_as, kind):
    with app.app_context():
        org = factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        group = factories.working_group(created_by=coordinator, members=[coordinator], tlp=TLP.GREEN)
        records = {"task": factories.task(working_group=group, assignee=coordinator),
                   "risk": factories.risk(created_by=coordinator, tlp=TLP.GREEN),
                   "working_group": group,
                   "initiative": factories.initiative(created_by=coordinator, tlp=TLP.GREEN),
                   "agreement": factories.agreement(created_by=coordinator, tlp=TLP.GREEN, parties=[org])}
        record = records[kind]
        for _ in range(3):  # the lock version moves on with every save
            record.updated_at = record.updated_at + timedelta(seconds=1) if record.updated_at else None
            db.session.commit()
        version = record.version
        from app import audit

        audit.record(coordinator, "record.updated", record, summary="title: Before → After")
        db.session.commit()
        paths = {"task": f"/tasks/{record.id}", "risk": f"/risks/{record.id}",
                 "working_group": f"/working-groups/{record.id}", "initiative": f"/initiatives/{record.id}",
                 "agreement": f"/agreements/{record.id}"}
        client = client_as(coordinator)
    page = client.get(paths[kind]).get_data(as_text=True)
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|form)\b.*?</\1>", " ", page, flags=re.S))
    assert not re.search(rf"\bversion\s*:?\s*{version}\b", visible, re.I), kind
    history = re.sub(r"<[^>]+>", " ", client.get(paths[kind] + "/history").get_data(as_text=True))
    assert "Before → After" in history, kind
    assert not re.search(r"\bVersion\s+\d+\b", history), kind
    edit = client.get(paths[kind] + "/edit").get_data(as_text=True)
    assert form_data(edit, lambda f: f["method"].lower() == "post" and "version" in dict(f["fields"])
                     )["version"] == str(version), "kept where it serves: the edit form's conflict check"


# --- The task page: one place to write an update ---------------------------------------------------


def _writing_forms(html: str) -> list[dict]:
    """The page's forms a person writes in (a text area or a file field), with what they hold."""
    from tests.everyday_helpers import forms

    found = []
    for form in forms(html):
        names = {name for name, _value in form["fields"]}
        block = html.split(f'action="{form["action"]}"', 1)[1].split("</form>", 1)[0] if form["action"] else ""
        if "<textarea" in block or 'type="file"' in block:
            found.append({"action": form["action"], "names": names, "multipart": "multipart" in block[:300]
                          or "multipart" in html.split(f'action="{form["action"]}"', 1)[0][-300:],
                          "file": 'type="file"' in block, "status": 'name="new_status"' in block})
    return found


def test_the_task_page_has_one_place_to_write_an_update_with_status_note_and_files(app, client_as):
    from app.models import Attachment
    from app.models import Comment
    from app.models import Task
    from app.models import TaskStatus
    from app.models import TaskUpdate
    from tests.attachment_files import PDF

    with app.app_context():
        org = factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        assignee = factories.user(role=Role.MEMBER, organization=org, name="Ana Assignee")
        colleague = factories.user(role=Role.MEMBER, organization=org, name="Cole Colleague")
        group = factories.working_group(created_by=coordinator, tlp=TLP.AMBER,
                                        members=[coordinator, assignee, colleague])
        task = factories.task(working_group=group, assignee=assignee, title="Patch the pumps")
        task_id, clients = task.id, {"assignee": client_as(assignee), "coordinator": client_as(coordinator),
                                     "colleague": client_as(colleague)}
    for who in ("assignee", "coordinator"):
        page = clients[who].get(f"/tasks/{task_id}").get_data(as_text=True)
        writing = _writing_forms(page)
        assert [f["action"] for f in writing] == [f"/tasks/{task_id}/status"], (who, writing)
        assert "note" in writing[0]["names"] and writing[0]["status"] and writing[0]["file"] and writing[0]["multipart"]
        assert "Post an update" in page and "write yours as an update above" in page
    # Someone who may comment but not update the task keeps the comment form: one place for them too.
    page = clients["colleague"].get(f"/tasks/{task_id}").get_data(as_text=True)
    assert [f["action"] for f in _writing_forms(page)] == [f"/comments/tasks/{task_id}"], _writing_forms(page)
    # One post: a status change, a note and a file, all in one update.
    response = clients["assignee"].post(f"/tasks/{task_id}/status", content_type="multipart/form-data", data={
        "new_status": "in_progress", "note": "Two of five pumps done.", "version": "1",
        "files": [(io.BytesIO(PDF), "pumps.pdf")]})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task_id}#updates")
    with app.app_context():
        (update,) = db.session.scalars(sa.select(TaskUpdate).where(TaskUpdate.task_id == task_id)).all()
        assert (update.to_status, update.note) == (TaskStatus.IN_PROGRESS, "Two of five pumps done.")
        (file,) = db.session.scalars(sa.select(Attachment).where(Attachment.object_id == task_id)).all()
        assert file.update_id == update.id and file.filename == "pumps.pdf"
        assert db.session.get(Task, task_id).status is TaskStatus.IN_PROGRESS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
    page = clients["coordinator"].get(f"/tasks/{task_id}").get_data(as_text=True)
    updates = page.split('id="updates"', 1)[1].split("</section>", 1)[0]
    assert "Two of five pumps done." in updates and "pumps.pdf" in updates


def test_sign_ins_recorded_before_browsers_were_kept_vouch_for_their_address(app):
    from app import audit

    with app.app_context():
        user = factories.user(email="veteran@example.org")
        event = audit.record(user, "auth.login", user)
        event.ip = "192.0.2.10"  # an earlier sign-in, from before the browser was kept with the event
        db.session.commit()
    _sign_in(app, "veteran@example.org", agent=PHONE)
    assert _mails(app, "veteran@example.org") == [], "a known address is no news"
    _sign_in(app, "veteran@example.org", agent=PHONE, address="203.0.113.9")
    assert [m.subject for m in _mails(app, "veteran@example.org")] == ["New sign-in to your Palisade account"]


def test_a_note_posted_as_an_update_reaches_whoever_a_comment_would(app, client_as):
    from app.models import Comment

    with app.app_context():
        org = factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org, email="coord@example.org")
        assignee = factories.user(role=Role.MEMBER, organization=org, email="assignee@example.org")
        bystander = factories.user(role=Role.MEMBER, organization=org, email="bystander@example.org")
        group = factories.working_group(created_by=coordinator, tlp=TLP.AMBER,
                                        members=[coordinator, assignee, bystander])
        task = factories.task(working_group=group, assignee=assignee, title="Confidential pump work",
                              created_by_id=coordinator.id)
        task_id, ids = task.id, {"coordinator": coordinator.id, "assignee": assignee.id, "bystander": bystander.id}
        clients = {"coordinator": client_as(coordinator), "assignee": client_as(assignee)}

    def inbox(who):
        with app.app_context():
            return db.session.scalars(sa.select(Notification).where(
                Notification.user_id == ids[who], Notification.kind == NotificationKind.COMMENT)).all()

    assert clients["coordinator"].post(f"/tasks/{task_id}/status", data={
        "note": "Please check valve 3 first.", "version": "1"}).status_code == 302
    (note,) = inbox("assignee")
    assert note.detail == "Please check valve 3 first." and inbox("bystander") == [] and inbox("coordinator") == []
    assert clients["assignee"].post(f"/tasks/{task_id}/status", data={
        "new_status": "in_progress", "version": "1"}).status_code == 302
    assert inbox("coordinator") == [], "a status change alone is on the timeline, not a message"
    assert clients["assignee"].post(f"/tasks/{task_id}/status", data={
        "note": "Valve 3 done.", "version": "2"}).status_code == 302
    assert [n.detail for n in inbox("coordinator")] == ["Valve 3 done."]
    mail = [m for m in _mails(app, "coord@example.org")][-1]
    assert "Confidential pump work" not in mail.subject + mail.body and "Valve 3 done." not in mail.body, \
        "TLP:AMBER: the mail names only the reference"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
