"""Errors of the API as a client sees them: RFC 9457 problem details, never a page and never a 500.

Optimistic locking (412 stale If-Match, 428 missing), bodies that are not JSON, too large, of the wrong
type or naming unknown fields, an unknown route or method, a refused lifecycle step.
"""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Role
from app.models import User
from tests import factories
from tests.api_helpers import bearer
from tests.api_helpers import token_for


@pytest.fixture
def world(app):
    with app.app_context():
        coordinator = factories.user(role=Role.COORDINATOR)
        agreement = factories.agreement(created_by=coordinator)
        secret = token_for(db.session.get(User, coordinator.id))
        return {"id": agreement.id, "version": agreement.version, "auth": bearer(secret)}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"] and body["detail"] and body["type"] == "about:blank"
    return body


def _title(app, agreement_id) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Agreement.title).where(Agreement.id == agreement_id))


def test_an_update_without_if_match_is_428_and_a_stale_one_412(app, client, world):
    url, auth = f"/api/v1/agreements/{world['id']}", world["auth"]
    _problem(client.patch(url, json={"title": "No precondition"}, headers=auth), 428)
    fresh = client.patch(url, json={"title": "First"}, headers={**auth, "If-Match": f'"{world["version"]}"'})
    assert fresh.status_code == 200 and fresh.headers["ETag"] == f'"{world["version"] + 1}"'
    stale = client.patch(url, json={"title": "Second"}, headers={**auth, "If-Match": f'"{world["version"]}"'})
    assert "version" in _problem(stale, 412)["detail"]
    for garbage in ("*", "abc", '"-1"', "W/", '"99999999999"'):
        _problem(client.patch(url, json={"title": "Garbage"}, headers={**auth, "If-Match": garbage}), 412)
    assert _title(app, world["id"]) == "First"
    read = client.get(url, headers=auth)
    assert read.headers["ETag"] == fresh.headers["ETag"] and read.json["version"] == world["version"] + 1


@pytest.mark.parametrize("body, content_type, status, field", [
    (b"{not json", "application/json", 400, None),
    (b"title=x", "application/x-www-form-urlencoded", 415, None),
    (b"<a/>", "text/xml", 415, None),
    (b"", "application/json", 400, None),
    (b"[1, 2]", "application/json", 422, "body"),
    (b'"text"', "application/json", 422, "body"),
    (b'{"title": 5}', "application/json", 422, "title"),
    (b'{"title": ""}', "application/json", 422, "title"),
    (b'{"title": null}', "application/json", 422, None),
    (b'{"notice_days": 1e999}', "application/json", 422, "notice_days"),
    (b'{"notice_days": -1}', "application/json", 422, "notice_days"),
    (b'{"expiry_date": "2026-02-31"}', "application/json", 422, "expiry_date"),
    (b'{"tlp": "purple"}', "application/json", 422, "tlp"),
    (b'{"sectors": "energy"}', "application/json", 422, "sectors"),
    (b'{"owner_organization_id": 2}', "application/json", 422, "owner_organization_id"),
    (b'{"title": "a\\u0000b"}', "application/json", 422, "title"),
    (b'{"title": "' + b"x" * 201 + b'"}', "application/json", 422, "title"),
    (b'{"effective_date": "2030-01-01", "expiry_date": "2029-01-01"}', "application/json", 422, "expiry_date"),
])
def test_a_bad_body_is_a_4xx_problem_naming_the_field(app, client, world, body, content_type, status, field):
    response = client.patch(f"/api/v1/agreements/{world['id']}", data=body, content_type=content_type,
                            headers={**world["auth"], "If-Match": f'"{world["version"]}"'})
    problem = _problem(response, status)
    if field is not None:
        assert field in {error["field"] for error in problem["errors"]}
    assert _title(app, world["id"]).startswith("Agreement")


def test_a_body_too_large_is_413(app, client, world):
    app.config["API_MAX_BODY"] = 1000
    response = client.patch(f"/api/v1/agreements/{world['id']}", json={"summary": "x" * 2000},
                            headers={**world["auth"], "If-Match": f'"{world["version"]}"'})
    _problem(response, 413)


def test_unknown_routes_methods_and_records_are_problems(client, world):
    auth = world["auth"]
    _problem(client.get("/api/v1/no-such-thing", headers=auth), 404)
    _problem(client.get("/api/v1/agreements/2147483648", headers=auth), 404)
    _problem(client.get("/api/v1/agreements/0", headers=auth), 404)
    method = _problem(client.delete(f"/api/v1/agreements/{world['id']}", headers=auth), 405)
    assert method
    _problem(client.get("/api/v1/agreements/?limit=0", headers=auth), 422)
    _problem(client.get("/api/v1/agreements/?cursor=bogus", headers=auth), 422)
    _problem(client.get("/api/v1/agreements/?organization=99999999999", headers=auth), 422)


def test_a_step_the_lifecycle_refuses_is_409_and_changes_nothing(app, client, world):
    url = f"/api/v1/agreements/{world['id']}/transitions"
    _problem(client.post(url, json={"status": "terminated"}, headers=world["auth"]), 409)
    _problem(client.post(url, json={"status": "out_for_signature"}, headers=world["auth"]), 422)
    moved = client.post(url, json={"status": "in_review"}, headers=world["auth"])
    assert moved.status_code == 200 and moved.json["status"] == "in_review"
    with app.app_context():
        assert db.session.get(Agreement, world["id"]).status is AgreementStatus.IN_REVIEW
