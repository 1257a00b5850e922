"""Who may see and do what. Plain functions of (user, object), easy to test without HTTP.

* visible_*(user)  -> a SELECT already narrowed to what the user may see. Every view query starts here.
* can_*(user, obj) -> bool, for templates (hide buttons) and for authorize().
* authorize(ok)    -> raises 403; services call it before mutating.

The TLP rule (DESIGN.md, "Access model") is implemented once, in `tlp_condition()`, for every
shareable model; each model only describes who its participating organisations are.
"""
import functools
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from app import kinds
from app.models import TLP
from app.models import Advisory
from app.models import Agreement
from app.models import Organization
from app.models import Role
from app.models import User
from app.models import today
from app.permissions.advisories import authors_for  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.advisories import can_acknowledge_advisory  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.advisories import can_act_on_advisory  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.advisories import can_approve_advisory  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.advisories import can_create_advisory  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.advisories import can_edit_advisory  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.advisories import can_submit_advisory  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.advisories import can_update_advisory  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.advisories import can_withdraw_advisory  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.advisories import receives  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_add_corrective_action  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_archive_corrective_action  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_archive_exercise  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_change_corrective_action_status  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_create_exercise  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_deliver_inject  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_edit_corrective_action  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_edit_exercise  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_evaluate_exercise  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_plan_exercise  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_read_msel  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_transition_corrective_action  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import can_verify_corrective_action  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import leads_exercise  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.exercises import works_on_corrective_action  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import answers_for  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import can_acknowledge_incident_stage  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import can_archive_incident_report  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import can_change_incident_report_status  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import can_create_incident_report  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import can_edit_incident_report  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import can_open_risk_from_incident  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import can_request_incident_stage  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import can_submit_incident_stage  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import can_transition_incident_report  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import is_authority_coordinator  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.incidents import reports_for  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import acts_for_agreement  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_add_attachment  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_add_task  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_approve_agreement  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_approve_incident_plan  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_archive  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_archive_mitigation  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_comment  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_create_agreement  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_create_incident_plan  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_create_initiative  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_create_records  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_create_risk  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_create_working_group  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_download_reports  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_edit_agreement  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_edit_incident_plan  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_edit_initiative  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_edit_mitigation  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_edit_risk  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_edit_task  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_edit_working_group  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_manage_milestones  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_manage_organizations  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_manage_signatures  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_manage_users  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_read_red  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_record_paper  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_revise_incident_plan  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_sign  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_transition_agreement  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_transition_incident_plan  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_transition_initiative  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_update_mitigation_status  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_update_task_status  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import can_work_on  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import is_admin  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import participates  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.predicates import review_submitter_id  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.webhooks import OrganizationReader  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.webhooks import can_disable_webhook  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.webhooks import can_edit_webhook  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.webhooks import can_open_webhooks  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.webhooks import can_register_webhooks  # noqa: F401  -- re-exported: callers use permissions.can_*
from app.permissions.webhooks import visible_webhook_endpoints  # noqa: F401  -- re-exported: callers use permissions.can_*

__all__ = ["TLP", "authorize"]  # TLP is re-exported: the access core's vocabulary


def authorize(allowed: bool) -> None:
    if not allowed:
        raise Forbidden()


# --- The TLP scope builder -------------------------------------------------------------------
# Which kinds are shareable, their RED recipients and their participation rule (the models'
# participation_condition) come from the registry, app/kinds.py.


def amber_org_ids(user: User) -> list[int]:
    """TLP:AMBER reaches a participating organisation and its clients: the user's org and its parent."""
    ids = [user.organization_id]
    parent_id = user.organization.parent_id if user.organization else None
    if parent_id:
        ids.append(parent_id)
    return ids


def scope_key(user: User) -> tuple:
    """What a user's visible_* scopes are built from (id, role, organisations, whether the account is active)
    and the day (statements that compare with today): statements built from a user's scopes alone are the
    same for the same key."""
    return (user.id, user.role, user.organization_id, tuple(amber_org_ids(user)), bool(user.is_active), today())


T = TypeVar("T")
_SCOPED: dict[tuple, object] = {}
SCOPED_KEPT = 4096


