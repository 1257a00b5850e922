"""Advisory list, new (also from an incident report), detail, edit, history, and the PDF of the edition
the reader may have."""
from flask import abort
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import listing
from app import permissions
from app import records
from app.advisories import bp
from app.advisories import distribution
from app.advisories import queries
from app.advisories import services
from app.advisories.forms import AcknowledgeForm
from app.advisories.forms import AdvisoryForm
from app.advisories.forms import RiskFromRecordForm
from app.advisories.forms import TasksFromAdvisoryForm
from app.advisories.forms import WithdrawForm
from app.advisories.routes import form_choices
from app.advisories.routes import get_visible_advisory
from app.advisories.routes import mark_read
from app.advisories.routes import related
from app.extensions import db
from app.models import TLP
from app.models import Advisory as Adv
from app.models import AdvisoryKind
from app.models import AdvisoryStatus
from app.models import IncidentReport
from app.models import Sector
from app.models import Severity
from app.models import WorkingGroup


@bp.get("/")
def index():
    return listing.list_page(
        queries.list_advisories(current_user, queries.read_filters(request.args)), queries.CSV_COLUMNS,
        "advisories.csv", "advisories/index.html",
        page_context=lambda page: {"restricted": queries.restricted_ids(current_user, [a.id for a in page.items])},
        args=request.args, public_tlp=TLP.CLEAR, kinds=list(AdvisoryKind), statuses=list(AdvisoryStatus),
        severities=list(Severity), tlps=[t for t in TLP if t in services.ADVISORY_TLPS], sectors=list(Sector))


def _from_incident() -> IncidentReport | None:
    """?incident_id=N: the authority starts a draft from a report addressed to it (linked, nothing copied)."""
    incident_id = request.args.get("incident_id", type=int)
    if incident_id is None:
        return None
    report = db.first_or_404(permissions.visible_incident_reports(current_user)
                             .where(IncidentReport.id == incident_id))
    permissions.authorize(permissions.answers_for(current_user, report))
    return report


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_create_advisory(current_user))
    report = _from_incident()
    choices = form_choices()
    if report is not None and report.id not in {r.id for r in choices["incident_reports"]}:
        choices["incident_reports"].append(report)
    form = AdvisoryForm(**choices)
    if request.method == "GET" and report is not None:
        form.kind.data = AdvisoryKind.INCIDENT_SUMMARY
        form.incident_reports.data = [report.id]
    if form.validate_on_submit():
        with lifecycle.refusing(form, services.AdvisoryInputError):
            advisory = services.create_advisory(
                current_user, **form.model_data(exclude=("co_authors", "recipients", "risks", "incident_reports",
                                                         "agreements")), **related(form, choices))
            return lifecycle.saved(f"Advisory {advisory.reference} drafted. Submit it for approval when the "
                                   "co-authors agree on the text.", url_for(".detail", advisory_id=advisory.id))
    return lifecycle.form_page("advisories/form.html", form, advisory=None, report=report)


@bp.get("/<int:advisory_id>")
def detail(advisory_id: int):
    advisory = get_visible_advisory(advisory_id)
    restricted = queries.may_read_restricted(current_user, advisory)
    edition = "public" if (not restricted or request.args.get("edition") == "public") else "restricted"
    if edition == "public" and not advisory.has_public_edition:
        abort(404)
    authors = permissions.authors_for(current_user, advisory) or (
        restricted and current_user.organization_id in advisory.author_org_ids)
    own_ack = advisory.acknowledgement_of(current_user.organization_id)
    groups = []
    if permissions.can_act_on_advisory(current_user, advisory):
        groups = [g for g in db.session.scalars(permissions.visible_working_groups(current_user)
                                                .where(WorkingGroup.archived_at.is_(None)))
                  if permissions.can_add_task(current_user, g)]
    page = render_template(
        "advisories/detail.html", advisory=advisory, restricted=restricted, edition=edition, is_author=authors, public_tlp=TLP.CLEAR,
        links=_links(advisory) if restricted else None,
        counts=distribution.action_counts(advisory) if authors and advisory.is_released else None,
        own_actions=distribution.own_actions(current_user, advisory) if advisory.is_released else [],
        own_ack=own_ack,
        # The organisation's answer, as recorded: acknowledging again untouched changes nothing.
        ack_form=AcknowledgeForm(formdata=None, obj=own_ack), withdraw_form=WithdrawForm(formdata=None),
        risk_form=RiskFromRecordForm(formdata=None), tasks_form=TasksFromAdvisoryForm(formdata=None, groups=groups),
        events=records.history(advisory)[:10] if authors else [])
    if advisory.is_released:
        mark_read(advisory)
    return page


def _links(advisory: Adv) -> dict:
    """The linked records the reader may read (a link to something they may not see is not shown)."""
    from app.models import Agreement
    from app.models import Risk

    def visible(scope, model, rows):
        ids = [r.id for r in rows]
        return db.session.scalars(scope(current_user).where(model.id.in_(ids))).all() if ids else []

    return {"risks": visible(permissions.visible_risks, Risk, advisory.risks),
            "incident_reports": visible(permissions.visible_incident_reports, IncidentReport,
                                        advisory.incident_reports),
            "agreements": visible(permissions.visible_agreements, Agreement, advisory.agreements)}


@bp.route("/<int:advisory_id>/edit", methods=["GET", "POST"])
def edit(advisory_id: int):
    advisory = get_visible_advisory(advisory_id)
    permissions.authorize(permissions.can_edit_advisory(current_user, advisory))
    choices = form_choices(advisory)
    for name in ("risks", "incident_reports", "agreements"):  # links held stay offered (and kept)
        known = {r.id for r in choices[name]}
        choices[name] += [r for r in getattr(advisory, name) if r.id not in known]
    form = AdvisoryForm(obj=advisory, is_new=False, **choices)
    if request.method == "GET":
        form.co_authors.data = sorted(advisory.author_org_ids - {advisory.owner_organization_id})
        form.recipients.data = sorted(r.organization_id for r in advisory.distribution if r.sector is None)
        for name in ("risks", "incident_reports", "agreements"):
            getattr(form, name).data = [r.id for r in getattr(advisory, name)]
    if form.validate_on_submit():
        with lifecycle.refusing(form, services.AdvisoryInputError):
            with lifecycle.saving(advisory, form, url_for(".edit", advisory_id=advisory_id)) as saved:
                services.update_advisory(current_user, advisory, expected_version=form.expected_version(),
                                         **form.model_data(exclude=("co_authors", "recipients", "risks",
                                                                    "incident_reports", "agreements")),
                                         **related(form, choices))
            return lifecycle.saved_or_unchanged(saved.changed, "Advisory saved. Every co-author approves the text again.")
    return lifecycle.form_page("advisories/form.html", form, advisory=advisory, report=None)


@bp.get("/<int:advisory_id>/history")
def history(advisory_id: int):
    advisory = get_visible_advisory(advisory_id)
    permissions.authorize(current_user.organization_id in advisory.author_org_ids)
    return lifecycle.history_page("advisories/history.html", advisory=advisory)
