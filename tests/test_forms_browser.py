"""Every edit form, in Chromium with JavaScript on: saved untouched it changes nothing; one field
changed changes that field only; its selects look like selects.

The forms come from the app's URL map: every rule whose endpoint or path is an edit (`…edit…`) needs
a sample below, and every other page that takes a form (GET and POST) is either listed as an edit
form or named in NOT_EDIT_FORMS with the reason. A new edit form therefore fails this test until it
has a sample, and then it is swept like the others.

For each sample the sweep asks the served app which of the seeded people may open the form (every
role that may edit it), presses the form's own save button as each of them and compares snapshots of
every table: no row added or removed, no column changed (only `version`-like and time columns of the
saved record are ignored). Then, as the first editor, it changes one text field and checks that this
field alone changed. One served app, one browser, one seeded database for the whole sweep.
"""
import os
import shutil
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.forms import normalize_text
from tests import factories
from tests.browser_forms import browser_forms
from tests.edit_form_world import EDITORS
from tests.edit_form_world import seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed", allow_module_level=True)


@dataclass(frozen=True)
class Sample:
    page: str  # the page that shows the form, e.g. "/risks/{risk}/edit"
    post: str = ""  # where the form posts, when not to the page itself (an inline form)
    change: str | None = ""  # the field to change once ("" = the first text field, "radio" = the first
    # radio group to its first other option; None = none)
    setting_table: str = ""  # with "radio": the settings table where the choice may land as a new row


# The edit forms and the records they are opened on (ids from tests/edit_form_world.py).
SAMPLES: dict[str, list[Sample]] = {
    "agreements.edit": [Sample("/agreements/{agreement}/edit")],
    "initiatives.edit": [Sample("/initiatives/{initiative}/edit")],
    "initiatives.edit_milestone": [Sample("/initiatives/{initiative}",
                                          post="/initiatives/{initiative}/milestones/{milestone}/edit")],
    # The quick health update on the initiative's page edits two of its fields in place.
    "initiatives.update_health": [Sample("/initiatives/{initiative}", post="/initiatives/{initiative}/health")],
    "working_groups.edit": [Sample("/working-groups/{working_group}/edit"),
                            Sample("/working-groups/{water_group}/edit")],
    "tasks.edit": [Sample("/tasks/{task}/edit"), Sample("/tasks/{done_task}/edit")],
    "risks.edit": [Sample("/risks/{risk}/edit"), Sample("/risks/{red_risk}/edit")],
    "risks.edit_mitigation": [Sample("/risks/{risk}/mitigations/{mitigation}/edit"),
                              Sample("/risks/{red_risk}/mitigations/{old_mitigation}/edit")],
    "incident_plans.edit": [Sample("/incident-plans/{plan}/edit")],
    "incident_plans.edit_section": [Sample("/incident-plans/{plan}/sections/{section}/edit")],
    "incidents.edit": [Sample("/incidents/{incident}/edit")],
    "advisories.edit": [Sample("/advisories/{advisory}/edit")],
    "exercises.edit": [Sample("/exercises/{exercise}/edit")],
    "corrective_actions.edit": [Sample("/corrective-actions/{corrective_action}/edit")],
    # A receiver's URL is refused with a space in it: the sweep's one change goes to the description.
    "webhooks.edit": [Sample("/webhooks/{webhook}/edit", change="description")],
    # The peer's URL is checked by address: the sweep's one change goes to the name.
    "peers.edit": [Sample("/peers/{peer}/edit", change="name")],
    "incident_plans.edit_contact": [Sample("/incident-plans/{plan}/contacts/{contact}/edit")],
    "organizations.edit": [Sample("/organizations/{organization}/edit"), Sample("/organizations/{water}/edit")],
    "users.edit": [Sample("/users/{user}/edit"), Sample("/users/{gone}/edit")],
    # Account pages: the e-mail preferences are an edit form of the signed-in person's settings.
    "notifications.preferences": [Sample("/notifications/preferences", change="radio",
                                         setting_table="notification_preferences")],
    # The account page's own forms start empty: sent untouched they are refused and change nothing.
    "auth.change_email": [Sample("/auth/account", post="/auth/account/email", change=None)],
    "auth.change_password": [Sample("/auth/account", post="/auth/account/password", change=None)],
}

