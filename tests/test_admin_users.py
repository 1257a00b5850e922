"""User administration through HTTP: what an administrator can do, and what everyone else cannot."""
import csv
import io

import pytest
import sqlalchemy as sa

from app.auth.passwords import verify_password
from app.extensions import db
from app.models import AuditEvent
from app.models import Organization
from app.models import Role
from app.models import User
from app.models import utcnow
from tests import factories

STRONG = "granite otter lantern 42"


@pytest.fixture
def admin(app):
    with app.app_context():
        user = factories.user(role=Role.ADMIN, name="Ada Admin", email="ada@admin.example")
        return user.id


@pytest.fixture
def admin_client(app, client_as, admin):
    with app.app_context():
        return client_as(_user(app, admin, expunge=False))


def _user(app, user_id, expunge=True) -> User | None:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.id == user_id))
        if user is not None and expunge:
            db.session.expunge(user)
        return user


def _user_by_email(app, email) -> User | None:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email))


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count(User.id))),
                db.session.scalar(sa.select(sa.func.count(AuditEvent.id))))


def _actions(app, user_id) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "users", AuditEvent.object_id == user_id).order_by(AuditEvent.id)))


def _new_user_form(org_id, **overrides) -> dict:
    data = {"email": "new.person@operator.example", "name": "New Person", "title": "Analyst", "phone": "",
            "organization_id": str(org_id), "role": "member", "active": "y", "password": STRONG}
    data.update(overrides)
    return data


def _edit_form(user: User, **overrides) -> dict:
    data = {"email": user.email, "name": user.name, "title": user.title, "phone": user.phone,
            "organization_id": str(user.organization_id), "role": user.role.value, "version": str(user.version)}
    if user.active:
        data["active"] = "y"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def org_id(app):
    with app.app_context():
        return factories.organization(name="Operator One").id


# --- list -----------------------------------------------------------------------------------------

def test_list_filters_and_sorts(app, admin_client):
    with app.app_context():
        water = factories.organization(name="Water Board")
        grid = factories.organization(name="Grid Company")
        factories.user(name="Wendy Water", email="wendy@water.example", organization=water, role=Role.COORDINATOR)
        factories.user(name="Gary Grid", email="gary@grid.example", organization=grid, role=Role.EXECUTIVE)
        factories.user(name="Ian Inactive", email="ian@grid.example", organization=grid, active=False)
        water_id = water.id

    html = _table(admin_client.get("/users/"))
    assert all(name in html for name in ("Wendy Water", "Gary Grid", "Ian Inactive", "Ada Admin"))
    assert html.index("Ada Admin") < html.index("Gary Grid") < html.index("Wendy Water")

    def names(query):
        page = _table(admin_client.get(f"/users/?{query}"))
        return {n for n in ("Wendy Water", "Gary Grid", "Ian Inactive", "Ada Admin") if n in page}

    assert names("role=coordinator") == {"Wendy Water"}
    assert names(f"organization={water_id}") == {"Wendy Water"}
    assert names("state=inactive") == {"Ian Inactive"}
    assert names("state=active") == {"Wendy Water", "Gary Grid", "Ada Admin"}
    assert names("q=grid") == {"Gary Grid", "Ian Inactive"}  # matches the organisation name too
    assert names("q=WENDY@") == {"Wendy Water"}
    page = _table(admin_client.get("/users/?sort=name&dir=desc"))
    assert page.index("Wendy Water") < page.index("Ada Admin")


def _table(response) -> str:
    """The list's rows only (the signed-in admin's name is also in the navigation bar)."""
    html = response.get_data(as_text=True)
    return html[html.index("<tbody>"):html.index("</tbody>")]


@pytest.mark.parametrize("query", ["role=god", "organization=abc", "organization=999999", "state=zombie",
                                   "sort=password_hash", "dir=sideways&sort=email", "page=0", "per_page=-1"])
