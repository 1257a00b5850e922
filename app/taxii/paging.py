"""The objects of a collection, a page at a time, as TAXII 2.1 paging wants them: oldest `date_added` first,
`added_after` (strictly after), `limit`, an opaque `next` that resumes after the last advisory served, and
`match[id]`, `match[type]`, `match[version]` filters. The objects of an advisory keep their order, so a page
may end inside an advisory and the next one resumes there."""
import base64
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime

from app import permissions
from app.extensions import db
from app.federation.egress import ADVISORIES
from app.federation.egress import INCIDENTS
from app.federation.egress import RISKS
from app.federation.egress import Collection
from app.federation.egress import OrganizationReader
from app.federation.egress import heads
from app.federation.egress import incident_heads
from app.federation.egress import risk_heads
from app.models import TLP
from app.models import Organization
from app.models import Risk
from app.stix.export import advisory_objects
from app.stix.export import risk_objects
from app.stix.incidents import incident_objects

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


def _encode_next(moment: datetime, rank: int, record_id: int, index: int) -> str:
    text = f"{taxii_timestamp(moment)}|{rank}|{record_id}|{index}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_next(token: str) -> tuple[datetime, int, int, int]:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, rank, record_id, index = text.split("|")
        if int(rank) not in STREAMS:
            raise ValueError
        return parse_taxii_timestamp(moment), int(rank), int(record_id), int(index)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("next is not a value this server gave") from None


@dataclass
class Filters:
    limit: int = DEFAULT_LIMIT
    added_after: datetime | None = None
    after_rank: int = ADVISORIES  # the stream (advisories, incident reports) of the record `after_id`
    after_id: int | None = None
    after_index: int = -1  # the last object of record `after_id` already served
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
            filters.added_after, filters.after_rank, filters.after_id, filters.after_index = _decode_next(args["next"])
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


def _stream_objects(rank: int, record, restricted: bool, risks_visible) -> list[dict]:
    if rank == INCIDENTS:
        return incident_objects(record)
    if rank == RISKS:
        return risk_objects(record)
    return advisory_objects(record, public=not restricted, risks_visible=risks_visible)


def _rows(organization: Organization, collection: Collection, position: tuple) -> tuple[list[tuple], bool]:
    """The rows after `position` of every stream, merged in the TAXII order (date added, stream rank, record,
    restricted?), as far as every stream is known; and whether more may follow (a stream filled its batch:
    its rows past the batch are not known yet, so no row after its last one is taken)."""
    merged, cutoffs = [], []
    for rank, query in STREAMS.items():
        rows = db.session.execute(query(organization, collection, position).limit(BATCH)).all()
        for record, added, restricted in rows:
            merged.append((added.replace(tzinfo=UTC) if added.tzinfo is None else added, rank, record, restricted))
        if len(rows) == BATCH:
            cutoffs.append(_key(merged[-1]))
    merged.sort(key=_key)
    if cutoffs:
        merged = [row for row in merged if _key(row) <= min(cutoffs)]
    return merged, bool(cutoffs)


def _key(row: tuple) -> tuple:
    return row[0], row[1], row[2].id


def page(organization: Organization, collection: Collection, filters: Filters) -> Page:
    """Advisories, incident reports and risks, one stream ordered by (date added, stream, id)."""
    result = Page()
    risks_visible = _risks_visible(OrganizationReader(organization))
    seen: set[tuple] = set()
    # Resume within the record the last page ended in: the records from it on (inclusive).
    resume = (filters.after_rank, filters.after_id)
    position = (filters.added_after, filters.after_rank,
                filters.after_id - 1 if filters.after_id is not None else None)
    while True:
        rows, more = _rows(organization, collection, position)
        for added, rank, record, restricted in rows:
            for index, obj in enumerate(_stream_objects(rank, record, restricted, risks_visible)):
                if (rank, record.id) == resume and index <= filters.after_index:
                    continue
                if not filters.keeps(obj) or (obj["id"], obj.get("modified")) in seen:
                    continue
                if len(result.objects) == filters.limit:
                    result.more = True
                    return result
                seen.add((obj["id"], obj.get("modified")))
                result.objects.append((obj, added))
                result.next = _encode_next(added, rank, record.id, index)
            position = (added, rank, record.id)
        if not more:
            return result


STREAMS = {ADVISORIES: heads, INCIDENTS: incident_heads, RISKS: risk_heads}
