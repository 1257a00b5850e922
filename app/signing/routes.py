"""Signing pages: issue for signature, the signatory's page (sign or decline), paper evidence and the
executed PDF. Every load goes through visible_agreements (404 out of scope); the signatory checks are
in permissions.can_sign and the services."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import permissions
from app.attachments.sniff import Refused
from app.documents.services import KIND_EXECUTED
from app.documents.services import latest_issue
from app.extensions import client_address
from app.extensions import db
from app.models import Agreement
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import InvalidTransition
from app.models import SigningMode
from app.seal import SealingFailed
from app.signing import bp
from app.signing import paper
from app.signing import services
from app.signing import signatures
from app.signing.forms import DeclineForm
from app.signing.forms import PaperForm
from app.signing.forms import SignForm
from app.signing.forms import issue_form_class


def get_visible_agreement(agreement_id: int) -> Agreement:
    return db.first_or_404(
        permissions.visible_agreements(current_user).where(Agreement.id == agreement_id)
        .options(selectinload(Agreement.parties).selectinload(AgreementParty.organization)))


def _evidence() -> dict:
    return {"ip": client_address(), "user_agent": request.headers.get("User-Agent", "")}


@bp.route("/agreements/<int:agreement_id>/issue-for-signature", methods=["GET", "POST"])
def issue(agreement_id: int):
    agreement = get_visible_agreement(agreement_id)
    permissions.authorize(permissions.can_manage_signatures(current_user, agreement))
    if agreement.status is not AgreementStatus.APPROVED:
        flash("Only an approved agreement can be issued for signature.", "warning")
        return redirect(url_for("agreements.detail", agreement_id=agreement_id))
    parties = services.signing_parties(agreement)
    candidates = services.signatory_candidates(agreement)
    form = issue_form_class(parties, candidates)()
    if form.validate_on_submit():
        users = {u.id: u for group in candidates.values() for u in group}
        assignments = [services.Assignment(org_id, users.get(user_id) if user_id else None, title)
                       for org_id, user_id, title in form.assignments()]
        try:
            services.issue_for_signature(current_user, agreement, assignments, mode=form.mode.data,
                                         due_date=form.due_date.data)
        except (services.SigningError, InvalidTransition) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(f"Agreement {agreement.reference} is out for signature; the sealed PDF is issued.", "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement_id))
    return render_template("signing/issue.html", agreement=agreement, form=form, parties=parties,
                           modes=SigningMode)


def _sign_page(agreement: Agreement, sign_form=None, decline_form=None, status: int = 200):
    req = services.require_request(current_user, agreement)
    round_ = services.current_round(agreement)
    return render_template("signing/sign.html", agreement=agreement, req=req, round=round_,
                           turn=services.is_turn(req, round_), document=req.document,
                           sign_form=sign_form or SignForm(), decline_form=decline_form or DeclineForm(),
                           totp=current_user.totp_enabled), status


@bp.route("/agreements/<int:agreement_id>/sign", methods=["GET", "POST"])
def sign(agreement_id: int):
    agreement = get_visible_agreement(agreement_id)
    req = services.require_request(current_user, agreement)  # 403 unless a signatory of this round
    form = SignForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _sign_page(agreement, sign_form=form, status=200 if request.method == "GET" else 400)
    try:
        executed = signatures.sign(current_user, req, typed_name=form.typed_name.data, password=form.password.data,
                                 code=form.code.data or "", consent=form.consent.data,
                                 **_evidence())
    except signatures.Throttled:
        db.session.rollback()
        flash("Too many wrong passwords: wait a few minutes before you try again. Nothing was signed.", "danger")
        return _sign_page(agreement, sign_form=form, status=429)
    except services.SigningError as exc:
        db.session.commit()  # a 400 is rolled back at the edge: keep the failed password's audit row
        flash(str(exc), "danger")
        return _sign_page(agreement, sign_form=form, status=400)
    if executed is not None:
        flash(f"You signed {agreement.reference}. Every signature is in: the executed document is sealed "
              "and the agreement is active.", "success")
    else:
        flash(f"You signed {agreement.reference}. The other signatories are asked in turn.", "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement_id))


@bp.post("/agreements/<int:agreement_id>/decline")
def decline(agreement_id: int):
    agreement = get_visible_agreement(agreement_id)
    req = services.require_request(current_user, agreement)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _sign_page(agreement, decline_form=form, status=400)
    try:
        signatures.decline(current_user, req, reason=form.reason.data, **_evidence())
    except services.SigningError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _sign_page(agreement, decline_form=form, status=400)
    flash(f"You declined to sign {agreement.reference}; it is back in draft and the coordinator has your reason.",
          "success")
    return redirect(url_for("agreements.detail", agreement_id=agreement_id))


@bp.route("/agreements/<int:agreement_id>/paper", methods=["GET", "POST"])
def record_paper(agreement_id: int):
    """A party's paper countersignature: who signed by hand, as what and when, and the countersigned PDF
    (stored as an attachment, its SHA-256 is the evidence). ?request= (GET) or request_id (POST)."""
    agreement = get_visible_agreement(agreement_id)
    form = PaperForm()
    wanted = form.request_id.data if request.method == "POST" else request.args.get("request", "")
    permissions.authorize(permissions.can_record_paper(current_user, agreement))
    req = next((r for r in services.current_round(agreement) if str(r.id) == str(wanted) and r.is_paper), None)
    if req is None:
        flash("There is no paper signature to record here: choose it in the agreement's signatures.", "warning")
        return redirect(url_for("agreements.detail", agreement_id=agreement_id, _anchor="signatures"))
    permissions.authorize(permissions.can_record_paper(current_user, agreement, req))
    if request.method == "GET":
        form.request_id.data = str(req.id)
        if not form.signer_name.data:
            form.signer_name.data, form.signer_title.data = req.signatory_name, req.signatory_title
    elif form.validate_on_submit():
        signer = paper.PaperSigner(form.signer_name.data, form.signer_title.data or "", form.signed_on.data)
        try:
            executed = paper.record_paper_upload(current_user, req, form.file.data, signer, **_evidence())
        except (services.SigningError, Refused) as exc:
            db.session.rollback()
            form.form_errors.append(f"Nothing was recorded: {exc}")
        else:
            flash(f"The paper countersignature of {req.organization.name} is recorded; its coordinators are told."
                  + (" Every signature is in: the executed document is sealed and the agreement is active."
                     if executed is not None else ""), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement_id, _anchor="signatures"))
    status = 400 if request.method == "POST" else 200
    return render_template("signing/paper.html", agreement=agreement, req=req, form=form,
                           turn=services.is_turn(req, services.current_round(agreement))), status


@bp.app_errorhandler(SealingFailed)
def sealing_failed(error: SealingFailed):
    db.session.rollback()  # the issue, its status change and its requests are abandoned together
    return render_template("signing/seal_failed.html", error=error), 503


@bp.app_template_global("signing_panel")
def signing_panel(agreement: Agreement) -> dict:
    """What the agreement page shows about signatures: the round, whose turn, the executed document."""
    round_ = services.current_round(agreement)
    mine = next((r for r in round_ if r.signatory_id == current_user.id), None)
    return {"round": round_, "open": {r.id for r in services.open_requests(round_)}, "mine": mine,
            "executed": latest_issue(current_user, agreement, KIND_EXECUTED),
            "paper": {r.id for r in round_ if r.is_paper and permissions.can_record_paper(current_user, agreement, r)},
            "manage": permissions.can_manage_signatures(current_user, agreement)}


@bp.app_template_global("last_signature_decline")
def last_signature_decline(agreement: Agreement):
    """The decline that sent the agreement back to draft (the review panel shows its reason)."""
    return signatures.last_decline(agreement)


