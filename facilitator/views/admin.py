"""Host-organization admins: groups, people and roles, training types, settings."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import url_for
from werkzeug import Response
from wtforms.fields.choices import SelectChoice

from facilitator import clock
from facilitator.db import get_session
from facilitator.domain.timezones import timezone_choices
from facilitator.forms import ConfirmForm
from facilitator.forms import GroupForm
from facilitator.forms import OrganizationForm
from facilitator.forms import PersonForm
from facilitator.forms import PersonRolesForm
from facilitator.forms import TrainingTypeForm
from facilitator.forms import options
from facilitator.models import Group
from facilitator.models import Role
from facilitator.models import TrainingType
from facilitator.models import User
from facilitator.security import get_group_for
from facilitator.security import get_org_for
from facilitator.services import ServiceError
from facilitator.services import accounts
from facilitator.services import organizations
from facilitator.services import training
from facilitator.urls import absolute_url
from facilitator.views import commit
from facilitator.views import show_error
from facilitator.views.auth import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin/<org_slug>")


@bp.url_defaults
def add_org_slug(endpoint: str, values: dict) -> None:
    if g.get("org") is not None:
        values.setdefault("org_slug", g.org.slug)


@bp.url_value_preprocessor
def pull_org_slug(_endpoint: str | None, values: dict | None) -> None:
    g.org_slug = (values or {}).pop("org_slug", None)
    g.org = None


@bp.before_request
@login_required
def load_org() -> None:
    """Every page here is for the org's admins; anyone else gets 404."""
    g.org = get_org_for(get_session(), g.user, g.org_slug, [Role.ADMIN])


def _group_choices() -> list[SelectChoice]:
    return options((group.id, group.name) for group in g.org.groups)


@bp.get("/")
def overview() -> str:
    people = accounts.people_of(get_session(), g.org)
    return render_template("admin/overview.html", org=g.org, people=people, Role=Role)


@bp.route("/groups/new", methods=["GET", "POST"])
def new_group() -> str | Response:
    session = get_session()
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = organizations.create_group(session, g.user, g.org, **form.values())
        except ServiceError as error:
            session.rollback()
            show_error(form, error)
        else:
            if commit(form):
                flash(f"{group.name} is created. Now choose its facilitators.", "info")
                return redirect(url_for("admin.group_facilitators", group_slug=group.slug))
    return render_template("admin/group_new.html", org=g.org, form=form)


def _org_group(group_slug: str) -> Group:
    group = get_group_for(get_session(), g.user, group_slug)
    if group.organization_id != g.org.id:
        abort(404)
    return group


@bp.route("/groups/<group_slug>/facilitators", methods=["GET", "POST"])
def group_facilitators(group_slug: str) -> str | Response:
    session = get_session()
    group = _org_group(group_slug)
    candidates = [
        p for p in accounts.people_of(session, g.org) if Role.FACILITATOR in p.roles_in(g.org)
    ]
    form = PersonRolesForm(groups=[u.id for u in group.facilitators])
    # The same checkbox list, here listing people rather than groups.
    form.groups.label.text = "Facilitators"
    form.groups.choices = options((p.id, p.display_name) for p in candidates)
    if form.validate_on_submit():
        chosen = [p for p in candidates if p.id in form.groups.data]
        try:
            organizations.set_facilitators(session, g.user, group, chosen)
        except ServiceError as error:
            session.rollback()
            show_error(form, error)
        else:
            if commit(form):
                flash(f"Facilitators of {group.name} are saved.", "info")
                return redirect(url_for("admin.overview"))
    return render_template(
        "admin/group_facilitators.html", org=g.org, group=group, form=form, candidates=candidates
    )


@bp.route("/groups/<group_slug>/delete", methods=["GET", "POST"])
def delete_group(group_slug: str) -> str | Response:
    group = _org_group(group_slug)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = group.name
        organizations.delete_group(get_session(), g.user, group)
        if commit(form):
            flash(f"{name} is deleted.", "info")
            return redirect(url_for("admin.overview"))
    return render_template("admin/group_delete.html", org=g.org, group=group, form=form)


@bp.route("/people/new", methods=["GET", "POST"])
def new_person() -> str | Response:
    session = get_session()
    form = PersonForm()
    form.groups.choices = _group_choices()
    invite_link = None
    if form.validate_on_submit():
        try:
            person = accounts.find_user(session, form.email.data)
            is_new = person is None
            if person is None:
                person = accounts.create_user(
                    session, g.user, email=form.email.data, display_name=form.display_name.data,
                    organization=g.org,
                )
            _apply_roles_and_groups(person, form.roles.data, form.groups.data)
            token = None
            if is_new:
                token = accounts.invite(session, g.user, person, now=clock.now(),
                                        organization=g.org)
        except ServiceError as error:
            session.rollback()
            show_error(form, error)
        else:
            if commit(form):
                if token is None:
                    flash(f"{person.display_name} already has an account; they now have "
                          "these roles in your organization.", "info")
                    return redirect(url_for("admin.person", user_id=person.id))
                invite_link = absolute_url("auth.accept_invitation", token=token)
                return render_template(
                    "admin/invited.html", org=g.org, person=person, invite_link=invite_link
                )
    return render_template("admin/person_new.html", org=g.org, form=form)


