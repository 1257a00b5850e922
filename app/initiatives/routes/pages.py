"""Initiative record pages: create, detail, edit, history, health, status, archive and restore."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields import SelectChoice

from app import lifecycle
from app import permissions
from app import records
from app.extensions import db
from app.form_rows import apply_row_action
from app.initiatives import bp
from app.initiatives import services
from app.initiatives.forms import HealthForm
from app.initiatives.forms import InitiativeForm
from app.initiatives.forms import MilestoneForm
from app.initiatives.forms import TransitionForm
from app.initiatives.routes import get_visible_initiative
from app.models import Agreement
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import Risk
from app.models import User
from app.models import WorkingGroup
from app.shortcuts import prefill_from_query

# Button text per target status; "active" reads differently from proposed and from on hold.
TRANSITION_LABELS = {
    InitiativeStatus.ON_HOLD: "Put on hold",
    InitiativeStatus.COMPLETED: "Complete",
    InitiativeStatus.CANCELLED: "Cancel",
}


def transition_label(initiative: Initiative, target: InitiativeStatus) -> str:
    if target is InitiativeStatus.ACTIVE:
        return "Resume" if initiative.status is InitiativeStatus.ON_HOLD else "Start"
    return TRANSITION_LABELS.get(target, target.label)


def _visible_agreement(initiative: Initiative) -> Agreement | None:
    if initiative.agreement_id is None:
        return None
    return db.session.scalar(permissions.visible_agreements(current_user)
                             .where(Agreement.id == initiative.agreement_id))


def _form(initiative: Initiative | None = None) -> InitiativeForm:
    """The record form with choices from the user's scopes (plus what the record already holds)."""
    agreements = list(db.session.scalars(
        permissions.visible_agreements(current_user)
        .where(Agreement.archived_at.is_(None)).order_by(Agreement.reference)))
    organizations = list(db.session.scalars(permissions.active_organizations(current_user)))
    users = list(db.session.scalars(permissions.visible_users(current_user)
                                    .options(selectinload(User.organization))))
    if initiative is not None:
        # Keep links the record already has even if they would not be offered today (an archived
        # agreement or organisation), so saving an unrelated change does not silently drop them.
        agreement = _visible_agreement(initiative)
        if agreement is not None and agreement not in agreements:
            agreements.append(agreement)
        for org in [initiative.lead_organization, *initiative.participants]:
            if org not in organizations:
                organizations.append(org)
        for user in initiative.recipients:
            if user not in users:
                users.append(user)
    form = InitiativeForm(obj=initiative, agreements=agreements, organizations=organizations, users=users,
                          creator_id=initiative.created_by_id if initiative is not None else current_user.id)
    if initiative is not None and initiative.agreement_id and _visible_agreement(initiative) is None:
        # A link to an agreement this editor may not read: keep it without naming it.
        form.agreement_id.choices.append(
            SelectChoice(value=str(initiative.agreement_id), label="Restricted agreement"))
    return form


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_create_initiative(current_user))
    form = _form()
    if request.method == "GET":
        form.lead_organization_id.data = current_user.organization_id
        form.new_milestones.append_entry()
        prefill_from_query(form.agreement_id, "agreement")
    if apply_row_action(form):
        return render_template("initiatives/form.html", form=form, initiative=None)
    if form.validate_on_submit():
        try:
            initiative = services.create_initiative(current_user, recipients=form.recipients.chosen(),
                                                    **form.record_data())
            for row in form.milestone_rows():
                services.add_milestone(current_user, initiative, **row)
        except services.InitiativeError as exc:  # the form checks the same rules; this is the backstop
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            return lifecycle.saved(f"Initiative {initiative.reference} created.",
                                   url_for(".detail", initiative_id=initiative.id))
    return render_template("initiatives/form.html", form=form, initiative=None)