def test_invalid_filters_are_ignored_not_500(app, admin_client, query):
    with app.app_context():
        org = factories.organization(name="Filter Org")
        factories.user(name="Zed Member", email="zed@filter.example", organization=org, role=Role.MEMBER)
    response = admin_client.get(f"/users/?{query}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(admin_client.get(f"/users/?format=csv&{query}").get_data().decode("utf-8-sig"))))
    emails = [row[1] for row in rows[1:]]
    if query == "organization=999999":
        assert emails == []  # a well-formed id filters (to nothing here); only malformed values are ignored
        return
    assert "zed@filter.example" in _table(response)
    unfiltered = list(csv.reader(io.StringIO(admin_client.get("/users/?format=csv").get_data().decode("utf-8-sig"))))
    assert emails == [row[1] for row in unfiltered[1:]] and "zed@filter.example" in emails


def test_csv_export_holds_the_filtered_users_without_secrets(app, admin_client):
    with app.app_context():
        org = factories.organization(name="Export Org")
        factories.user(name="Eve Export", email="eve@export.example", organization=org, role=Role.MEMBER)
        factories.user(name="Carl Coord", email="carl@export.example", organization=org, role=Role.COORDINATOR)
    response = admin_client.get("/users/?format=csv&role=member")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:2] == ["Name", "Email"]
    assert [row[1] for row in rows[1:]] == ["eve@export.example"]
    assert "argon2" not in body and "session" not in body.lower()


# --- create -----------------------------------------------------------------------------------------

def test_create_user(app, admin_client, org_id):
    """The admin types no password: the new user is invited by e-mail to choose their own."""
    response = admin_client.post("/users/new", data=_new_user_form(org_id, email="  New.Person@Operator.EXAMPLE "))
    assert response.status_code == 302
    user = _user_by_email(app, "new.person@operator.example")  # stored trimmed and in lower case
    assert user is not None and user.role is Role.MEMBER and user.organization_id == org_id and user.active
    assert user.password_hash.startswith("$argon2id$")
    assert not verify_password(user.password_hash, STRONG)  # a password in the POST is ignored
    assert response.headers["Location"].endswith(f"/users/{user.id}")
    assert _actions(app, user.id) == ["user.created", "user.invitation_sent"]
    with app.app_context():
        from app.models import OutboxEmail

        queued = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.recipient == user.email)).all()
        assert len(queued) == 1 and "/auth/set-password?token=" in queued[0].body
    # nobody can sign in to the account before its owner chose a password
    client = app.test_client()
    login = client.post("/auth/login", data={"email": "new.person@operator.example", "password": STRONG})
    assert login.status_code == 200


@pytest.mark.parametrize("email", ["admin@example.com", "ADMIN@EXAMPLE.COM", " Admin@Example.COM ",
                                   "\tadmin@example.com"])
def test_duplicate_email_is_refused_in_any_letter_case_and_with_spaces(app, admin_client, org_id, email):
    with app.app_context():
        factories.user(email="admin@example.com")
    before = _counts(app)
    response = admin_client.post("/users/new", data=_new_user_form(org_id, email=email))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "already exists" in html
    assert _counts(app) == before


@pytest.mark.parametrize("password, message", [
    ("short", "at least 12 characters"),
    ("1qaz2wsx3edc", "too common"),
    ("aaaaaaaaaaaaaaaa", "too common"),
    ("new.person@operator.example", "email address"),
    ("x" * 129, "longer than 128"),
])
def test_weak_password_is_refused_next_to_the_field(app, admin_client, org_id, password, message):
    with app.app_context():
        target_id = factories.user(email="new.person@operator.example", organization_id=org_id).id
    before = _counts(app)
    response = admin_client.post(f"/users/{target_id}/password", data={"password": password})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = html[html.index('id="password-error"'):]
    assert message.lower() in error[:400].lower()
    assert _counts(app) == before


@pytest.mark.parametrize("overrides, field", [
    ({"email": "not-an-email"}, "email"),
    ({"email": ""}, "email"),
    ({"email": "a" * 250 + "@x.example"}, "email"),
    ({"name": ""}, "name"),
    ({"name": "n" * 121}, "name"),
    ({"role": "superuser"}, "role"),
    ({"organization_id": "999999"}, "organization_id"),
    ({"organization_id": "abc"}, "organization_id"),
    ({"phone": "1" * 41}, "phone"),
    ({"name": "Evil\x07Name"}, "name"),
])
def test_invalid_input_writes_nothing(app, admin_client, org_id, overrides, field):
    before = _counts(app)
    response = admin_client.post("/users/new", data=_new_user_form(org_id, **overrides))
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert _counts(app) == before


