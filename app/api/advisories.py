"""Advisories in the edition the reader may have, and acknowledgements.

GET /api/v1/advisories/ (the list page's filters), GET /api/v1/advisories/<id> (`?edition=public` for the public
edition), POST /api/v1/advisories/<id>/acknowledgement. A reader below the restricted TLP gets the public edition
only (TLP:CLEAR, its own title and text), exactly as the page shows it: the restricted title, summary, body and
actions never appear in an answer to that reader. Drafting, co-authoring and release stay on the pages (their
four-eyes steps are the pages' own).
"""
from datetime import date
from datetime import datetime
from typing import Literal

from flask import jsonify
from flask import request
from flask_login import current_user
from pydantic import BaseModel
from pydantic import Field
from sqlalchemy.orm import selectinload

from app import permissions
from app.advisories import distribution
from app.advisories import queries
from app.api import bp
from app.api import paging
from app.api import refused
from app.api.paging import ListQuery
from app.api.paging import Page
from app.api.schemas import Body
from app.api.schemas import OrganizationRef
from app.api.schemas import Text
from app.api.spec import Responses
from app.api.spec import spec
from app.lifecycle import get_visible
from app.models import TLP
from app.models import AcknowledgementStatus
from app.models import Advisory
from app.models import AdvisoryKind
from app.models import AdvisoryStatus
from app.models import Sector
from app.models import Severity
from app.problems import ProblemError

TAGS = ("Advisories",)


class AcknowledgementOut(BaseModel):
    status: AcknowledgementStatus
    note: str
    at: datetime


class AdvisoryOut(BaseModel):
    id: int
    reference: str
    edition: Literal["restricted", "public"] = Field(description="The edition this answer carries.")
    kind: AdvisoryKind
    severity: Severity
    status: AdvisoryStatus
    tlp: TLP = Field(description="The edition's label: TLP:CLEAR for the public edition.")
    title: str
    summary: str = Field(description="Empty in the public edition (it has a title and a text only).")
    body: str = Field(description="Markdown.")
    recommended_actions: str = Field(description="Markdown; empty in the public edition.")
    sectors: list[Sector] | None = Field(description="Null in the public edition.")
    authors: list[OrganizationRef]
    has_public_edition: bool
    released_at: datetime | None
    acknowledgement_deadline: date | None
    withdrawal_reason: str = Field(description="Shown to every reader of a withdrawn advisory.")
    own_acknowledgement: AcknowledgementOut | None = Field(
        description="Your organisation's answer (restricted edition of a released advisory).")
    version: int


class AdvisoryListQuery(ListQuery):
    status: AdvisoryStatus | None = None
    kind: AdvisoryKind | None = None
    severity: Severity | None = None
    tlp: TLP | None = None
    sector: Sector | None = None
    mine: bool = Field(False, description="Only the advisories your organisation wrote.")
    ack: Literal["pending", "done"] | None = Field(None, description="Addressed to your organisation: "
                                                                     "not acknowledged yet, or acknowledged.")
    unread: bool = Field(False, description="Only released advisories you have not opened.")


class EditionQuery(BaseModel):
    edition: Literal["public"] | None = Field(None, description="`public`: the public edition even when you may "
                                                                 "read the restricted one.")


class AcknowledgementIn(Body):
    status: AcknowledgementStatus
    note: Text(4000) = ""


def _out(advisory: Advisory, restricted: bool, public: bool = False) -> dict:
    """The advisory in the edition the reader may have (public when asked for or when that is all she reads)."""
    authors = [OrganizationRef.model_validate(a.organization) for a in advisory.authors]
    common = {"id": advisory.id, "reference": advisory.reference, "kind": advisory.kind,
              "severity": advisory.severity, "status": advisory.status, "authors": authors,
              "has_public_edition": advisory.has_public_edition, "released_at": advisory.released_at,
              "withdrawal_reason": advisory.withdrawal_reason, "version": advisory.version}
    if public or not restricted:
        out = AdvisoryOut(edition="public", tlp=TLP.CLEAR, title=advisory.public_title, summary="",
                          body=advisory.public_body, recommended_actions="", sectors=None,
                          acknowledgement_deadline=None, own_acknowledgement=None, **common)
    else:
        own = advisory.acknowledgement_of(current_user.organization_id)
        out = AdvisoryOut(
            edition="restricted", tlp=advisory.tlp, title=advisory.title, summary=advisory.summary,
            body=advisory.body, recommended_actions=advisory.recommended_actions, sectors=list(advisory.sectors),
            acknowledgement_deadline=advisory.acknowledgement_deadline,
            own_acknowledgement=AcknowledgementOut(status=own.status, note=own.note, at=own.at) if own else None,
            **common)
    return out.model_dump(mode="json")


def _visible(advisory_id: int) -> Advisory:
    return get_visible(Advisory, advisory_id, *queries.ROW_OPTIONS)


def _editions(advisories: list[Advisory]) -> list[dict]:
    """Each advisory in the edition the reader may have (one query for the page's restricted ones)."""
    restricted = queries.restricted_ids(current_user, [a.id for a in advisories])
    return [_out(a, a.id in restricted) for a in advisories]


@bp.get("/advisories/")
@spec.validate(query=AdvisoryListQuery, resp=Responses(HTTP_200=Page[AdvisoryOut]), tags=TAGS)
def list_advisories():
    """The advisories the token's user may read, each in the edition she may have, with the list page's filters."""
    # The acknowledgements with the page (the reader's own is in each restricted edition), not one load a row.
    return paging.listed(queries.list_advisories, Advisory.id, selectinload(Advisory.acknowledgements),
                         read_filters=queries.read_filters, dump_page=_editions)


@bp.get("/advisories/<int:advisory_id>")
@spec.validate(query=EditionQuery, resp=Responses(HTTP_200=AdvisoryOut), tags=TAGS)
def get_advisory(advisory_id: int):
    """One advisory in the reader's edition (404 for `?edition=public` when it has none, as on the page)."""
    advisory = _visible(advisory_id)
    restricted = queries.may_read_restricted(current_user, advisory)
    public = request.context.query.edition == "public" or not restricted
    if public and not advisory.has_public_edition:
        raise ProblemError(404)
    return jsonify(_out(advisory, restricted, public))


@bp.post("/advisories/<int:advisory_id>/acknowledgement")
@spec.validate(json=AcknowledgementIn, resp=Responses(HTTP_200=AdvisoryOut), tags=TAGS)
def acknowledge_advisory(advisory_id: int):
    """Your organisation's answer to a released advisory addressed to it (received, acted, not applicable):
    a coordinator of a recipient organisation; answering again replaces it."""
    advisory = _visible(advisory_id)
    permissions.authorize(permissions.can_acknowledge_advisory(current_user, advisory))
    body = request.context.json
    with refused():
        distribution.acknowledge(current_user, advisory, body.status, body.note)
    return jsonify(_out(advisory, queries.may_read_restricted(current_user, advisory)))
