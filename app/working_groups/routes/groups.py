"""The working group itself: list, create, detail, edit, history, close/reopen, archive/restore."""
import sqlalchemy as sa
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields import SelectChoice

from app import lifecycle
from app import listing
from app import permissions
from app import records
from app.extensions import db
from app.forms import with_current
from app.kept import kept
from app.models import TLP
from app.models import Initiative
from app.models import MemberRole
from app.models import Task
from app.models import TaskStatus
from app.models import User
from app.models import WorkingGroup
from app.models import WorkingGroupStatus
from app.shortcuts import prefill_from_query
from app.template_helpers import select_options
from app.working_groups import bp
from app.working_groups import queries
from app.working_groups import services
from app.working_groups.forms import AddMemberForm
from app.working_groups.forms import WorkingGroupForm
from app.working_groups.forms import WorkingGroupStatusForm
from app.working_groups.routes import get_visible_working_group

CSV_COLUMNS = [
    ("Reference", lambda g: g.reference),
    ("Name", lambda g: g.name),
    ("Status", lambda g: g.status),
    ("TLP", lambda g: g.tlp),
    ("Initiative", lambda g: g.initiative_label),
    ("Owner organisation", lambda g: g.owner_organization.name),
    ("Members", lambda g: len(g.memberships)),
    ("Archived", lambda g: g.archived_at),
    ("Created", lambda g: g.created_at),
    ("Updated", lambda g: g.updated_at),
]


def _label_initiatives(user, groups, visible: set[int] | None = None) -> None:
    """Name each group's initiative only where the user may read it (AC-09: never leak its title); `visible`:
    the ids of the initiatives the user may read, when known."""
    if visible is None:
        visible = queries.visible_initiative_ids(user, [g.initiative_id for g in groups])
    for group in groups:
        group.initiative_visible = group.initiative_id in visible
        group.initiative_label = (f"{group.initiative.reference} · {group.initiative.title}"
                                  if group.initiative_visible else "")


@bp.get("/")
def index():
    stmt = queries.list_working_groups(current_user, queries.read_filters(request.args))
    if listing.wants_csv():
        groups = db.session.scalars(stmt.options(selectinload(WorkingGroup.memberships))).all()
        _label_initiatives(current_user, groups)
        return listing.csv_response(groups, CSV_COLUMNS, "working-groups.csv")
    page = listing.paginate(stmt)
    filters = kept("group_list_filters", current_user, _filters)
    _label_initiatives(current_user, page.items, filters["visible_initiatives"])
    return render_template("working_groups/index.html", page=page, filters=filters, args=request.args,
                           counts=queries.task_counts([g.id for g in page.items]),
                           members=queries.member_counts([g.id for g in page.items], current_user.id),
                           statuses=WorkingGroupStatus, tlps=TLP)


def _filters() -> dict:
    """The filters' <option>s (the initiatives: every visible one, a thousand at scale) and the ids of the
    initiatives the reader may read (the rows' labels), once per reader's scope and content generation
    (app/kept.py)."""
    initiatives = queries.initiative_rows(current_user)
    return {"visible_initiatives": frozenset(id_ for id_, *_ in initiatives),
            "initiatives": select_options(((id_, f"{reference} · {title}")
                                           for id_, reference, title, archived_at in initiatives
                                           if archived_at is None), ""),
            "organizations": select_options(listing.organization_options(current_user, short=True), "")}


def _initiative_choices(group: WorkingGroup | None) -> list[SelectChoice]:
    """Visible, unarchived initiatives; plus the group's current one so that saving keeps it."""
    rows = db.session.scalars(permissions.visible_initiatives(current_user)
                              .where(Initiative.archived_at.is_(None)).order_by(Initiative.title)).all()
    choices = [SelectChoice(str(i.id), f"{i.reference} · {i.title}") for i in rows]
    if group is not None and group.initiative_id and group.initiative_id not in {i.id for i in rows}:
        visible = queries.visible_initiative_ids(current_user, [group.initiative_id])
        label = (f"{group.initiative.reference} · {group.initiative.title} (archived)"
                 if group.initiative_id in visible else "The current initiative (restricted)")
        choices.append(SelectChoice(str(group.initiative_id), label))
    return [SelectChoice("", "— None —"), *choices]


def _build_form(group: WorkingGroup | None = None) -> WorkingGroupForm:
    users = with_current(db.session.scalars(permissions.visible_users(current_user).options(
        selectinload(User.organization))), group.recipients if group is not None else [])
    creator_id = group.created_by_id if group is not None else current_user.id
    form = WorkingGroupForm(obj=group if request.method == "GET" else None, users=users, creator_id=creator_id,
                            initiative_choices=_initiative_choices(group))
    if group is not None and request.method == "GET":
        form.recipients.data = [u.id for u in group.recipients]
    return form


