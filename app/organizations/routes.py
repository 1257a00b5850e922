"""Organisation administration (admins): list, create, edit, archive, restore, delete unused."""
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import lifecycle
from app import listing
from app import permissions
from app import records
from app.extensions import db
from app.models import Organization
from app.models import OrganizationKind
from app.models import Sector
from app.models import User
from app.organizations import bp
from app.organizations import queries
from app.organizations import services
from app.organizations.forms import OrganizationForm


@bp.before_request
def admins_only():
    permissions.authorize(permissions.can_manage_organizations(current_user))


def get_visible_organization(organization_id: int) -> Organization:
    stmt = permissions.visible_organizations(current_user).where(Organization.id == organization_id)
    return db.first_or_404(stmt)


@bp.get("/")
def index():
    return listing.list_page(queries.list_statement(current_user, request.args), queries.CSV_COLUMNS,
                             "organizations.csv", "organizations/index.html",
                             page_context=lambda page: {"user_counts": services.user_counts([o.id for o in page.items])},
                             kinds=list(OrganizationKind), sectors=list(Sector))


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = OrganizationForm(organizations=services.organization_choices(current_user))
    if form.validate_on_submit():
        if services.name_taken(form.name.data):
            form.name.errors.append("An organisation with this name already exists.")
        else:
            org = services.create_organization(current_user, **form.model_data())
            return lifecycle.saved(f"Organisation {org.name} created.", url_for(".detail", organization_id=org.id))
    return render_template("organizations/form.html", form=form, organization=None)


@bp.get("/<int:organization_id>")
def detail(organization_id: int):
    org = get_visible_organization(organization_id)
    users = db.session.scalars(permissions.visible_users(current_user).where(User.organization_id == org.id)).all()
    return render_template("organizations/detail.html", organization=org, users=users,
                           usage=services.usage_count(org), events=records.history(org))


@bp.route("/<int:organization_id>/edit", methods=["GET", "POST"])
def edit(organization_id: int):
    org = get_visible_organization(organization_id)
    form = OrganizationForm(obj=org, organizations=services.organization_choices(current_user, org.parent),
                            current_id=org.id)
    if form.validate_on_submit():
        if services.name_taken(form.name.data, except_id=org.id):
            form.name.errors.append("An organisation with this name already exists.")
            return render_template("organizations/form.html", form=form, organization=org)
        try:
            with lifecycle.saving(org, form, url_for(".edit", organization_id=org.id)) as saved:
                services.update_organization(current_user, org, expected_version=form.expected_version(),
                                             **form.model_data())
        except ValueError as exc:
            form.parent_id.errors.append(str(exc))
        else:
            return lifecycle.saved_or_unchanged(saved.changed, "Organisation saved.")
    return render_template("organizations/form.html", form=form, organization=org)


@bp.post("/<int:organization_id>/archive", endpoint="archive")
@bp.post("/<int:organization_id>/restore", endpoint="restore")
def archive_or_restore(organization_id: int):
    org = get_visible_organization(organization_id)
    return lifecycle.archive_or_restore(org, services.archive_organization, org.name,
                                        note="Its records and users are kept.")


@bp.post("/<int:organization_id>/delete")
def delete(organization_id: int):
    org = get_visible_organization(organization_id)
    try:
        services.delete_organization(current_user, org)
    except services.OrganizationInUse as exc:
        flash(str(exc), "danger")
        return redirect(url_for(".detail", organization_id=org.id))
    return lifecycle.saved("Organisation deleted.", url_for(".index"))