def scoped_statements(name: str, user: User, build: Callable[[], T]) -> T:
    """build(), once per `name` and scope_key(user), then reused. For statements made from the user's scopes
    and today's date alone: SQLAlchemy keeps a statement's cache key with the statement, so a reused one is
    not built and walked again (on a dashboard that costs more than running its statements)."""
    key = (name, *scope_key(user))
    found = _SCOPED.get(key)
    if found is None:
        found = build()
        if len(_SCOPED) >= SCOPED_KEPT:
            _SCOPED.clear()
        _SCOPED[key] = found
    return found


def tlp_condition(model: type, user: User) -> sa.ColumnElement:
    """SQL condition: `user` may read rows of the shareable `model` (DESIGN.md's TLP table).

    The condition depends only on the model and on the user's id, role, organisation and that
    organisation's parent, so it is built once per such tuple and reused (SQL expressions are
    immutable); a change to any of them is a different key."""
    org_ids = amber_org_ids(user)
    return _tlp_condition(model, user.id, user.role, user.organization_id, tuple(org_ids))


@functools.lru_cache(maxsize=4096)
def _tlp_condition(model: type, user_id: int, role: Role, organization_id: int,
                   amber_ids: tuple[int, ...]) -> sa.ColumnElement:
    kind = kinds.by_model(model)
    is_red_reader = sa.or_(
        model.created_by_id == user_id,
        sa.exists().where(kind.recipient_key == model.id, kind.recipients.c.user_id == user_id),
    )
    red = sa.and_(model.tlp == TLP.RED, is_red_reader)
    if role is Role.ADMIN:
        return sa.or_(model.tlp != TLP.RED, red)
    return sa.or_(
        model.tlp.in_([TLP.CLEAR, TLP.GREEN]),
        sa.and_(model.tlp == TLP.AMBER, model.participation_condition(list(amber_ids))),
        sa.and_(model.tlp == TLP.AMBER_STRICT, model.participation_condition([organization_id])),
        red,
    )