# Pages that take a form but do not edit a stored record, with the reason they are not swept here.
NOT_EDIT_FORMS = {
    "agreements.create": "creates a record: there is nothing stored to keep",
    "initiatives.create": "creates a record",
    "working_groups.create": "creates a record",
    "working_groups.add_task": "creates a task",
    "risks.create": "creates a record",
    "risks.add_mitigation": "creates a mitigation",
    "incident_plans.create": "creates a record",
    "incident_plans.add_section": "creates a section",
    "incident_plans.add_contact": "creates a contact",
    "organizations.create": "creates a record",
    "users.create": "creates an account",
    "incidents.create": "files a report: creates a record (tests/test_incidents.py)",
    "incidents.submit_stage": "submits a stage: a step, and a submitted stage never changes (tests/test_incidents_browser.py)",
    "incidents.open_risk": "opens a risk from a report: creates a record (tests/test_incidents_authority.py)",
    "advisories.create": "creates a record (tests/test_advisories.py)",
    "exercises.create": "creates a record (tests/test_exercises.py)",
    "exercises.add_corrective_action": "creates a corrective action (tests/test_exercises.py)",
    "webhooks.create": "registers a webhook: creates a record (tests/test_webhooks_browser.py)",
    "peers.create": "registers a TAXII peer: creates a record (tests/test_peers_admin.py)",
    "taxii.not_found": "no form: the TAXII server's answer to a path it does not serve (tests/test_taxii.py)",
    "auth.login": "signs in (tests/test_auth.py)",
    "auth.reauthenticate": "confirms the password before a sensitive page (tests/test_sessions.py)",
    "auth.two_factor": "a sign-in step (tests/test_two_factor.py)",
    "auth.two_factor_setup": "turns two-factor on with a code from an app (tests/test_two_factor.py)",
    "auth.set_password": "a single-use link's password form (tests/test_everyday_accounts.py)",
    "auth.forgot_password": "asks for a reset link (tests/test_everyday_accounts.py)",
    "signing.issue": "issues the agreement for signature: a step, not an edit (tests/test_signing_flow.py)",
    "signing.sign": "signs the agreement: a step, not an edit (tests/test_signing_flow.py)",
    "signing.record_paper": "files a party's countersigned PDF: a signing step (tests/test_signing_paper.py)",
    "signing.verify": "checks an uploaded PDF and stores nothing (tests/test_signing_verify.py)",
}

# Columns an untouched save may renew: the lock counter and the clocks of the saved record, and the
# sign-in bookkeeping of the person saving. Whole tables of caches and of the session's own traces.
IGNORED_COLUMNS = {"version", "updated_at", "last_seen_at", "last_login_at"}
IGNORED_TABLES = {"content_generation", "rendered_documents", "render_jobs"}
# Columns a real change renews with it, by rule.
DERIVED_COLUMNS = {("agreements", "revision"): "a change to an agreement's content starts its next revision"}
# What a real change adds besides the changed field: its history entry, the mail about it, the reviewable
# content's new version (agreements and plans) and the webhook deliveries announcing it.
SIDE_EFFECT_TABLES = {"audit_events", "notifications", "outbox_emails", "content_versions", "webhook_deliveries"}


def _is_edit(endpoint: str, rule: str) -> bool:
    return endpoint.rsplit(".", 1)[-1].startswith("edit") or rule.endswith("/edit")


def _form_rules(app) -> tuple[set[str], set[str]]:
    """(edit endpoints, other endpoints of pages that take a form), read from the URL map."""
    edits, forms = set(), set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        if _is_edit(rule.endpoint, rule.rule):
            edits.add(rule.endpoint)
        elif {"GET", "POST"} <= rule.methods:
            forms.add(rule.endpoint)
    return edits, forms


