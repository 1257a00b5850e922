"""Pieces every kind's schemas share: the two bases (an answer read from a record, a request body), text as the
forms accept it, references to organisations and people.

Shared here so the OpenAPI document has one component per name (two kinds' `OrganizationRef` would clash).
"""
from typing import Annotated

from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import StringConstraints
from pydantic import create_model

from app.forms import CONTROL_CHARACTERS
from app.forms import normalize_text


def _form_text(value: str) -> str:
    """The forms' rules: no control characters (PostgreSQL refuses NUL), normalised like a typed field."""
    if any(ch in CONTROL_CHARACTERS for ch in value):
        raise ValueError("Remove control characters from this field.")
    return normalize_text(value)


def Text(max_length: int, *, required: bool = False):  # noqa: N802 -- reads as a type in a model
    """A text field of at most `max_length` characters (`required`: not blank)."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_form_text),
                     AfterValidator(_not_blank if required else _as_is)]


def _not_blank(value: str) -> str:
    if not value:
        raise ValueError("This field is required.")
    return value


def _as_is(value: str) -> str:
    return value


# An id sent in a body: a positive 32-bit integer (PostgreSQL refuses a larger one in a query: never a 500).
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class FromRecord(BaseModel):
    """An answer built from a record's attributes (`Model.model_validate(record)`)."""

    model_config = ConfigDict(from_attributes=True)


class RecordOut(FromRecord):
    """A record's answer: its id first, then the kind's fields."""

    id: int


class Body(BaseModel):
    """A request body: a field the operation does not know is a 422, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


def transition_of(status: type, description: str = "The status to move to.") -> type[Body]:
    """A lifecycle step's body, `{"status": "<target>"}`: `<Kind>Transition` for the kind's `<Kind>Status`."""
    return create_model(status.__name__.removesuffix("Status") + "Transition", __base__=Body,
                        __module__=status.__module__, status=(status, Field(description=description)))


def list_of(out: type[BaseModel]) -> type[BaseModel]:
    """The answer listing a record's parts in full, `{"items": [...]}` (no paging): `<Part>List` for `<Part>Out`."""
    return create_model(out.__name__.removesuffix("Out") + "List", items=(list[out], ...), __module__=out.__module__)


class _NamedRef(RecordOut):
    name: str


class OrganizationRef(_NamedRef):
    pass


class UserRef(_NamedRef):
    pass


class IfMatch(BaseModel):
    """The headers of an update: If-Match names the version read (its ETag)."""

    if_match: str | None = Field(None, alias="If-Match", description="The ETag of the version you read.")

