"""The register, a risk's detail, create/edit, lifecycle, archive/restore, history."""
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from app import lifecycle
from app import listing
from app import permissions
from app import precompiled
from app.extensions import db
from app.forms import keep_restricted_choice
from app.forms import with_current
from app.kept import kept
from app.models import TLP
from app.models import Initiative
from app.models import Mitigation
from app.models import MitigationStatus
from app.models import RiskLevel
from app.models import RiskStatus
from app.models import Sector
from app.models import Treatment
from app.models import User
from app.risks import bp
from app.risks import heat_map
from app.risks import queries
from app.risks import services
from app.risks.forms import IMPACT_LABELS
from app.risks.forms import LIKELIHOOD_LABELS
from app.risks.forms import NOTE_MAX
from app.risks.forms import RiskForm
from app.risks.forms import RiskStatusForm
from app.risks.routes import get_visible_risk
from app.shortcuts import prefill_from_query
from app.template_helpers import select_options


def _initiatives(current: int | None = None) -> list[Initiative]:
    """Initiatives the user may link: visible and not archived (plus the one already linked)."""
    stmt = permissions.visible_initiatives(current_user).order_by(Initiative.reference)
    condition = Initiative.archived_at.is_(None)
    if current is not None:
        condition = condition | (Initiative.id == current)
    return db.session.scalars(stmt.where(condition)).all()


def _users() -> list[User]:
    return db.session.scalars(permissions.visible_users(current_user)
                              .options(selectinload(User.organization))).all()


@bp.get("/")
def index():
    filters = queries.read_filters(request.args)
    stmt = (queries.list_risks if listing.wants_csv() else queries.page_risks)(current_user, filters)
    return listing.list_page(stmt, queries.CSV_COLUMNS, "risks.csv",
                             "risks/index.html", csv_options=queries.CSV_OPTIONS, filters=filters,
                             page_context=lambda page: {"options": _filter_options(), "heat": _heat_map(filters),
                                                        "editions": queries.register_editions(current_user),
                                                        "mitigation_counts": queries.mitigation_counts(page.items)})


def _heat_map(filters: dict) -> dict:
    selected = (filters["likelihood"], filters["impact"]) if filters["likelihood"] and filters["impact"] else None
    return heat_map.heat_map(queries.heat_map_counts(filters), _cell_urls(), selected)


def _labelled(members) -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in members]


# The filters whose choices never change, once per process.
FIXED_OPTIONS = {
    "status": _labelled(RiskStatus), "level": _labelled(RiskLevel), "treatment": _labelled(Treatment),
    "sector": _labelled(Sector), "tlp": _labelled(TLP),
    "likelihood": [(str(n), f"{n} – {text}") for n, text in LIKELIHOOD_LABELS.items()],
    "impact": [(str(n), f"{n} – {text}") for n, text in IMPACT_LABELS.items()],
}


def _filter_options() -> dict:
    """The filters' choices. Those drawn from the database (the organisations; the initiatives, every visible
    one: a thousand at scale) are written as <option>s once per reader's scope and content generation (kept.py)."""
    return {**FIXED_OPTIONS, **kept("filter_options", current_user, _written_options)}


def _written_options() -> dict[str, Markup]:
    initiatives = precompiled.rows(permissions.scoped_statements("risk_initiative_options", current_user, lambda: (
        permissions.visible_initiatives(current_user).where(Initiative.archived_at.is_(None))
        .with_only_columns(Initiative.id, Initiative.reference, Initiative.title).order_by(Initiative.reference))))
    return {"organization": select_options(listing.organization_options(current_user), ""),
            "initiative": select_options(((id_, f"{reference} · {title}") for id_, reference, title in initiatives), "")}


_LIKELIHOOD, _IMPACT = "2147483646", "2147483645"  # placeholders: values no cell takes


