"""Plan list (search, filters, sort, CSV), detail, create, edit and history."""
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import lifecycle
from app import listing
from app import permissions
from app import records
from app.extensions import db
from app.forms import with_current
from app.incident_plans import bp
from app.incident_plans import queries
from app.incident_plans import services
from app.incident_plans.forms import PlanForm
from app.incident_plans.forms import ReviseForm
from app.incident_plans.forms import StatusForm
from app.incident_plans.routes import get_visible_plan
from app.models import TLP
from app.models import IncidentPlan
from app.models import PlanStatus
from app.models import Sector
from app.models import User
from app.models import today
from app.models.incident_plan import latest_review_date


@bp.get("/")
def index():
    return listing.list_page(
        queries.list_incident_plans(current_user, queries.read_filters(request.args)), queries.CSV_COLUMNS,
        "incident-plans.csv", "incident_plans/index.html",
        csv_options=(selectinload(IncidentPlan.covered_organizations), selectinload(IncidentPlan.approver)),
        statuses=list(PlanStatus), tlps=list(TLP), sectors=list(Sector), args=request.args,
        page_context=lambda page: {"org_choices": listing.organization_options(current_user, short=True)})


def _form_choices(owner_organization_id: int | None, creator_id: int | None, plan: IncidentPlan | None = None) -> dict:
    """Active organisations and visible people, plus those the plan already holds (an archived
    organisation, a deactivated recipient), so that an unchanged save keeps them."""
    organizations = db.session.scalars(permissions.active_organizations(current_user))
    users = db.session.scalars(permissions.visible_users(current_user).options(selectinload(User.organization)))
    return {"organizations": with_current(organizations, plan.covered_organizations if plan else []),
            "users": with_current(users, plan.recipients if plan else []),
            "owner_organization_id": owner_organization_id, "creator_id": creator_id}


def _related(form: PlanForm) -> dict:
    """The chosen organisations and recipients, from the records behind the choices (ids were validated)."""
    org_ids = set(form.covered_organization_ids.data or [])
    return {"covered_organizations": [o for o in form.organization_records if o.id in org_ids],
            "recipients": form.recipients.chosen()}


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_create_incident_plan(current_user))
    form = PlanForm(**_form_choices(current_user.organization_id, current_user.id))
    if form.validate_on_submit():
        plan = services.create_incident_plan(current_user, **form.model_data(
            exclude=("covered_organization_ids", "recipients")), **_related(form))
        return lifecycle.saved(f"Plan {plan.reference} created as a draft. Add its sections and contacts next.",
                               url_for(".detail", plan_id=plan.id))
    return render_template("incident_plans/form.html", form=form, plan=None)


@bp.get("/<int:plan_id>")
def detail(plan_id: int):
    plan = get_visible_plan(plan_id, selectinload(IncidentPlan.sections), selectinload(IncidentPlan.contacts),
                            selectinload(IncidentPlan.covered_organizations), selectinload(IncidentPlan.recipients))
    versions = db.session.scalars(permissions.visible_incident_plans(current_user)
                                  .where(IncidentPlan.reference == plan.reference)
                                  .order_by(IncidentPlan.id)).all()
    previous = next((v for v in versions if v.id == plan.previous_version_id), None)
    status_form = StatusForm(formdata=None, next_review_date=latest_review_date(today()), version=plan.version)
    return render_template("incident_plans/detail.html", plan=plan, versions=versions, previous=previous,
                           events=records.history(plan)[:10], status_form=status_form,
                           revise_form=ReviseForm(formdata=None),
                           max_review=latest_review_date(today()), tiers=_contacts_by_tier(plan))


def _contacts_by_tier(plan: IncidentPlan) -> list[tuple[int, list]]:
    tiers = sorted({c.escalation_tier for c in plan.contacts})
    return [(tier, [c for c in plan.contacts if c.escalation_tier == tier]) for tier in tiers]


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
def edit(plan_id: int):
    plan = get_visible_plan(plan_id)
    services.authorize_content_change(current_user, plan)
    form = PlanForm(obj=plan, **_form_choices(plan.owner_organization_id, plan.created_by_id, plan))
    if request.method == "GET":
        form.covered_organization_ids.data = [o.id for o in plan.covered_organizations]
        form.recipients.data = [u.id for u in plan.recipients]
    if form.validate_on_submit():
        try:
            with lifecycle.saving(plan, form, url_for(".edit", plan_id=plan_id)) as saved:
                services.update_incident_plan(current_user, plan, expected_version=form.expected_version(),
                                              **form.model_data(exclude=("covered_organization_ids", "recipients")),
                                              **_related(form))
        except services.VersionLabelTaken as exc:
            form.version_label.errors = [str(exc)]
        else:
            return lifecycle.saved_or_unchanged(saved.changed, "Plan saved.")
    return render_template("incident_plans/form.html", form=form, plan=plan)


@bp.get("/<int:plan_id>/history")
def history(plan_id: int):
    return lifecycle.history_page("incident_plans/history.html", plan=get_visible_plan(plan_id))