def test_archived_organisation_is_not_offered(app, admin_client):
    with app.app_context():
        archived = factories.organization(name="Gone Org", archived_at=utcnow())
        archived_id = archived.id
    form = admin_client.get("/users/new").get_data(as_text=True)
    assert "Gone Org" not in form
    before = _counts(app)
    response = admin_client.post("/users/new", data=_new_user_form(archived_id))
    assert response.status_code == 200 and 'id="organization_id-error"' in response.get_data(as_text=True)
    assert _counts(app) == before


def test_mass_assignment_of_hidden_fields_has_no_effect(app, admin_client, org_id):
    data = _new_user_form(org_id, session_token="attacker-chosen", password_hash="$argon2id$forged",
                          totp_enabled="y", id="424242", version="99")
    assert admin_client.post("/users/new", data=data).status_code == 302
    user = _user_by_email(app, "new.person@operator.example")
    assert user.session_token != "attacker-chosen" and user.id != 424242
    assert not user.totp_enabled and user.password_hash != "$argon2id$forged"
    assert not verify_password(user.password_hash, STRONG)


# --- edit ---------------------------------------------------------------------------------------------

def test_edit_user_changes_role_and_ends_their_sessions(app, admin_client, client_as):
    with app.app_context():
        target = factories.user(name="Target Person", role=Role.MEMBER)
        target_id, token = target.id, target.session_token
        target_client = client_as(target)
        form = _edit_form(target, role="coordinator", title="Lead")
    assert target_client.get("/").status_code == 200
    page = admin_client.get(f"/users/{target_id}/edit").get_data(as_text=True)
    assert 'value="Target Person"' in page
    response = admin_client.post(f"/users/{target_id}/edit", data=form)
    assert response.status_code == 302
    user = _user(app, target_id)
    assert user.role is Role.COORDINATOR and user.title == "Lead"
    assert user.session_token != token  # what they may do changed: they sign in again
    assert target_client.get("/").status_code == 302
    assert _actions(app, target_id) == ["user.updated", "user.role_changed"]


def test_edit_to_a_duplicate_email_is_refused(app, admin_client):
    with app.app_context():
        factories.user(email="taken@example.com")
        target = factories.user(email="mine@example.com")
        target_id, form = target.id, _edit_form(target, email=" TAKEN@example.com")
    before = _counts(app)
    response = admin_client.post(f"/users/{target_id}/edit", data=form)
    assert response.status_code == 200
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert _user(app, target_id).email == "mine@example.com"
    assert _counts(app) == before


def test_stale_edit_gets_the_conflict_page(app, admin_client):
    with app.app_context():
        target = factories.user(name="Original Name")
        target_id, stale = target.id, _edit_form(target, name="Second Writer")
        first = _edit_form(target, name="First Writer")
    assert admin_client.post(f"/users/{target_id}/edit", data=first).status_code == 302
    response = admin_client.post(f"/users/{target_id}/edit", data=stale)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "First Writer" in html and "Second Writer" in html
    assert _user(app, target_id).name == "First Writer"
    assert _actions(app, target_id) == ["user.updated"]


def test_an_admin_cannot_demote_or_deactivate_themselves(app, admin_client, admin):
    me = _user(app, admin)
    response = admin_client.post(f"/users/{admin}/edit", data=_edit_form(me, role="member"))
    assert response.status_code == 200 and 'id="role-error"' in response.get_data(as_text=True)
    response = admin_client.post(f"/users/{admin}/deactivate", follow_redirects=True)
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    me = _user(app, admin)
    assert me.role is Role.ADMIN and me.active


# --- deactivate / activate / sessions / password -------------------------------------------------------

