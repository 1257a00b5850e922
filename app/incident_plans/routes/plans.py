"""Plan list (search, filters, sort, CSV), detail, create, edit and history."""
import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import lifecycle, listing, permissions, records
from app.extensions import db
from app.incident_plans import bp, services
from app.incident_plans.forms import PlanForm, ReviseForm, StatusForm
from app.incident_plans.routes import get_visible_plan
from app.models import (
    TLP,
    IncidentPlan,
    Organization,
    PlanStatus,
    Sector,
    User,
    incident_plan_organizations,
    sector_filter,
    today,
)
from app.models.incident_plan import latest_review_date

SORTABLE = {"reference": IncidentPlan.reference, "title": IncidentPlan.title,
            "version": IncidentPlan.version_label, "status": IncidentPlan.status,
            "next_review": IncidentPlan.next_review_date, "updated": IncidentPlan.updated_at}



def _filtered(user: User) -> sa.Select:
    """The visible plans under the current ?q= and filters (unknown values are ignored)."""
    args = request.args
    stmt = permissions.visible_incident_plans(user)
    if args.get("archived") == "1":
        stmt = stmt.where(IncidentPlan.archived_at.is_not(None))
    else:
        stmt = stmt.where(IncidentPlan.archived_at.is_(None))
    stmt = listing.search(stmt, [IncidentPlan.reference, IncidentPlan.title, IncidentPlan.scope], args.get("q"))
    if args.get("status") in PlanStatus.__members__.values():
        stmt = stmt.where(IncidentPlan.status == PlanStatus(args["status"]))
    if args.get("tlp") in TLP.__members__.values():
        stmt = stmt.where(IncidentPlan.tlp == TLP(args["tlp"]))
    if args.get("sector") in Sector.__members__.values():
        stmt = stmt.where(sector_filter(IncidentPlan.sectors, args["sector"]))
    org_id = listing.int_arg("organization")
    if org_id is not None:
        stmt = stmt.where(sa.or_(
            IncidentPlan.owner_organization_id == org_id,
            sa.exists().where(incident_plan_organizations.c.incident_plan_id == IncidentPlan.id,
                              incident_plan_organizations.c.organization_id == org_id)))
    if args.get("review") == "due":
        stmt = stmt.where(IncidentPlan.status == PlanStatus.APPROVED, IncidentPlan.next_review_date < today())
    if args.get("versions") != "all":
        # The newest version of each reference among the matching rows (so ?status=approved still
        # finds the approved 1.0 while a 2.0 draft is being written).
        latest = (stmt.with_only_columns(sa.func.max(IncidentPlan.id)).group_by(IncidentPlan.reference)
                  .correlate(None))
        stmt = stmt.where(IncidentPlan.id.in_(latest))
    return stmt


CSV_COLUMNS = [
    ("Reference", lambda p: p.reference), ("Version", lambda p: p.version_label), ("Title", lambda p: p.title),
    ("Status", lambda p: p.status), ("TLP", lambda p: p.tlp), ("Owner", lambda p: p.owner_organization.name),
    ("Covered organisations", lambda p: [o.name for o in p.covered_organizations]),
    ("Sectors", lambda p: p.sectors), ("Approver", lambda p: p.approver.name if p.approver else ""),
    ("Approved at", lambda p: p.approved_at), ("Next review", lambda p: p.next_review_date),
    ("Review overdue", lambda p: p.is_review_due), ("Updated", lambda p: p.updated_at),
    ("Archived", lambda p: p.archived_at),
]


CONFLICT_FIELDS = [("title", "Title"), ("scope", "Mission and scope"), ("sectors", "Sectors"),
                   ("version_label", "Version"), ("tlp", "TLP label"), ("change_summary", "Change summary")]


@bp.get("/")
def index():
    stmt = listing.sort(_filtered(current_user), SORTABLE, "updated", "desc", tie_breaker=IncidentPlan.id.desc())
    stmt = stmt.options(selectinload(IncidentPlan.owner_organization))
    if listing.wants_csv():
        stmt = stmt.options(selectinload(IncidentPlan.covered_organizations),
                            selectinload(IncidentPlan.approver))
        return listing.csv_response(db.session.scalars(stmt).all(), CSV_COLUMNS, "incident-plans.csv")
    page = listing.paginate(stmt)
    organizations = db.session.scalars(permissions.active_organizations(current_user)).all()
    return render_template("incident_plans/index.html", page=page, organizations=organizations,
                           statuses=list(PlanStatus), tlps=list(TLP), sectors=list(Sector), args=request.args)


def _form_choices(owner_organization_id: int | None, creator_id: int | None) -> dict:
    return {"organizations": db.session.scalars(permissions.active_organizations(current_user)).all(),
            "users": db.session.scalars(permissions.visible_users(current_user)
                                        .options(selectinload(User.organization))).all(),
            "owner_organization_id": owner_organization_id, "creator_id": creator_id}


def _related(form: PlanForm) -> dict:
    """The chosen organisations and recipients, loaded from the same scopes as the choices."""
    org_ids, user_ids = form.covered_organization_ids.data or [], form.recipient_ids.data or []
    organizations = db.session.scalars(permissions.active_organizations(current_user)
                                       .where(Organization.id.in_(org_ids))).all() if org_ids else []
    users = db.session.scalars(permissions.visible_users(current_user).where(User.id.in_(user_ids))).all()
    return {"covered_organizations": list(organizations), "recipients": list(users)}


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_create_incident_plan(current_user))
    form = PlanForm(**_form_choices(current_user.organization_id, current_user.id))
    if form.validate_on_submit():
        plan = services.create_incident_plan(current_user, **form.model_data(
            exclude=("covered_organization_ids", "recipient_ids")), **_related(form))
        db.session.commit()
        flash(f"Plan {plan.reference} created as a draft. Add its sections and contacts next.", "success")
        return redirect(url_for(".detail", plan_id=plan.id))
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
    form = PlanForm(obj=plan, **_form_choices(plan.owner_organization_id, plan.created_by_id))
    if request.method == "GET":
        form.version.data = plan.version
        form.covered_organization_ids.data = [o.id for o in plan.covered_organizations]
        form.recipient_ids.data = [u.id for u in plan.recipients]
    if form.validate_on_submit():
        try:
            with lifecycle.saving(plan, form, url_for(".edit", plan_id=plan_id), fields=CONFLICT_FIELDS):
                services.update_incident_plan(current_user, plan, expected_version=form.expected_version(),
                                              **form.model_data(exclude=("covered_organization_ids", "recipient_ids")),
                                              **_related(form))
        except services.VersionLabelTaken as exc:
            form.version_label.errors = [str(exc)]
        else:
            flash("Plan saved.", "success")
            return redirect(url_for(".detail", plan_id=plan_id))
    return render_template("incident_plans/form.html", form=form, plan=plan)


@bp.get("/<int:plan_id>/history")
def history(plan_id: int):
    plan = get_visible_plan(plan_id)
    return render_template("incident_plans/history.html", plan=plan, events=records.history(plan))
