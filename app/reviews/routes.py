"""The review and versions panels of the agreement and plan pages (template globals; no URL of its own).
What a status change posts for its review step is read by reviews.services.review_input."""
from flask import request
from flask_login import current_user

from app import permissions
from app.extensions import db
from app.forms import ReviewStepForm
from app.models import Agreement
from app.models import ContentVersion
from app.models import IncidentPlan
from app.models import ReviewRequest
from app.reviews import bp
from app.reviews import content
from app.reviews import services


@bp.app_template_global()
def review_panel(record) -> dict:
    """What templates/reviews/_panel.html shows for an agreement or a plan."""
    status = record.status.value
    review = services.current_review(record) if status == services.IN_REVIEW else None
    may_move = (permissions.can_transition_agreement(current_user, record) if isinstance(record, Agreement)
                else permissions.can_transition_incident_plan(current_user, record))
    may_submit = may_move and status == "draft" and services.IN_REVIEW in {s.value for s in record.allowed_transitions()}
    last = services.last_review(record) if status == "draft" else None
    eligible = services.eligible_reviewers(record, current_user) if may_submit else []
    # Submitting again: the reviewers named last time are ticked (those who still may review it).
    named_before = {u.id for u in last.reviewers} & {u.id for u in eligible} if last else set()
    return {
        "review": review,
        "last": last,
        "may_submit": may_submit,
        "may_request_changes": may_move and status == services.IN_REVIEW,
        "eligible": eligible,
        "named_before": named_before,
        "since_sent_back": since_sent_back(record, review) if review is not None else None,
        "form": ReviewStepForm(formdata=None),
    }


def since_sent_back(record, review: ReviewRequest) -> dict | None:
    """The redline reviewers read on a resubmission: the content of the round sent back (changes
    requested, or changed during review) against what is submitted now."""
    if review.content_version is None:
        return None
    before = services.last_sent_back(record, review)
    if before is None:
        return None
    changes = content.compare(content.parts_of(before.content_version), content.parts_of(review.content_version))
    return {"round": before, "from": before.content_version, "to": review.content_version,
            "changes": [c for c in changes if c.status != "unchanged"]}


# --- Versions on the history pages -------------------------------------------------------------


def _related_plans(plan: IncidentPlan) -> dict[int, IncidentPlan]:
    """The versions of a plan's reference the reader may see (1.0, 2.0…), by id."""
    stmt = permissions.visible_incident_plans(current_user).where(IncidentPlan.reference == plan.reference)
    return {p.id: p for p in db.session.scalars(stmt)} | {plan.id: plan}


def _versions_of(record) -> tuple[list[ContentVersion], dict[int, str]]:
    """Every kept version the history page offers, newest first, and a name for each."""
    if isinstance(record, IncidentPlan):
        plans = _related_plans(record)  # the records in the reader's scope, then their versions
        versions = content.versions_of_records(record.__tablename__, list(plans))
        names = {v.id: f"Plan {plans[v.object_id].version_label}, edit {v.number}" for v in versions}
        return versions, names
    versions = content.versions(record)
    return versions, {v.id: f"Version {v.number}" for v in versions}


def _arg_id(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.app_template_global()
def versions_panel(record) -> dict:
    """What templates/reviews/_versions.html shows: the list, and two versions compared (?from=&to=,
    ContentVersion ids among those offered; by default the two latest of this record) or one shown
    (?show=)."""
    versions, names = _versions_of(record)
    by_id = {v.id: v for v in versions}
    own = [v for v in versions if v.object_id == record.id]
    chosen_from, chosen_to, shown = _arg_id("from"), _arg_id("to"), _arg_id("show")
    problem = ""
    if (chosen_from is not None and chosen_from not in by_id) or (chosen_to is not None and chosen_to not in by_id) \
            or (shown is not None and shown not in by_id):
        problem = "That version is not one of this record's versions you may read: the latest ones are shown."
        chosen_from = chosen_to = shown = None
    if chosen_to is None:
        chosen_to = own[0].id if own else None
    if chosen_from is None:
        chosen_from = own[1].id if len(own) > 1 else chosen_to
    compared = None
    if chosen_from is not None and chosen_to is not None and shown is None:
        older, newer = sorted((by_id[chosen_from], by_id[chosen_to]), key=lambda v: (v.created_at, v.id))
        changes = content.compare(content.parts_of(older), content.parts_of(newer))
        compared = {"from": older, "to": newer, "changes": [c for c in changes if c.status != "unchanged"],
                    "unchanged": sum(1 for c in changes if c.status == "unchanged")}
    return {"versions": versions, "names": names, "from_id": chosen_from, "to_id": chosen_to,
            "compared": compared, "shown": by_id.get(shown) if shown else None,
            "shown_parts": content.parts_of(by_id[shown]) if shown else [], "problem": problem,
            "long_parts": LONG_PARTS}


# Parts shown as rendered Markdown when a version is shown whole.
LONG_PARTS = ("summary", "terms", "scope", "activation_criteria", "severity_levels", "distribution_list",
              "change_summary")