def test_deactivating_a_user_ends_their_sessions_at_once(app, admin_client, client_as):
    with app.app_context():
        target = factories.user(name="Leaving Person", role=Role.COORDINATOR)
        target_id = target.id
        target_client = client_as(target)
    assert target_client.get("/").status_code == 200

    assert admin_client.post(f"/users/{target_id}/deactivate").status_code == 302
    assert not _user(app, target_id).active
    response = target_client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    # and they cannot sign in again
    login = app.test_client().post("/auth/login", data={"email": _user(app, target_id).email,
                                                         "password": factories.PASSWORD})
    assert login.status_code != 302 or "/auth/login" in login.headers.get("Location", "")
    assert "Inactive" in admin_client.get(f"/users/{target_id}").get_data(as_text=True)

    assert admin_client.post(f"/users/{target_id}/activate").status_code == 302
    assert _user(app, target_id).active
    assert target_client.get("/").status_code == 302  # the old session stays dead after reactivation
    assert _actions(app, target_id) == ["user.deactivated", "user.activated"]


def test_end_sessions_signs_the_user_out_everywhere(app, admin_client, client_as):
    with app.app_context():
        target = factories.user()
        target_id = target.id
        laptop, phone = client_as(target), client_as(target)
    assert admin_client.post(f"/users/{target_id}/end-sessions").status_code == 302
    assert laptop.get("/").status_code == 302 and phone.get("/").status_code == 302
    assert _user(app, target_id).active
    assert _actions(app, target_id) == ["user.sessions_ended"]


def test_set_password(app, admin_client, client_as):
    with app.app_context():
        target = factories.user()
        target_id, version = target.id, target.version
        target_client = client_as(target)
    response = admin_client.post(f"/users/{target_id}/password", data={"password": STRONG, "version": version})
    assert response.status_code == 302
    assert verify_password(_user(app, target_id).password_hash, STRONG)
    assert target_client.get("/").status_code == 302
    assert _actions(app, target_id) == ["user.password_changed"]