def test_every_edit_form_of_the_url_map_has_a_sample_and_every_other_form_a_reason(app):
    edits, forms = _form_rules(app)
    assert edits, "no edit form found: the URL map changed shape"
    assert sorted(edits - SAMPLES.keys()) == [], "edit forms with no sample record (add one to SAMPLES)"
    unclassified = forms - SAMPLES.keys() - NOT_EDIT_FORMS.keys()
    assert sorted(unclassified) == [], "pages that take a form: add a SAMPLE or a reason in NOT_EDIT_FORMS"
    stale = (SAMPLES.keys() | NOT_EDIT_FORMS.keys()) - {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(stale) == [], "listed endpoints the app no longer has"


# --- the sweep ----------------------------------------------------------------------------------------


def _snapshot(engine) -> dict:
    rows = {}
    with engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in IGNORED_TABLES:
                continue
            key_columns = [column.name for column in table.primary_key.columns]
            for row in connection.execute(table.select()).mappings():
                rows[(table.name, tuple(row[name] for name in key_columns))] = {
                    name: value for name, value in row.items() if name not in IGNORED_COLUMNS}
    return rows


def _row(engine, key: tuple) -> dict:
    """One row, by (table, primary key), as stored."""
    table = db.metadata.tables[key[0]]
    condition = sa.and_(*(column == value for column, value in zip(table.primary_key.columns, key[1], strict=True)))
    with engine.connect() as connection:
        return dict(connection.execute(table.select().where(condition)).mappings().one())


def _diff(before: dict, after: dict) -> dict:
    changed = {}
    for key in before.keys() & after.keys():
        for column, old in before[key].items():
            if after[key].get(column) != old:
                changed[(*key, column)] = (old, after[key].get(column))
    return {"added": sorted(after.keys() - before.keys(), key=str),
            "removed": sorted(before.keys() - after.keys(), key=str), "changed": changed}


def _shown(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value if not isinstance(value, str) or len(value) < 80 else value[:77] + "…"


def _describe(diff: dict) -> str:
    parts = [f"added {key}" for key in diff["added"]] + [f"removed {key}" for key in diff["removed"]]
    parts += [f"{key}: {_shown(old)!r} → {_shown(new)!r}" for key, (old, new) in diff["changed"].items()]
    return "; ".join(parts)


def _path(template: str, ids: dict) -> str:
    return template.format(**ids)


def _target_form(html: str, page: str, post: str) -> dict | None:
    for form in browser_forms(html):
        action = urlsplit(form["action"]).path or page
        if form["method"] == "post" and action == post:
            return form
    return None


def _editors(live_app, users: dict, ids: dict) -> tuple[dict, dict]:
    """Sessions per person, and per (endpoint, sample) the people whose page shows the form."""
    sessions = {key: live_app.login(users[key], factories.PASSWORD) for key in EDITORS}
    editors = {}
    for endpoint, samples in SAMPLES.items():
        for sample in samples:
            page, post = _path(sample.page, ids), _path(sample.post or sample.page, ids)
            editors[(endpoint, sample)] = [
                key for key in EDITORS
                if (answer := sessions[key].get(live_app.url + page, timeout=30)).status_code == 200
                and urlsplit(answer.url).path == page and _target_form(answer.text, page, post) is not None]
    return sessions, editors


MARK_FORM = """([path]) => {
  const form = [...document.forms].find(f => (f.getAttribute('method') || '').toLowerCase() === 'post'
    && new URL(f.getAttribute('action') || location.href, location.href).pathname === path);
  if (!form) return false;
  for (let d = form.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) d.open = true;
  document.querySelectorAll('[data-sweep]').forEach(f => f.removeAttribute('data-sweep'));
  form.setAttribute('data-sweep', '1');
  return true;
}"""


def _save_button(page):
    """The form's own save button (its primary one), not a row's "Remove" or "Add another"."""
    return page.locator("form[data-sweep] button[type=submit].btn-primary:not(.visually-hidden)").last


# Selects that do not look like one: a single select is drawn with its arrow (Bootstrap's form-select).
PLAIN_SELECTS = """() => [...document.querySelectorAll('form[data-sweep] select:not([multiple])')]
  .filter(s => !s.classList.contains('form-select') || getComputedStyle(s).backgroundImage === 'none')
  .map(s => s.name)"""


def _save(page, base: str, page_path: str, post: str, problems: list) -> int:
    """Open the page, press the form's own save button; the answer's status to the POST."""
    page.goto(base + page_path)
    assert page.evaluate(MARK_FORM, [post]), f"no form posting to {post} on {page_path}"
    if plain := page.evaluate(PLAIN_SELECTS):
        problems.append(f"selects drawn as text boxes: {', '.join(plain)}")
    with page.expect_response(lambda r: r.request.method == "POST" and urlsplit(r.url).path == post) as answer:
        _save_button(page).click()
    page.wait_for_load_state()
    return answer.value.status


def _change_one_field(page, base: str, page_path: str, post: str, name: str) -> tuple[str, str]:
    """Open the page, change one text field (or one radio group), save; (field name, the value given)."""
    page.goto(base + page_path)
    assert page.evaluate(MARK_FORM, [post])
    if name == "radio":
        radio = page.locator("form[data-sweep] input[type=radio]:not(:checked)").first
        field_name, value = radio.get_attribute("name"), radio.get_attribute("value")
        radio.check()
        with page.expect_response(lambda r: r.request.method == "POST" and urlsplit(r.url).path == post) as answer:
            _save_button(page).click()
        page.wait_for_load_state()
        assert answer.value.status in (302, 303), f"{post}: the changed form was refused ({answer.value.status})"
        return field_name, value
    fields = page.locator("form[data-sweep] input[type=text]:visible, form[data-sweep] textarea:visible")
    field = page.locator(f"form[data-sweep] [name='{name}']") if name else fields.first
    field_name = field.get_attribute("name")
    value = field.input_value()
    typed = (value + "\nOne more line, typed in the browser.") if field.evaluate("e => e.tagName") == "TEXTAREA" \
        else (value[:150] + " (edited)")
    field.fill(typed)
    with page.expect_response(lambda r: r.request.method == "POST" and urlsplit(r.url).path == post) as answer:
        _save_button(page).click()
    page.wait_for_load_state()
    assert answer.value.status in (302, 303), f"{post}: the changed form was refused ({answer.value.status})"
    return field_name, typed


def test_every_edit_form_saved_untouched_changes_nothing_and_one_change_changes_one_field(live_app, browser):
    world = seed(live_app.app)
    ids, users = world["ids"], world["users"]
    engine = sa.create_engine(live_app.database_url, poolclass=sa.pool.NullPool)
    sessions, editors = _editors(live_app, users, ids)
    pages = {}
    for key, session in sessions.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        host = urlsplit(live_app.url).hostname
        context.add_cookies([{"name": c.name, "value": c.value, "domain": host, "path": c.path or "/"}
                             for c in session.cookies])
        context.set_default_timeout(10_000)
        pages[key] = context.new_page()
        pages[key].on("dialog", lambda dialog: dialog.accept())

    problems: dict[str, str] = {}
    swept = 0
    try:
        for (endpoint, sample), people in editors.items():
            page_path, post = _path(sample.page, ids), _path(sample.post or sample.page, ids)
            label = f"{endpoint} {page_path}"
            if not people:
                problems[label] = "nobody of " + ", ".join(EDITORS) + " may open this form"
                continue
            for person in people:
                before, controls = _snapshot(engine), []
                try:
                    status = _save(pages[person], live_app.url, page_path, post, controls)
                except sync_api.Error as exc:
                    problems[f"{label} as {person}"] = f"could not save: {str(exc).splitlines()[0]}"
                    continue
                if controls:
                    problems[f"{label} as {person}: controls"] = "; ".join(controls)
                diff = _diff(before, _snapshot(engine))
                swept += 1
                if diff["added"] or diff["removed"] or diff["changed"]:
                    problems[f"{label} as {person}"] = f"untouched save ({status}) changed: {_describe(diff)}"
                elif sample.change is not None and status not in (302, 303):
                    problems[f"{label} as {person}"] = f"untouched save refused ({status})"
            if sample.change is None or f"{label} as {people[0]}" in problems:
                continue
            before = _snapshot(engine)
            try:
                name, typed = _change_one_field(pages[people[0]], live_app.url, page_path, post, sample.change)
            except (sync_api.Error, AssertionError) as exc:
                problems[f"{label}: one change"] = f"could not save: {str(exc).splitlines()[0]}"
                continue
            diff = _diff(before, _snapshot(engine))
            real = {key: values for key, values in diff["changed"].items()
                    if (key[0], key[-1]) not in DERIVED_COLUMNS}
            stray = [key for key in diff["added"] if key[0] not in SIDE_EFFECT_TABLES] + diff["removed"]
            if sample.change == "radio":
                # One setting: one column of one row changed, or the one row that records it added.
                one = (len(real) == 1 and not stray) or (
                    not real and len(stray) == 1 and stray[0][0] == sample.setting_table
                    and typed in {str(v) for v in _row(engine, stray[0]).values()})
                if not one:
                    problems[f"{label}: one change of {name}"] = _describe(
                        {"added": stray, "removed": [], "changed": real})
                continue
            column = name.rsplit("-", 1)[-1]
            if stray or len(real) != 1 or next(iter(real))[-1] != column \
                    or next(iter(real.values()))[1] != normalize_text(typed):
                problems[f"{label}: one change of {name}"] = _describe(
                    {"added": stray, "removed": [], "changed": real})
    finally:
        engine.dispose()
        for page in pages.values():
            page.context.close()
    assert swept >= len(SAMPLES), f"only {swept} saves swept"
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in sorted(problems.items()))
