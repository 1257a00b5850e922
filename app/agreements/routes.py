"""Agreement pages: list (+CSV), detail, create, edit, history, lifecycle, archive and restore.

Every load goes through get_visible_agreement(): an agreement out of the user's scope is 404 on
every sub-route; in scope but not allowed is 403 (checked here and again in the services).
"""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import lifecycle
from app import listing
from app import permissions
from app import records
from app.agreements import bp
from app.agreements import queries
from app.agreements import services
from app.agreements.forms import AgreementForm
from app.agreements.forms import AgreementStatusForm
from app.extensions import db
from app.form_rows import apply_row_action
from app.forms import ReviewStepForm
from app.forms import with_current
from app.initiatives import services as initiative_services
from app.models import SIGNING_STEPS
from app.models import TLP
from app.models import Agreement
from app.models import AgreementKind
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import Initiative
from app.models import Organization
from app.models import Sector
from app.models import User
from app.reviews import services as reviews


def get_visible_agreement(agreement_id: int) -> Agreement:
    stmt = (permissions.visible_agreements(current_user).where(Agreement.id == agreement_id)
            .options(selectinload(Agreement.parties).selectinload(AgreementParty.organization),
                     selectinload(Agreement.recipients), selectinload(Agreement.owner_organization)))
    return db.first_or_404(stmt)


def _organization_choices(agreement: Agreement | None = None) -> list[Organization]:
    """Active organisations, plus any current party (so an archived party can stay on an edit)."""
    orgs = list(db.session.scalars(permissions.active_organizations(current_user)))
    if agreement is not None:
        known = {o.id for o in orgs}
        orgs += [p.organization for p in agreement.parties if p.organization_id not in known]
    return orgs


def _user_choices(agreement: Agreement | None = None) -> list[User]:
    """Visible people, plus the current recipients (a deactivated one stays on an unchanged save)."""
    users = db.session.scalars(permissions.visible_users(current_user).options(selectinload(User.organization)))
    return with_current(users, agreement.recipients if agreement is not None else [])


def _chosen_recipients(form: AgreementForm) -> list[User]:
    """An agreement names recipients only while it is TLP:RED."""
    return form.recipients.chosen() if form.tlp.data is TLP.RED else []


def _build_form(agreement: Agreement | None = None) -> AgreementForm:
    form = AgreementForm(obj=agreement, organizations=_organization_choices(agreement),
                         users=_user_choices(agreement),
                         creator_id=agreement.created_by_id if agreement is not None else current_user.id)
    if request.method == "GET":
        if agreement is not None:
            form.recipients.data = [u.id for u in agreement.recipients]
        form.add_blank_parties()
    return form


@bp.get("/")
def index():
    filters = queries.read_filters(request.args)
    return listing.list_page(
        queries.list_agreements(current_user, filters), queries.CSV_COLUMNS, "agreements.csv", "agreements/index.html",
        csv_options=queries.RECORD_OPTIONS, filters=filters, status_options=AgreementStatus.choices(),
        kind_options=AgreementKind.choices(), sector_options=Sector.choices(), tlp_options=TLP.choices(),
        page_context=lambda page: {"parties": queries.party_names(page),
                                   "organization_options": listing.organization_options(current_user)})


@bp.route("/new", methods=["GET", "POST"])
def create():
    permissions.authorize(permissions.can_create_agreement(current_user))
    form = _build_form()
    initiative = _initiative_to_link()
    if apply_row_action(form):  # "Add another party" / "Remove" without JavaScript: redraw only
        form.add_blank_parties(0)
        return render_template("agreements/form.html", form=form, agreement=None, initiative=initiative)
    if form.validate_on_submit():
        try:
            agreement = services.create_agreement(current_user, parties=form.party_rows(),
                                                  recipients=_chosen_recipients(form), **form.record_fields())
        except services.PartyError as exc:
            db.session.rollback()
            form.parties.errors.append(str(exc))
        else:
            if initiative is not None:
                initiative_services.link_agreement(current_user, initiative, agreement)
            return lifecycle.saved(f"Agreement {agreement.reference} created as a draft"
                                   + (f" for initiative {initiative.reference}." if initiative is not None else "."),
                                   url_for(".detail", agreement_id=agreement.id))
    return render_template("agreements/form.html", form=form, agreement=None, initiative=initiative)