def _cell_urls():
    """cell_url(likelihood, impact): the register filtered to one heat-map cell, keeping the other filters (not
    archived/paging). The URL is built once with placeholders and each cell's values put in their place."""
    args = {key: value for key, value in request.args.items()
            if key not in ("page", "archived", "format", "likelihood", "impact")}
    url = url_for(".index", **args, likelihood=_LIKELIHOOD, impact=_IMPACT)
    before, _, rest = url.partition(_LIKELIHOOD)
    middle, _, after = rest.partition(_IMPACT)
    if url.count(_LIKELIHOOD) != 1 or url.count(_IMPACT) != 1 or _IMPACT not in rest:  # a filter holds one
        return lambda likelihood, impact: url_for(".index", **args, likelihood=likelihood, impact=impact)
    return lambda likelihood, impact: f"{before}{likelihood}{middle}{impact}{after}"


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_create_risk(current_user))
    users = _users()
    form = RiskForm(initiatives=_initiatives(), users=users, creator_id=current_user.id)
    prefill_from_query(form.initiative_id, "initiative")
    if form.validate_on_submit():
        risk = services.create_risk(current_user, recipients=form.recipients.chosen(),
                                    **form.model_data(exclude=("recipients",)))
        return lifecycle.saved(f"Risk {risk.reference} created.", url_for(".detail", risk_id=risk.id))
    return render_template("risks/form.html", form=form, risk=None)


@bp.get("/<int:risk_id>")
def detail(risk_id: int):
    risk = get_visible_risk(risk_id)
    initiative = None
    if risk.initiative_id is not None:
        # AC-09: a linked initiative the reader may not see is not shown at all.
        initiative = db.session.scalar(permissions.visible_initiatives(current_user)
                                       .where(Initiative.id == risk.initiative_id))
    mitigations = db.session.scalars(
        permissions.visible_mitigations(current_user).where(Mitigation.risk_id == risk.id)
        .options(selectinload(Mitigation.assigned_organization), selectinload(Mitigation.assigned_user))
        .order_by(Mitigation.archived_at.is_not(None), Mitigation.due_date.is_(None), Mitigation.due_date,
                  Mitigation.id)).all()
    updatable = {m.id for m in mitigations if permissions.can_update_mitigation_status(current_user, m)}
    return render_template("risks/detail.html", risk=risk, initiative=initiative, mitigations=mitigations,
                           updatable=updatable, mitigation_statuses=list(MitigationStatus), note_max=NOTE_MAX,
                           events=services.risk_history(risk, limit=10),
                           likelihood_labels=LIKELIHOOD_LABELS, impact_labels=IMPACT_LABELS,
                           heat=heat_map.heat_map({}, markers=heat_map.position_markers(risk)))


@bp.route("/<int:risk_id>/edit", methods=["GET", "POST"])
def edit(risk_id: int):
    risk = get_visible_risk(risk_id)
    permissions.authorize(permissions.can_edit_risk(current_user, risk))
    users = with_current(_users(), risk.recipients)  # a deactivated recipient stays on an unchanged save
    form = RiskForm(obj=risk, initiatives=_initiatives(risk.initiative_id), users=users, creator_id=risk.created_by_id)
    # A linked initiative this editor may not read is not offered by name, but saving keeps it.
    keep_restricted_choice(form.initiative_id, risk.initiative_id, "The current initiative (restricted)")
    if request.method == "GET":
        form.recipients.data = [u.id for u in risk.recipients]
    if form.validate_on_submit():
        with lifecycle.saving(risk, form, url_for(".edit", risk_id=risk.id)):
            changes = services.update_risk(current_user, risk, expected_version=form.expected_version(),
                                           recipients=form.recipients.chosen(),
                                           **form.model_data(exclude=("recipients",)))
        return lifecycle.saved_or_unchanged(changes, "Risk saved.", url_for(".detail", risk_id=risk.id))
    return render_template("risks/form.html", form=form, risk=risk)


@bp.post("/<int:risk_id>/status")
def change_status(risk_id: int):
    risk = get_visible_risk(risk_id)
    permissions.authorize(permissions.can_edit_risk(current_user, risk))  # 403 before any form message
    return lifecycle.change_status(risk, RiskStatusForm(), services.transition_risk,
                                   back=url_for(".detail", risk_id=risk_id), invalid="Choose a valid status.",
                                   done=lambda r: f"Risk is now {r.status.label.lower()}.")


@bp.get("/<int:risk_id>/history")
def history(risk_id: int):
    risk = get_visible_risk(risk_id)
    return render_template("risks/history.html", risk=risk, events=services.risk_history(risk))


@bp.post("/<int:risk_id>/archive", endpoint="archive")
@bp.post("/<int:risk_id>/restore", endpoint="restore")
def archive_or_restore(risk_id: int):
    return lifecycle.archive_or_restore(get_visible_risk(risk_id), services.archive_risk)