def test_weak_password_on_set_password_is_refused_next_to_the_field(app, admin_client):
    with app.app_context():
        target = factories.user()
        target_id, old_hash = target.id, target.password_hash
    response = admin_client.post(f"/users/{target_id}/password", data={"password": "password"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html and "12 characters" in html
    assert _user(app, target_id).password_hash == old_hash
    assert _actions(app, target_id) == []


def test_detail_shows_profile_and_two_factor_state(app, admin_client):
    with app.app_context():
        org = factories.organization(name="Detail Org")
        target = factories.user(name="Dee Tail", email="dee@detail.example", organization=org,
                                role=Role.EXECUTIVE, totp_enabled=True, last_login_at=utcnow())
        target_id = target.id
    html = admin_client.get(f"/users/{target_id}").get_data(as_text=True)
    for text in ("Dee Tail", "dee@detail.example", "Detail Org", "Executive", "Two-factor", "On",
                 f"/users/{target_id}/deactivate", f"/users/{target_id}/end-sessions",
                 f"/users/{target_id}/password"):
        assert text in html, text
    assert "UTC" in html  # last sign-in


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/users/999999").status_code == 404
    assert admin_client.post("/users/999999/deactivate").status_code == 404


# --- fresh login ----------------------------------------------------------------------------------------

def _make_stale(client) -> None:
    with client.session_transaction() as session:
        session["fresh_at"] = utcnow().timestamp() - 3600  # signed in an hour ago


@pytest.mark.parametrize("method, path", [("GET", "/users/new"), ("POST", "/users/new"),
                                          ("GET", "/users/{id}/edit"), ("POST", "/users/{id}/edit"),
                                          ("POST", "/users/{id}/password")])
def test_sensitive_changes_need_a_fresh_sign_in(app, admin_client, org_id, method, path):
    with app.app_context():
        target = factories.user(name="Stable Person")
        target_id = target.id
        data = {**_edit_form(target, name="Changed", role="admin"), "password": STRONG,
                **({"email": "fresh@example.com", "organization_id": str(org_id)} if "new" in path else {})}
    _make_stale(admin_client)
    before = _counts(app)
    response = admin_client.open(path.format(id=target_id), method=method, data=data if method == "POST" else None)
    assert response.status_code == 302
    assert "/auth/reauthenticate" in response.headers["Location"]
    user = _user(app, target_id)
    assert (user.name, user.role) == ("Stable Person", Role.MEMBER)
    assert _user_by_email(app, "fresh@example.com") is None
    assert _counts(app) == before


# --- non-admins -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MEMBER, Role.EXECUTIVE])
def test_non_admins_get_403_on_every_user_page_and_action(app, client_as, role):
    with app.app_context():
        me = factories.user(role=role)
        target = factories.user(name="Victim Person", role=Role.MEMBER)
        target_id, token, old_hash, org = target.id, target.session_token, target.password_hash, target.organization_id
        client = client_as(me)
    before = _counts(app)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("users.")]
    assert len(rules) >= 7
    for rule in rules:
        url = rule.rule.replace("<int:user_id>", str(target_id))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = ({"email": "pwned@example.com", "name": "Pwned", "role": "admin", "organization_id": org,
                     "password": STRONG, "active": ""} if method == "POST" else None)
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, f"{method} {url}"
    assert client.get("/users/?format=csv").status_code == 403
    victim = _user(app, target_id)
    assert (victim.name, victim.role, victim.active, victim.session_token, victim.password_hash) == \
        ("Victim Person", Role.MEMBER, True, token, old_hash)
    assert _counts(app) == before


def test_a_user_of_an_archived_organisation_stays_editable(app, admin_client):
    with app.app_context():
        org = factories.organization(name="Wound Down Org")
        target = factories.user(name="Old Timer", organization=org)
        org.archived_at = utcnow()
        db.session.commit()
        target_id, form = target.id, _edit_form(target, title="Caretaker")
    response = admin_client.post(f"/users/{target_id}/edit", data=form)
    assert response.status_code == 302
    assert _user(app, target_id).title == "Caretaker"


def test_the_new_user_form_defaults_to_the_least_privileged_role(admin_client):
    html = admin_client.get("/users/new").get_data(as_text=True)
    role_select = html[html.index('id="role"'):]
    role_select = role_select[:role_select.index("</select>")]
    assert 'selected value="member"' in role_select or 'value="member" selected' in role_select


def test_admin_resets_a_users_two_factor_and_ends_their_sessions(app, client_as):
    import pyotp

    from app.auth import two_factor
    from app.extensions import db as _db
    from app.models import AuditEvent
    from app.models import Role
    from app.models import User

    with app.app_context():
        admin = factories.user(role=Role.ADMIN)
        member = factories.user(role=Role.MEMBER)
        member_id = member.id
        member.totp_secret_encrypted = two_factor.encrypt_secret(pyotp.random_base32())
        member.totp_enabled = True
        _db.session.commit()
        member_client = client_as(_db.session.get(User, member_id))
        admin_client = client_as(admin)
        outsider = client_as(factories.user(role=Role.COORDINATOR))

    assert outsider.post(f"/users/{member_id}/two-factor/reset").status_code == 403
    response = admin_client.post(f"/users/{member_id}/two-factor/reset")
    assert response.status_code == 302
    with app.app_context():
        member = _db.session.get(User, member_id)
        assert not member.totp_enabled and member.totp_secret_encrypted is None and not member.backup_codes
        assert _db.session.query(AuditEvent).filter_by(action="auth.two_factor_reset", object_id=member_id).count() == 1
    assert member_client.get("/").status_code == 302  # their session ended


def test_csv_neutralises_every_formula_prefix_and_keeps_inner_text(app, admin_client):
    """Cells starting with = + - @ (or a tab/CR) are exported as text; the same characters inside a
    value are left alone."""
    hostile = ["=HYPERLINK(\"http://evil\")", "+SUM(1+1)", "-2+3", "@cmd|' /C calc'!A0", "Ann = Bob + Cy"]
    with app.app_context():
        org = factories.organization(name="-Minus Org")
        for index, name in enumerate(hostile):
            factories.user(name=name, email=f"f{index}@formula.example", organization=org)
    body = admin_client.get("/users/?format=csv&organization=" + str(_org_id(app, "-Minus Org"))).get_data()
    rows = {row[1]: row for row in csv.reader(io.StringIO(body.decode("utf-8-sig")))}
    for index, name in enumerate(hostile):
        cell = rows[f"f{index}@formula.example"][0]
        if name[0] in "=+-@":
            assert cell == "'" + name
        else:
            assert cell == name
        assert rows[f"f{index}@formula.example"][2] == "'-Minus Org"


def _org_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Organization.id).where(Organization.name == name))