def _visible(model: type, user: User | None) -> sa.Select:
    """The TLP rule; a kind whose editions are read by others than its label alone decides (an advisory:
    a draft by its authors only, a public edition by everyone) says so in `read_condition`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return sa.select(model).where(sa.false())
    condition = tlp_condition(model, user)
    read_condition = getattr(model, "read_condition", None)
    if read_condition is not None:
        condition = read_condition(condition, user.organization_id)
    return sa.select(model).where(condition)


def _restricted(model: type, user: User) -> sa.Select:
    """The records whose restricted edition `user` may read (the kinds with editions), else _visible."""
    restricted_condition = getattr(model, "restricted_condition", None)
    if restricted_condition is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _visible(model, user)
    return sa.select(model).where(restricted_condition(tlp_condition(model, user), user.organization_id))


def advisory_restricted_condition(user: User) -> sa.ColumnElement:
    """SQL condition: `user` may read the advisory's restricted edition (its authors; once released, whoever
    the TLP rule lets read it: authors and recipients take part)."""
    return Advisory.restricted_condition(tlp_condition(Advisory, user), user.organization_id)


def visible_advisories(user: User) -> sa.Select:
    """Advisories of which the user may read an edition: the restricted one, or the public one (TLP:CLEAR,
    every signed-in user) of a released advisory that has one."""
    return _visible(Advisory, user)


def visible_records(kind: kinds.RecordKind, user: User) -> sa.Select:
    """The records of `kind` the user may read: a shareable kind by its TLP label, any other kind by
    its parent's (tasks take their working group's visibility, mitigations their risk's; the parent
    is joined, so callers may filter on it)."""
    if kind.shareable:
        return _visible(kind.model, user)
    parent = kind.parent_kind
    return (sa.select(kind.model).join(getattr(kind.model, kind.parent))
            .where(kind.parent_key.in_(visible_records(parent, user).with_only_columns(parent.model.id))))


def readable_in_full(kind: kinds.RecordKind, user: User) -> sa.Select:
    """The records of `kind` whose whole text the user may read: for a kind read in editions (an advisory), the
    readers of its restricted edition (a public-edition reader is out of scope); for every other kind,
    visible_records. What discusses the text (comments) is read and written within this scope."""
    if kind.shareable and hasattr(kind.model, "restricted_condition"):
        return _restricted(kind.model, user)
    return visible_records(kind, user)


def visible_to_organization(kind: kinds.RecordKind, organization: Organization, *, in_full: bool = False) -> sa.Select:
    """The records of `kind` an organisation may read as a whole (a webhook's receiver): the TLP rule for
    any member of it; never TLP:RED, which names its readers one by one. `in_full`: only those whose whole
    text it reads (readable_in_full: an advisory's restricted edition, not its public one)."""
    reader = OrganizationReader(organization)
    return readable_in_full(kind, reader) if in_full else visible_records(kind, reader)


# Each kind's scope under the name its callers use (a task or a mitigation joins its parent).
visible_agreements = functools.partial(visible_records, kinds.BY_KEY["agreement"])
visible_initiatives = functools.partial(visible_records, kinds.BY_KEY["initiative"])
visible_working_groups = functools.partial(visible_records, kinds.BY_KEY["working_group"])
visible_tasks = functools.partial(visible_records, kinds.BY_KEY["task"])
visible_risks = functools.partial(visible_records, kinds.BY_KEY["risk"])
visible_mitigations = functools.partial(visible_records, kinds.BY_KEY["mitigation"])
visible_incident_plans = functools.partial(visible_records, kinds.BY_KEY["incident_plan"])
visible_incident_reports = functools.partial(visible_records, kinds.BY_KEY["incident_report"])
visible_exercises = functools.partial(visible_records, kinds.BY_KEY["exercise"])
visible_corrective_actions = functools.partial(visible_records, kinds.BY_KEY["corrective_action"])


def visible_organizations(user: User) -> sa.Select:
    """The partnership directory: every organisation is known to every signed-in user."""
    return sa.select(Organization).order_by(Organization.name)


def active_organizations(user: User) -> sa.Select:
    return visible_organizations(user).where(Organization.archived_at.is_(None))


def visible_users(user: User) -> sa.Select:
    """People a user may pick (members, assignees, RED recipients): active users of the partnership.

    Admins also see deactivated accounts (to manage them)."""
    stmt = sa.select(User).order_by(User.name)
    if user.role is not Role.ADMIN:
        stmt = stmt.where(User.active.is_(True))
    return stmt


def visible_documents(user: User, model: type | None = None, object_id: int | None = None) -> sa.Select:
    """Issued documents of records the user may read (optionally of one record)."""
    from app.models import Document

    models = [model] if model is not None else [kind.model for kind in kinds.shareable()]
    conditions = []
    for shareable in models:
        record_ids = _visible(shareable, user).with_only_columns(shareable.id)
        full_ids = _restricted(shareable, user).with_only_columns(shareable.id)
        if object_id is not None:
            record_ids = record_ids.where(shareable.id == object_id)
            full_ids = full_ids.where(shareable.id == object_id)
        # A record's TLP:CLEAR documents (an advisory's public edition) go to whoever reads the record;
        # its other documents only to the readers of its restricted text.
        readable = (Document.object_id.in_(full_ids) if not hasattr(shareable, "restricted_condition") else
                    sa.or_(Document.object_id.in_(full_ids),
                           sa.and_(Document.tlp == TLP.CLEAR, Document.object_id.in_(record_ids))))
        conditions.append(sa.and_(Document.object_type == shareable.__tablename__, readable))
    return sa.select(Document).where(sa.or_(*conditions))


def visible_peers(user: User) -> sa.Select:
    """TAXII peers: administrators only (they hold another server's token)."""
    from app.models import Peer

    stmt = sa.select(Peer).order_by(Peer.name)
    return stmt if is_admin(user) else stmt.where(sa.false())


def visible_render_jobs(user: User) -> sa.Select:
    """A reader's own document renders: nobody follows or downloads another reader's render."""
    from app.models import RenderJob

    return sa.select(RenderJob).where(RenderJob.user_id == user.id)


def visible_signature_requests(user: User) -> sa.Select:
    """Signature requests of agreements the user may read."""
    from app.models import SignatureRequest

    return (sa.select(SignatureRequest)
            .where(SignatureRequest.agreement_id.in_(visible_agreements(user).with_only_columns(Agreement.id))))
