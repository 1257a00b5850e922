"""Where a record of any kind lives in the API, for the operations every kind shares (files, archive):
the path of its page, which the API mirrors (/agreements/<agreement_id>, /incidents/<incident_id>), or, for
a kind shown on its parent's page, under its parent (/risks/<risk_id>/mitigations/<mitigation_id>).

    rule = record_rule(kind)                      # the URL rule, to which an operation appends its own part
    record = load(kind, scope, view_args)         # the record the URL names within `scope` (404 otherwise)
"""
import sqlalchemy as sa

from app import kinds
from app.api.comments import page_path
from app.extensions import db


def _id_arg(kind: kinds.RecordKind) -> str:
    return f"{kind.key}_id" if kind.locate is not None else kind.id_arg


def record_rule(kind: kinds.RecordKind) -> str:
    if kind.locate is not None:  # shown on its parent's page: nested under the parent, as the pages' URLs are
        parent = kind.parent_kind
        return f"{page_path(parent)}/<int:{parent.id_arg}>/{kind.slug}/<int:{_id_arg(kind)}>"
    return f"{page_path(kind)}/<int:{kind.id_arg}>"


def record_where(kind: kinds.RecordKind, values: dict) -> list[sa.ColumnElement]:
    """The conditions naming the record of the URL: its id and, nested, its parent's (another risk's
    mitigation is 404)."""
    conditions = [kind.model.id == values[_id_arg(kind)]]
    if kind.locate is not None:
        conditions.append(kind.parent_key == values[kind.parent_kind.id_arg])
    return conditions


def record_id(kind: kinds.RecordKind, values: dict) -> int:
    return values[_id_arg(kind)]


def parent_values(kind: kinds.RecordKind, values: dict) -> dict:
    """The URL's values besides the record's own id (a mitigation's risk_id), as columns of the record."""
    if kind.locate is None:
        return {}
    return {kind.parent_key.key: values[kind.parent_kind.id_arg]}


def load(kind: kinds.RecordKind, scope: sa.Select, values: dict):
    """The record the URL's `values` name, within `scope` (a visible_* select of the kind): 404 otherwise."""
    return db.first_or_404(scope.where(*record_where(kind, values)))