def render_detail(initiative: Initiative, *, health_form=None, milestone_form=None, edit_forms=None,
                  status: int = 200):
    """The detail page; forms with errors are passed back in to show them next to their fields."""
    if health_form is None:
        health_form = HealthForm(obj=initiative, formdata=None)
        health_form.version.data = initiative.version
    milestone_form = milestone_form or MilestoneForm(formdata=None)
    edit_forms = edit_forms or {}
    for milestone in initiative.milestones:
        edit_forms.setdefault(milestone.id, MilestoneForm(obj=milestone, formdata=None,
                                                          prefix=f"m{milestone.id}"))
    working_groups = db.session.scalars(
        permissions.visible_working_groups(current_user)
        .where(WorkingGroup.initiative_id == initiative.id, WorkingGroup.archived_at.is_(None))
        .order_by(WorkingGroup.name)).all()
    # Only risks this viewer may read: a restricted child never shows on the parent (AC-09).
    risks = db.session.scalars(
        permissions.visible_risks(current_user)
        .where(Risk.initiative_id == initiative.id, Risk.archived_at.is_(None))
        .order_by(Risk.reference)).all()
    transitions = [(target, transition_label(initiative, target))
                   for target in sorted(initiative.allowed_transitions(), key=list(InitiativeStatus).index)
                   if permissions.can_transition_initiative(current_user, initiative, target)]
    return render_template(
        "initiatives/detail.html", initiative=initiative, agreement=_visible_agreement(initiative),
        working_groups=working_groups, risks=risks, transitions=transitions, health_form=health_form,
        milestone_form=milestone_form, edit_forms=edit_forms, events=records.history(initiative, limit=10),
        can_edit=permissions.can_edit_initiative(current_user, initiative),
        can_milestones=permissions.can_manage_milestones(current_user, initiative),
    ), status


@bp.get("/<int:initiative_id>")
def detail(initiative_id: int):
    return render_detail(get_visible_initiative(initiative_id))


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
def edit(initiative_id: int):
    initiative = get_visible_initiative(initiative_id)
    permissions.authorize(permissions.can_edit_initiative(current_user, initiative))
    form = _form(initiative)
    if request.method == "GET":
        form.participant_ids.data = [o.id for o in initiative.participants]
        form.recipients.data = [u.id for u in initiative.recipients]
    if apply_row_action(form):
        return render_template("initiatives/form.html", form=form, initiative=initiative)
    if form.validate_on_submit():
        try:
            with lifecycle.saving(initiative, form, url_for(".edit", initiative_id=initiative.id)):
                changes = services.update_initiative(current_user, initiative, expected_version=form.expected_version(),
                                                     recipients=form.recipients.chosen(), **form.record_data())
                milestones = [services.add_milestone(current_user, initiative, **row) for row in form.milestone_rows()]
        except services.InitiativeError as exc:
            flash(str(exc), "danger")
        else:
            return lifecycle.saved_or_unchanged(changes or milestones, "Initiative saved.",
                                                url_for(".detail", initiative_id=initiative.id))
    return render_template("initiatives/form.html", form=form, initiative=initiative)


@bp.get("/<int:initiative_id>/history")
def history(initiative_id: int):
    return lifecycle.history_page("initiatives/history.html", initiative=get_visible_initiative(initiative_id))


@bp.post("/<int:initiative_id>/health")
def update_health(initiative_id: int):
    initiative = get_visible_initiative(initiative_id)
    permissions.authorize(permissions.can_edit_initiative(current_user, initiative))
    form = HealthForm()
    if not form.validate_on_submit():
        return render_detail(initiative, health_form=form, status=400)
    try:
        with lifecycle.saving(initiative, form, url_for(".detail", initiative_id=initiative.id)):
            changes = services.update_health(current_user, initiative, expected_version=form.expected_version(),
                                             health=form.health.data, health_reason=form.health_reason.data)
    except services.InitiativeError as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".detail", initiative_id=initiative.id))
    return lifecycle.saved_or_unchanged(changes, "Health updated.", url_for(".detail", initiative_id=initiative.id),
                                        unchanged="Health unchanged.")


@bp.post("/<int:initiative_id>/status")
def change_status(initiative_id: int):
    initiative = get_visible_initiative(initiative_id)
    permissions.authorize(permissions.can_transition_initiative(current_user, initiative))
    return lifecycle.change_status(initiative, TransitionForm(), services.transition_initiative,
                                   back=url_for(".detail", initiative_id=initiative_id), invalid="Unknown status.",
                                   done=lambda i: f"Initiative is now {i.status.label.lower()}.")


@bp.post("/<int:initiative_id>/archive", endpoint="archive")
@bp.post("/<int:initiative_id>/restore", endpoint="restore")
def archive_or_restore(initiative_id: int):
    return lifecycle.archive_or_restore(get_visible_initiative(initiative_id), services.archive_initiative)