def _apply_roles_and_groups(person: User, roles: list[str], group_ids: list[int]) -> None:
    """Give exactly these roles in the org, and these groups to facilitate."""
    session = get_session()
    wanted = {Role(r) for r in roles}
    for role in Role:
        if role in wanted:
            accounts.grant_role(session, g.user, person, g.org, role)
        else:
            accounts.revoke_role(session, g.user, person, g.org, role)
    if group_ids and Role.FACILITATOR not in wanted:
        raise ServiceError("Only facilitators can be given groups to lead.", field="groups")
    for group in g.org.groups:
        leaders = [u for u in group.facilitators if u.id != person.id]
        if group.id in group_ids:
            leaders.append(person)
        organizations.set_facilitators(session, g.user, group, leaders)


@bp.route("/people/<int(max=2147483647):user_id>", methods=["GET", "POST"])
def person(user_id: int) -> str | Response:
    session = get_session()
    person = session.get(User, user_id)
    if person is None or not person.roles_in(g.org):
        abort(404)
    org_group_ids = {group.id for group in g.org.groups}
    form = PersonRolesForm(
        roles=[r.value for r in person.roles_in(g.org)],
        groups=[grp.id for grp in person.led_groups if grp.id in org_group_ids],
    )
    form.groups.choices = _group_choices()
    if form.validate_on_submit():
        try:
            _apply_roles_and_groups(person, form.roles.data, form.groups.data)
        except ServiceError as error:
            session.rollback()
            show_error(form, error)
        else:
            if commit(form):
                if form.roles.data:
                    flash(f"{person.display_name}'s roles are saved.", "info")
                else:
                    flash(f"{person.display_name} no longer has a role in {g.org.name}.", "info")
                return redirect(url_for("admin.overview"))
    return render_template("admin/person.html", org=g.org, person=person, form=form,
                           reinvite_form=ConfirmForm())


@bp.post("/people/<int(max=2147483647):user_id>/invite")
def reinvite(user_id: int) -> str | Response:
    """A fresh invitation link for someone who lost theirs or let it expire."""
    session = get_session()
    person = session.get(User, user_id)
    if person is None or not person.roles_in(g.org):
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit() or person.password_hash is not None:
        flash(f"{person.display_name} has already set a password; they can sign in.", "info")
        return redirect(url_for("admin.person", user_id=person.id))
    token = accounts.invite(session, g.user, person, now=clock.now(), organization=g.org)
    if not commit(form):
        return redirect(url_for("admin.person", user_id=person.id))
    invite_link = absolute_url("auth.accept_invitation", token=token)
    return render_template("admin/invited.html", org=g.org, person=person,
                           invite_link=invite_link)


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> str | Response:
    session = get_session()
    form = OrganizationForm(obj=g.org)
    if form.validate_on_submit():
        try:
            organizations.update_organization(
                session, g.user, g.org,
                name=form.name.data, timezone=form.timezone.data, contact=form.contact.data,
                small_count_threshold=form.small_count_threshold.data,
                expiry_warning_days=form.expiry_warning_days.data,
            )
        except ServiceError as error:
            session.rollback()
            show_error(form, error)
        else:
            if commit(form):
                flash("Settings are saved.", "info")
                return redirect(url_for("admin.overview"))
    return render_template(
        "admin/settings.html", org=g.org, form=form, timezones=timezone_choices()
    )


@bp.get("/training-types/")
def training_types() -> str:
    return render_template("admin/training_types.html", org=g.org,
                           kinds=training.types_of(get_session(), g.org))


def _org_type(type_id: int) -> TrainingType:
    kind = training.find_type(get_session(), g.org, type_id)
    if kind is None:
        abort(404)
    return kind


@bp.route("/training-types/new", methods=["GET", "POST"])
@bp.route("/training-types/<int(max=2147483647):type_id>", methods=["GET", "POST"])
def training_type(type_id: int | None = None) -> str | Response:
    session = get_session()
    kind = _org_type(type_id) if type_id is not None else None
    form = TrainingTypeForm(obj=kind)
    if form.validate_on_submit():
        try:
            if kind is None:
                kind = training.create_type(session, g.user, g.org, **form.values())
            else:
                training.update_type(session, g.user, kind, **form.values())
        except ServiceError as error:
            session.rollback()
            show_error(form, error)
        else:
            if commit(form):
                flash(f"{kind.name} is saved.", "info")
                return redirect(url_for("admin.training_types"))
    return render_template("admin/training_type.html", org=g.org, form=form, kind=kind,
                           confirm=ConfirmForm())


@bp.post("/training-types/<int(max=2147483647):type_id>/delete")
def delete_training_type(type_id: int) -> Response:
    kind = _org_type(type_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        training.delete_type(get_session(), g.user, kind)
        if commit(form):
            flash(f"{kind.name} is retired; its records stay for the audit.", "info")
    return redirect(url_for("admin.training_types"))
