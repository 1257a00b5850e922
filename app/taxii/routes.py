"""TAXII 2.1 endpoints (OASIS TAXII 2.1, sections 4 and 5), read only.

Every request carries `Authorization: Bearer <API token>` (app.api.tokens: the API's one token check, with its
rate limit per token); /taxii2/ is a bearer path (app/bearer.py: no cookie read or set); the token's
organisation is the reader (app.federation.egress). 401 without a live token (with
`WWW-Authenticate: Bearer`), 404 for an API root, collection or object it may not see (the same answer as
one that does not exist), 403 for writes (no collection here can be written), 406 for an Accept header that
is not TAXII 2.1. Errors are TAXII error messages; nothing is ever a 500 for bad parameters.
"""
from http import HTTPStatus

from flask import Response
from flask import current_app
from flask import json
from flask import request
from flask import url_for

from app.api import tokens
from app.federation.egress import collection_by_id
from app.federation.egress import collections_for
from app.models import Organization
from app.problems import ProblemError
from app.taxii import bp
from app.taxii.paging import BadRequest
from app.taxii.paging import Filters
from app.taxii.paging import page
from app.taxii.paging import taxii_timestamp

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
ACCEPTED = ("application/taxii+json", "application/*", "*/*")
MAX_CONTENT_LENGTH = 10 * 1024 * 1024


class TaxiiError(Exception):
    def __init__(self, status: int, title: str, description: str = "", headers: dict | None = None):
        super().__init__(title)
        self.status, self.title, self.description, self.headers = status, title, description, headers or {}


@bp.errorhandler(TaxiiError)
def taxii_error(error: TaxiiError):
    body = {"title": error.title, "http_status": str(error.status)}
    if error.description:
        body["description"] = error.description
    return _json(body, error.status, error.headers)


def _json(data: dict, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(data), status=status, mimetype=None, content_type=TAXII_MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _organization() -> Organization:
    """The organisation of the request's API token; TaxiiError 401 without a live token."""
    try:
        token = tokens.authenticate(request, write=False)
    except ProblemError as error:
        headers = dict(error.extra_headers)
        if error.code == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="taxii2"'
        raise TaxiiError(error.code, HTTPStatus(error.code).phrase, error.description, headers) from None
    accept = request.headers.get("Accept", "*/*").replace(" ", "").lower()
    if not any(accept.startswith(kind) for kind in ACCEPTED) or ("version=" in accept and "version=2.1" not in accept):
        raise TaxiiError(406, "Not Acceptable", f"This server speaks {TAXII_MEDIA_TYPE}.")
    return token.user.organization


def _collection(organization: Organization, collection_id: str):
    collection = collection_by_id(organization, collection_id)
    if collection is None:
        raise TaxiiError(404, "Collection not found")
    return collection


def _api_root_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("taxii.api_root")


@bp.get("/")
def discovery():
    _organization()
    return _json({"title": "Palisade TAXII 2.1", "description": "Advisories shared under TLP 2.0.",
                  "default": _api_root_url(), "api_roots": [_api_root_url()]})


@bp.get("/api/")
def api_root():
    _organization()
    return _json({"title": "Palisade", "description": "What your organisation may receive, by collection.",
                  "versions": [TAXII_MEDIA_TYPE], "max_content_length": MAX_CONTENT_LENGTH})


def _collection_resource(collection) -> dict:
    return {"id": collection.id, "title": collection.title, "description": collection.description,
            "can_read": True, "can_write": False, "media_types": [STIX_MEDIA_TYPE]}


@bp.get("/api/collections/")
def collections():
    organization = _organization()
    return _json({"collections": [_collection_resource(c) for c in collections_for(organization)]})


@bp.get("/api/collections/<collection_id>/")
def collection(collection_id: str):
    return _json(_collection_resource(_collection(_organization(), collection_id)))


def _page(collection_id: str, object_id: str | None = None):
    organization = _organization()
    collection = _collection(organization, collection_id)
    try:
        filters = Filters.from_args(request.args)
    except BadRequest as error:
        raise TaxiiError(400, "Bad Request", str(error)) from None
    if object_id is not None:
        filters.ids = {object_id}
    result = page(organization, collection, filters)
    headers = {}
    if result.objects:
        headers = {"X-TAXII-Date-Added-First": taxii_timestamp(result.first_added),
                   "X-TAXII-Date-Added-Last": taxii_timestamp(result.last_added)}
    return result, headers


def _envelope(result) -> dict:
    body = {"more": result.more, "objects": [obj for obj, _added in result.objects]}
    if result.more and result.next:
        body["next"] = result.next
    return body


@bp.get("/api/collections/<collection_id>/objects/")
def objects(collection_id: str):
    result, headers = _page(collection_id)
    return _json(_envelope(result), headers=headers)


def _one(collection_id: str, object_id: str):
    result, headers = _page(collection_id, object_id)
    if not result.objects:
        raise TaxiiError(404, "Object not found")
    return result, headers


@bp.get("/api/collections/<collection_id>/objects/<object_id>/")
def object_(collection_id: str, object_id: str):
    result, headers = _one(collection_id, object_id)
    return _json(_envelope(result), headers=headers)


@bp.get("/api/collections/<collection_id>/objects/<object_id>/versions/")
def versions(collection_id: str, object_id: str):
    result, headers = _one(collection_id, object_id)
    found = sorted({obj.get("modified", obj.get("created")) for obj, _added in result.objects})
    return _json({"more": False, "versions": found}, headers=headers)


@bp.get("/api/collections/<collection_id>/manifest/")
def manifest(collection_id: str):
    result, headers = _page(collection_id)
    body = {"more": result.more, "objects": [
        {"id": obj["id"], "date_added": taxii_timestamp(added), "version": obj.get("modified", obj.get("created")),
         "media_type": STIX_MEDIA_TYPE} for obj, added in result.objects]}
    if result.more and result.next:
        body["next"] = result.next
    return _json(body, headers=headers)


@bp.route("/api/collections/<collection_id>/objects/", methods=["POST"], endpoint="add_objects")
@bp.route("/api/collections/<collection_id>/objects/<object_id>/", methods=["DELETE"], endpoint="delete_object")
def refuse_write(collection_id: str, object_id: str | None = None):
    _collection(_organization(), collection_id)
    raise TaxiiError(403, "Forbidden", "Collections on this server are read only.")


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(rest: str):
    _organization()
    raise TaxiiError(404, "Not found")