def _initiative_to_link() -> Initiative | None:
    """?initiative=<id> from an initiative's page: one the user may edit that has no agreement yet."""
    initiative_id = request.args.get("initiative", type=int)
    if initiative_id is None:
        return None
    initiative = db.session.scalar(permissions.visible_initiatives(current_user)
                                   .where(Initiative.id == initiative_id))
    if initiative is None or initiative.agreement_id is not None \
            or not permissions.can_edit_initiative(current_user, initiative):
        return None
    return initiative


@bp.get("/<int:agreement_id>")
def detail(agreement_id: int):
    agreement = get_visible_agreement(agreement_id)
    initiatives = db.session.scalars(
        permissions.visible_initiatives(current_user)
        .where(Initiative.agreement_id == agreement.id, Initiative.archived_at.is_(None))
        .options(selectinload(Initiative.lead_organization))
        .order_by(Initiative.title)).all()
    return render_template("agreements/detail.html", agreement=agreement, initiatives=initiatives,
                           events=records.history(agreement, limit=10))


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
def edit(agreement_id: int):
    agreement = get_visible_agreement(agreement_id)
    permissions.authorize(permissions.can_edit_agreement(current_user, agreement))
    form = _build_form(agreement)
    if apply_row_action(form):
        form.add_blank_parties(0)
        return render_template("agreements/form.html", form=form, agreement=agreement)
    if form.validate_on_submit():
        was_in_review = agreement.status is AgreementStatus.IN_REVIEW
        try:
            with lifecycle.saving(agreement, form, url_for(".edit", agreement_id=agreement_id)) as saved:
                services.update_agreement(current_user, agreement, expected_version=form.expected_version(),
                                          parties=form.party_rows(), recipients=_chosen_recipients(form),
                                          **form.record_fields())
        except services.PartyError as exc:
            form.parties.errors.append(str(exc))
        else:
            if was_in_review and agreement.status is AgreementStatus.DRAFT:
                flash("Agreement saved. Its content changed during review, so it is back in draft: whoever "
                      "submitted it and the reviewers were told. Submit it again for review.", "warning")
                return redirect(url_for(".detail", agreement_id=agreement_id))
            return lifecycle.saved_or_unchanged(saved.changed, "Agreement saved.")
    return render_template("agreements/form.html", form=form, agreement=agreement)


@bp.get("/<int:agreement_id>/history")
def history(agreement_id: int):
    return lifecycle.history_page("agreements/history.html", agreement=get_visible_agreement(agreement_id))


@bp.post("/<int:agreement_id>/status")
def change_status(agreement_id: int):
    agreement = get_visible_agreement(agreement_id)
    permissions.authorize(permissions.can_transition_agreement(current_user, agreement))
    back = url_for(".detail", agreement_id=agreement_id)
    requested = next((s for s in AgreementStatus if s.value == request.form.get("new_status")), None)
    if requested is AgreementStatus.OUT_FOR_SIGNATURE:
        flash("Choose the signatories first: issuing for signature creates their requests.", "info")
        return redirect(url_for("signing.issue", agreement_id=agreement_id))
    if (agreement.status, requested) in SIGNING_STEPS:
        flash("An agreement out for signature becomes active when the last signature is in, and goes back to "
              "draft only when a signatory declines.", "danger")
        return redirect(back)
    return lifecycle.change_status(
        agreement, AgreementStatusForm(),
        lambda actor, a, status: services.transition_agreement(actor, a, status,
                                                               **reviews.review_input(actor, ReviewStepForm())),
        back=back, invalid="Unknown status: nothing was changed.",
        done=lambda a: f"Agreement {a.reference} is now {a.status.label.lower()}.")


@bp.post("/<int:agreement_id>/archive", endpoint="archive")
@bp.post("/<int:agreement_id>/restore", endpoint="restore")
def archive_or_restore(agreement_id: int):
    return lifecycle.archive_or_restore(get_visible_agreement(agreement_id), services.archive_agreement)