def _form_values(form: WorkingGroupForm, group: WorkingGroup | None) -> dict:
    """Turn validated ids back into records, through the same scopes as the choices."""
    initiative = None
    if form.initiative_id.data is not None:
        if group is not None and form.initiative_id.data == group.initiative_id:
            initiative = group.initiative
        else:
            initiative = db.first_or_404(permissions.visible_initiatives(current_user)
                                         .where(Initiative.id == form.initiative_id.data))
    return {"name": form.name.data, "charter": form.charter.data or "", "initiative": initiative,
            "tlp": form.tlp.data, "recipients": form.recipients.chosen()}


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_create_working_group(current_user))
    form = _build_form()
    prefill_from_query(form.initiative_id, "initiative")
    if form.validate_on_submit():
        group = services.create_working_group(current_user, **_form_values(form, None))
        return lifecycle.saved(f"Working group {group.reference} created. You are its chair.",
                               url_for(".detail", working_group_id=group.id))
    return lifecycle.form_page("working_groups/form.html", form, group=None)


def render_detail(group: WorkingGroup, member_form: AddMemberForm | None = None, status: int = 200):
    """The detail page; also re-rendered with a failing add-member form (400)."""
    memberships = sorted(group.memberships,
                         key=lambda m: (list(MemberRole).index(m.role), m.user.name.lower()))
    tasks = db.session.scalars(
        permissions.visible_tasks(current_user)
        .where(Task.working_group_id == group.id, Task.archived_at.is_(None))
        .options(selectinload(Task.assignee))
        .order_by(sa.case((Task.status == TaskStatus.DONE, 1), else_=0), Task.due_date.is_(None),
                  Task.due_date, Task.id)).all()
    can_manage = permissions.can_edit_working_group(current_user, group)
    if member_form is None and can_manage:
        member_form = AddMemberForm(formdata=None, users=candidate_members(group))
    archived = (permissions.visible_tasks(current_user)
                .where(Task.working_group_id == group.id, Task.archived_at.is_not(None)).subquery())
    archived_tasks = db.session.scalar(sa.select(sa.func.count()).select_from(archived))  # scoped: visible_tasks
    _label_initiatives(current_user, [group])
    return render_template(
        "working_groups/detail.html", group=group, memberships=memberships, tasks=tasks,
        member_form=member_form, can_manage=can_manage, roles=MemberRole, archived_tasks=archived_tasks,
        open_counts={m.user_id: sum(1 for t in tasks if t.assignee_id == m.user_id and t.is_open)
                     for m in memberships},
        events=records.history(group, limit=10)), status


def candidate_members(group: WorkingGroup) -> list[User]:
    members = group.member_ids()
    return [u for u in db.session.scalars(permissions.visible_users(current_user).where(User.active.is_(True))
                                          .options(selectinload(User.organization)))
            if u.id not in members]


@bp.get("/<int:working_group_id>")
def detail(working_group_id: int):
    return render_detail(get_visible_working_group(working_group_id))


@bp.route("/<int:working_group_id>/edit", methods=["GET", "POST"])
def edit(working_group_id: int):
    group = get_visible_working_group(working_group_id)
    permissions.authorize(permissions.can_edit_working_group(current_user, group))
    form = _build_form(group)
    if form.validate_on_submit():
        with lifecycle.saving(group, form, url_for(".edit", working_group_id=group.id)):
            changes = services.update_working_group(current_user, group, expected_version=form.expected_version(),
                                                    **_form_values(form, group))
        return lifecycle.saved_or_unchanged(changes, "Working group saved.")
    return lifecycle.form_page("working_groups/form.html", form, group=group)


@bp.get("/<int:working_group_id>/history")
def history(working_group_id: int):
    return lifecycle.history_page("working_groups/history.html", group=get_visible_working_group(working_group_id))


@bp.post("/<int:working_group_id>/status")
def change_status(working_group_id: int):
    group = get_visible_working_group(working_group_id)
    permissions.authorize(permissions.can_edit_working_group(current_user, group))
    return lifecycle.change_status(
        group, WorkingGroupStatusForm(), services.transition_working_group, invalid=400,
        back=url_for(".detail", working_group_id=working_group_id),
        done=lambda g: "Working group closed." if g.status is WorkingGroupStatus.CLOSED else "Working group reopened.")


@bp.post("/<int:working_group_id>/archive", endpoint="archive")
@bp.post("/<int:working_group_id>/restore", endpoint="restore")
def archive_or_restore(working_group_id: int):
    return lifecycle.archive_or_restore(get_visible_working_group(working_group_id), services.archive_working_group,
                                        note="Its tasks are hidden from task lists until it is restored.")
