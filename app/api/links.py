"""A record's link to another record (a risk's initiative, an initiative's agreement) is named in an answer only
when the reader may read the other record too, as on the pages; else it reads null.

    items = links.dump(RiskOut, risks, "initiative")   # the risk's initiative_id; one scoped query for the page
"""
from flask_login import current_user
from pydantic import BaseModel

from app import kinds
from app import permissions
from app.extensions import db


def readable_ids(model: type, ids: set) -> set[int]:
    """Of these ids of `model` (a kind of app/kinds.py), the ones the token's user may read."""
    ids = set(ids) - {None}
    if not ids:
        return set()
    scope = permissions.visible_records(kinds.by_model(model), current_user)
    return set(db.session.scalars(scope.where(model.id.in_(ids)).with_only_columns(model.id)))


def dump(out: type[BaseModel], records: list, link: str) -> list[dict]:
    """The records as `out` answers, the id of the record their relationship `link` names (`<link>_id`) null
    where the reader may not read that record."""
    if not records:
        return []
    field, model = f"{link}_id", getattr(type(records[0]), link).property.mapper.class_
    readable = readable_ids(model, {getattr(record, field) for record in records})
    answers = []
    for record in records:
        answer = out.model_validate(record)
        if getattr(answer, field) not in readable:
            setattr(answer, field, None)
        answers.append(answer.model_dump(mode="json"))
    return answers
