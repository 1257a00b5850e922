"""What recipients do with a released advisory: acknowledge it (received / acted / not applicable, with a
note; one row per organisation, updated in place) and turn it into action in one step (a risk in their own
register, or tasks in one of their working groups). Authors see counts; the details stay within each
organisation. Authorise first, flush, audit; never commit."""
import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app.extensions import db
from app.models import AcknowledgementStatus
from app.models import ActionKind
from app.models import Advisory
from app.models import AdvisoryAcknowledgement
from app.models import AdvisoryAction
from app.models import Risk
from app.models import Task
from app.models import User
from app.models import WorkingGroup
from app.models import utcnow

KIND = kinds.by_model(Advisory).key  # its audit actions' key (app/kinds.py)


def acknowledge(actor: User, advisory: Advisory, status: AcknowledgementStatus, note: str = "") -> bool:
    """Record (or change) the organisation's acknowledgement; False when nothing changed."""
    permissions.authorize(permissions.can_acknowledge_advisory(actor, advisory))
    status = AcknowledgementStatus(status)
    note = (note or "").strip()[:4000]
    row = advisory.acknowledgement_of(actor.organization_id)
    if row is not None and row.status is status and row.note == note:
        return False
    if row is None:
        row = AdvisoryAcknowledgement(organization_id=actor.organization_id, status=status)
        advisory.acknowledgements.append(row)
    row.status, row.note, row.by_id, row.at = status, note, actor.id, utcnow()
    db.session.flush()
    audit.record(actor, f"{KIND}.acknowledged", advisory,
                 summary=f"{actor.organization.name}: {status.label.lower()}")
    return True


def open_risk(actor: User, advisory: Advisory, **fields):
    """A risk in the actor's organisation's register, linked to the advisory; its text is the recipient's."""
    from app.risks import services as risks

    permissions.authorize(permissions.can_act_on_advisory(actor, advisory))
    risk = risks.create_risk(actor, **fields)
    db.session.add(AdvisoryAction(advisory_id=advisory.id, organization_id=actor.organization_id,
                                  kind=ActionKind.RISK, risk_id=risk.id, created_by_id=actor.id))
    db.session.flush()
    audit.record(actor, f"{KIND}.risk_opened", advisory, summary=f"{actor.organization.name} opened a risk")
    return risk


def add_tasks(actor: User, advisory: Advisory, group: WorkingGroup, titles: list[str], due_date=None) -> list:
    """One task per line in a working group the actor coordinates, each linked to the advisory."""
    from app.tasks import services as tasks

    permissions.authorize(permissions.can_act_on_advisory(actor, advisory) and permissions.can_add_task(actor, group))
    created = []
    for title in titles:
        task = tasks.create_task(actor, group, title=title, description=f"From advisory {advisory.reference}.",
                                 due_date=due_date)
        db.session.add(AdvisoryAction(advisory_id=advisory.id, organization_id=actor.organization_id,
                                      kind=ActionKind.TASK, task_id=task.id, created_by_id=actor.id))
        created.append(task)
    db.session.flush()
    audit.record(actor, f"{KIND}.tasks_added", advisory,
                 summary=f"{actor.organization.name} added {len(created)} task(s)")
    return created


def action_counts(advisory: Advisory) -> dict[str, int]:
    """{"risk": n, "task": n, "organisations": n}: what the authors see."""
    rows = db.session.execute(sa.select(AdvisoryAction.kind, sa.func.count())  # scoped: counts only
                              .where(AdvisoryAction.advisory_id == advisory.id).group_by(AdvisoryAction.kind)).all()
    orgs = db.session.scalar(sa.select(sa.func.count(sa.distinct(AdvisoryAction.organization_id)))
                             .where(AdvisoryAction.advisory_id == advisory.id))
    counts = {kind.value: 0 for kind in ActionKind}
    counts.update({kind.value: n for kind, n in rows})
    counts["organisations"] = orgs or 0
    return counts


def own_actions(user: User, advisory: Advisory) -> list[AdvisoryAction]:
    """The user's organisation's actions on the advisory, whose risk or task the user may read."""
    rows = db.session.scalars(sa.select(AdvisoryAction).where(  # scoped: the user's own organisation only
        AdvisoryAction.advisory_id == advisory.id, AdvisoryAction.organization_id == user.organization_id)
        .order_by(AdvisoryAction.id)).all()
    if not rows:
        return []
    risk_ids = set(db.session.scalars(permissions.visible_risks(user).with_only_columns(Risk.id)
                                      .where(Risk.id.in_([r.risk_id for r in rows if r.risk_id]))))
    task_ids = set(db.session.scalars(permissions.visible_tasks(user).with_only_columns(Task.id)
                                      .where(Task.id.in_([r.task_id for r in rows if r.task_id]))))
    return [r for r in rows if (r.risk_id in risk_ids) or (r.task_id in task_ids)]
