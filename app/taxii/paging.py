"""The objects of a collection, a page at a time, as TAXII 2.1 paging wants them: oldest `date_added` first,
`added_after` (strictly after), `limit`, an opaque `next` that resumes after the last advisory served, and
`match[id]`, `match[type]`, `match[version]` filters. The objects of an advisory keep their order, so a page
may end inside an advisory and the next one resumes there."""
import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app import permissions
from app.extensions import db
from app.federation.egress import Collection, OrganizationReader, heads
from app.models import TLP, Organization, Risk
from app.stix.export import advisory_objects

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
BATCH = 200


class BadRequest(ValueError):
    pass


def taxii_timestamp(moment: datetime) -> str:
    """date_added with the server's precision (microseconds), so X-TAXII-Date-Added-Last as `added_after`
    asks for exactly what came after."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_taxii_timestamp(text: str) -> datetime:
    try:
        if not text.endswith("Z"):
            raise ValueError
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise BadRequest("added_after is not a timestamp like 2026-01-31T12:00:00.000Z") from None


def _encode_next(moment: datetime, advisory_id: int, index: int) -> str:
    text = f"{taxii_timestamp(moment)}|{advisory_id}|{index}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_next(token: str) -> tuple[datetime, int, int]:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, advisory_id, index = text.split("|")
        return parse_taxii_timestamp(moment), int(advisory_id), int(index)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("next is not a value this server gave") from None


@dataclass
class Filters:
    limit: int = DEFAULT_LIMIT
    added_after: datetime | None = None
    after_id: int | None = None
    after_index: int = -1  # the last object of advisory `after_id` already served
    ids: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    versions: set[str] = field(default_factory=set)

    @classmethod
    def from_args(cls, args) -> "Filters":
        filters = cls()
        try:
            filters.limit = max(1, min(MAX_LIMIT, int(args.get("limit", DEFAULT_LIMIT))))
        except ValueError:
            raise BadRequest("limit is a whole number") from None
        if args.get("next"):
            filters.added_after, filters.after_id, filters.after_index = _decode_next(args["next"])
        elif args.get("added_after"):
            filters.added_after = parse_taxii_timestamp(args["added_after"])
        for name, target in (("match[id]", filters.ids), ("match[type]", filters.types),
                             ("match[version]", filters.versions)):
            for value in args.getlist(name):
                target.update(v.strip() for v in value.split(",") if v.strip())
        filters.versions -= {"last", "first", "all"}  # one version is held: each of these is it
        return filters

    def keeps(self, obj: dict) -> bool:
        return ((not self.ids or obj["id"] in self.ids) and (not self.types or obj["type"] in self.types)
                and (not self.versions or obj.get("modified", obj.get("created")) in self.versions))


@dataclass
class Page:
    objects: list[tuple[dict, datetime]] = field(default_factory=list)  # (object, date added)
    more: bool = False
    next: str | None = None

    @property
    def first_added(self) -> datetime | None:
        return self.objects[0][1] if self.objects else None

    @property
    def last_added(self) -> datetime | None:
        return self.objects[-1][1] if self.objects else None


def _risks_visible(reader: OrganizationReader):
    """Which linked risks may go with an advisory to this organisation: those the TLP rule lets it read,
    never RED, GREEN only when it takes part in the risk."""
    visible = permissions.visible_risks(reader).where(Risk.tlp != TLP.RED).with_only_columns(Risk.id)
    ids = set(db.session.scalars(visible))

    def check(risk: Risk) -> bool:
        return risk.id in ids and (risk.tlp is not TLP.GREEN or reader.organization_id in risk.participating_org_ids())
    return check


def page(organization: Organization, collection: Collection, filters: Filters) -> Page:
    result = Page()
    risks_visible = _risks_visible(OrganizationReader(organization))
    seen: set[tuple] = set()
    # Resume within the advisory the last page ended in: the advisories from it on (inclusive).
    resume_id, resume_index = filters.after_id, filters.after_index
    position = (filters.added_after, resume_id - 1 if resume_id is not None else None)
    while True:
        rows = db.session.execute(heads(organization, collection, *position).limit(BATCH)).all()
        for advisory, added, restricted in rows:
            if added.tzinfo is None:
                added = added.replace(tzinfo=UTC)
            group = advisory_objects(advisory, public=not restricted, risks_visible=risks_visible)
            for index, obj in enumerate(group):
                if advisory.id == resume_id and index <= resume_index:
                    continue
                if not filters.keeps(obj) or (obj["id"], obj.get("modified")) in seen:
                    continue
                if len(result.objects) == filters.limit:
                    result.more = True
                    return result
                seen.add((obj["id"], obj.get("modified")))
                result.objects.append((obj, added))
                result.next = _encode_next(added, advisory.id, index)
            position = (added, advisory.id)
        if len(rows) < BATCH:
            return result
