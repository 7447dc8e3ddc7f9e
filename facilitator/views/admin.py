"""Host-organization admins: groups, people and roles, training types, settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext
from werkzeug import Response
from wtforms.fields.choices import SelectChoice

from facilitator import clock
from facilitator import import_jobs
from facilitator import rendered
from facilitator.db import get_session
from facilitator.domain.choices import Role
from facilitator.formatting import full_stop
from facilitator.forms import ConfirmForm
from facilitator.forms import GroupForm
from facilitator.forms import MeetingGuideImportForm
from facilitator.forms import OrganizationForm
from facilitator.forms import PersonForm
from facilitator.forms import PersonRolesForm
from facilitator.forms import TrainingTypeForm
from facilitator.forms import offer_timezones
from facilitator.forms import options
from facilitator.models import Group
from facilitator.models import ImportRun
from facilitator.models import PendingInvitation
from facilitator.models import TrainingType
from facilitator.models import User
from facilitator.security import get_group_in
from facilitator.security import get_import_run_in
from facilitator.security import get_invitation_in
from facilitator.security import get_person_in
from facilitator.security import get_training_type_in
from facilitator.services import accounts
from facilitator.services import import_runs
from facilitator.services import invitations
from facilitator.services import listings
from facilitator.services import meeting_import
from facilitator.services import organizations
from facilitator.services import password_resets
from facilitator.services import training
from facilitator.urls import absolute_url
from facilitator.views import save
from facilitator.views import scope_to_org

bp = Blueprint("admin", __name__, url_prefix="/admin/<org_slug>")

#: Every page here is for the org's admins; anyone else gets 404.
scope_to_org(bp, [Role.ADMIN])


def _group_choices() -> list[SelectChoice]:
    return options((group.id, group.name) for group in g.org.groups)


@dataclass(frozen=True)
class PersonRow:
    """One line of the people list: a person of the org, or an existing account's
    invitation, which reads as a new account's that is not accepted yet does."""

    name: str
    email: str
    roles: list[Role]
    active: bool
    endpoint: str
    values: dict[str, Any]

    @property
    def url(self) -> str:
        return url_for(self.endpoint, **self.values)


def _people_rows() -> list[PersonRow]:
    """The people list, by name; each row's link is made when it is shown (`url`)."""
    session = get_session()
    rows = [PersonRow(p.name, p.email, sorted(p.roles), p.active, "admin.person",
                      {"user_id": p.id})
            for p in accounts.people_list(session, g.org)]
    rows += [PersonRow(i.display_name, i.user.email, sorted(i.roles_offered), False,
                       "admin.invitation", {"invitation_id": i.id})
             for i in invitations.of_organization(session, g.org)]
    return sorted(rows, key=lambda row: row.name)


#: Groups, and people, the overview lists at most: an intergroup of 1,000 groups and
#: 2,000 leaders finds one by name (`?q=`) rather than scrolling a megabyte of tables.
OVERVIEW_ROWS = 100


def _matches(wanted: str, *texts: str) -> bool:
    """Whether any of the texts holds what was typed, in any case; all do for nothing."""
    wanted = wanted.casefold()
    return any(wanted in text.casefold() for text in texts)


@bp.get("/")
def overview() -> str:
    session = get_session()
    wanted = request.args.get("q", "").strip()[:100]
    groups = [row.id for row in organizations.group_names(session, g.org)
              if _matches(wanted, row.name, row.slug)]
    people = [row for row in _people_rows() if _matches(wanted, row.name, row.email)]
    return render_template("admin/overview.html", org=g.org, wanted=wanted,
                           groups=organizations.groups_with_facilitators(
                               session, groups[:OVERVIEW_ROWS]), groups_found=len(groups),
                           people=people[:OVERVIEW_ROWS], people_found=len(people),
                           doubtful_ends=meeting_import.doubtful_ends(session, g.org),
                           due=listings.count_needing_confirmation(session, g.org),
                           pdf_failures=rendered.failures(session, g.org))


@bp.get("/confirmations")
def confirmations() -> str:
    """The groups whose listing is due for confirmation, with their facilitators' names
    and email addresses to copy: the app sends no email itself."""
    due = listings.needing_confirmation(get_session(), g.org)
    emails = dict.fromkeys(email for item in due for _name, email in item.facilitators)
    return render_template("admin/confirmations.html", org=g.org, due=due, emails=list(emails))


@bp.route("/groups/new", methods=["GET", "POST"])
def new_group() -> str | Response:
    session = get_session()
    form = GroupForm()
    if form.validate_on_submit() and (created := save(form, lambda: organizations.create_group(
            session, g.user, g.org, **form.values()))):
        group = created.value
        flash(gettext("%(name)s is created. Now choose its facilitators.", name=group.name),
              "info")
        return redirect(url_for("admin.group_facilitators", group_slug=group.slug))
    return render_template("admin/group_new.html", org=g.org, form=form)


def _org_group(group_slug: str) -> Group:
    return get_group_in(get_session(), g.org, group_slug)


@bp.route("/groups/<group_slug>/facilitators", methods=["GET", "POST"])
def group_facilitators(group_slug: str) -> str | Response:
    session = get_session()
    group = _org_group(group_slug)
    candidates = [
        p for p in accounts.people_of(session, g.org) if Role.FACILITATOR in p.roles_in(g.org)
    ]
    form = PersonRolesForm(groups=[u.id for u in group.facilitators])
    # The same checkbox list, here listing people rather than groups.
    form.groups.label.text = lazy_gettext("Facilitators")
    form.groups.choices = options((p.id, p.display_name) for p in candidates)
    if form.validate_on_submit() and save(form, lambda: organizations.set_facilitators(
            session, g.user, group, [p for p in candidates if p.id in form.groups.data])):
        flash(gettext("Facilitators of %(name)s are saved.", name=group.name), "info")
        return redirect(url_for("admin.overview"))
    return render_template(
        "admin/group_facilitators.html", org=g.org, group=group, form=form, candidates=candidates
    )


@bp.route("/groups/<group_slug>/delete", methods=["GET", "POST"])
def delete_group(group_slug: str) -> str | Response:
    group = _org_group(group_slug)
    form = ConfirmForm()
    name = group.name
    if form.validate_on_submit() and save(form, lambda: organizations.delete_group(
            get_session(), g.user, group)):
        flash(gettext("%(name)s is deleted.", name=name), "info")
        return redirect(url_for("admin.overview"))
    return render_template("admin/group_delete.html", org=g.org, group=group, form=form)


@bp.route("/people/new", methods=["GET", "POST"])
def new_person() -> str | Response:
    form = PersonForm()
    form.groups.choices = _group_choices()
    if form.validate_on_submit():
        name, email = form.display_name.data, accounts.normalize_email(form.email.data)
        invited = save(form, lambda: _invite(email, name, form.roles.data, form.groups.data))
        if invited is not None:
            return _invited_page(name, email, invited.value)
    return render_template("admin/person_new.html", org=g.org, form=form)


def _invite(email: str, name: str, roles: list[str], group_ids: list[int]) -> str:
    """Invite whoever the email is for; return the link's token. The admin's answer is
    the same whether or not the email has an account: an account someone has taken up
    is only invited, and changes when its owner accepts (services/invitations.py)."""
    session = get_session()
    person = accounts.find_user(session, email)
    if person is not None and not accounts.claimable(person, g.org):
        return invitations.invite(
            session, g.user, g.org, person, display_name=name, roles={Role(r) for r in roles},
            groups=[grp for grp in g.org.groups if grp.id in group_ids], now=clock.now(),
        )
    if person is None:
        person = accounts.create_user(session, g.user, email=email, display_name=name,
                                      organization=g.org)
    else:
        accounts.rename_invited(session, g.user, person, name, organization=g.org)
    _apply_roles_and_groups(person, roles, group_ids)
    return accounts.invite(session, g.user, person, now=clock.now(), organization=g.org)


def _invited_page(name: str, email: str, token: str) -> str:
    """The one answer to every invitation: the link to pass on."""
    return render_template("admin/invited.html", org=g.org, name=name, email=email,
                           invite_link=absolute_url("auth.accept_invitation", token=token))


def _apply_roles_and_groups(person: User, roles: list[str], group_ids: list[int]) -> None:
    """Give exactly these roles in the org, and these groups to facilitate."""
    session = get_session()
    wanted = {Role(r) for r in roles}
    accounts.check_roles_and_groups(wanted, [grp for grp in g.org.groups if grp.id in group_ids])
    for role in Role:
        if role in wanted:
            accounts.grant_role(session, g.user, person, g.org, role)
        else:
            accounts.revoke_role(session, g.user, person, g.org, role)
    for group in g.org.groups:
        leaders = [u for u in group.facilitators if u.id != person.id]
        if group.id in group_ids:
            leaders.append(person)
        organizations.set_facilitators(session, g.user, group, leaders)


def _person_page(name: str, email: str, invited: bool, form: PersonRolesForm,
                 change: Callable[[list[str], list[int]], None],
                 reinvite_url: str, withdraw_url: str,
                 reset_url: str | None = None) -> str | Response:
    """A person's page, or an existing account's invitation, which reads the same: their
    roles and groups, while they are invited a new link or withdrawing it, and once they
    have a password a link to reset it (a person's page only)."""
    form.groups.choices = _group_choices()
    if form.validate_on_submit() and save(form, lambda: change(form.roles.data,
                                                               form.groups.data)):
        if form.roles.data:
            flash(gettext("%(name)s's roles are saved.", name=name), "info")
        else:
            flash(full_stop(gettext("%(name)s no longer has a role in %(org)s",
                                     name=name, org=g.org.name)), "info")
        return redirect(url_for("admin.overview"))
    return render_template("admin/person.html", org=g.org, name=name, email=email,
                           invited=invited, form=form, confirm=ConfirmForm(),
                           reinvite_url=reinvite_url, withdraw_url=withdraw_url,
                           reset_url=reset_url, reset_hours=password_resets.RESET_HOURS)


def _org_person(user_id: int) -> User:
    return get_person_in(get_session(), g.org, user_id)


@bp.route("/people/<int(max=2147483647):user_id>", methods=["GET", "POST"])
def person(user_id: int) -> str | Response:
    person = _org_person(user_id)
    org_group_ids = {group.id for group in g.org.groups}
    form = PersonRolesForm(
        roles=[r.value for r in person.roles_in(g.org)],
        groups=[grp.id for grp in person.led_groups if grp.id in org_group_ids],
    )
    return _person_page(
        person.display_name, person.email, person.password_hash is None, form,
        lambda roles, group_ids: _apply_roles_and_groups(person, roles, group_ids),
        url_for("admin.reinvite", user_id=person.id),
        url_for("admin.withdraw", user_id=person.id),
        url_for("admin.reset_link", user_id=person.id),
    )


@bp.post("/people/<int(max=2147483647):user_id>/invite")
def reinvite(user_id: int) -> str | Response:
    """A fresh invitation link for someone who lost theirs or let it expire."""
    session = get_session()
    person = _org_person(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit() or person.password_hash is not None:
        flash(gettext("%(name)s has already set a password; they can sign in.",
                      name=person.display_name), "info")
        return redirect(url_for("admin.person", user_id=person.id))
    invited = save(form, lambda: accounts.invite(session, g.user, person, now=clock.now(),
                                                 organization=g.org))
    if invited is None:
        return redirect(url_for("admin.person", user_id=person.id))
    return _invited_page(person.display_name, person.email, invited.value)


@bp.post("/people/<int(max=2147483647):user_id>/reset-link")
def reset_link(user_id: int) -> str | Response:
    """A one-time link that sets a new password, for someone who forgot theirs; the
    admin passes it on (services/password_resets.py)."""
    person = _org_person(user_id)
    form = ConfirmForm()
    made = save(form, lambda: password_resets.make_link(
        get_session(), g.user, person, now=clock.now(), organization=g.org,
    )) if form.validate_on_submit() else None
    if made is None:
        return redirect(url_for("admin.person", user_id=person.id))
    return render_template(
        "admin/reset_link.html", org=g.org, name=person.display_name, email=person.email,
        reset_link=absolute_url("auth.reset_password", token=made.value),
        reset_hours=password_resets.RESET_HOURS,
    )


@bp.post("/people/<int(max=2147483647):user_id>/withdraw")
def withdraw(user_id: int) -> Response:
    """Take back the invitation of someone who has not accepted it: their roles and
    groups here go, and so does their link unless another org still waits for them."""
    session = get_session()
    person = _org_person(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit() or person.password_hash is not None:
        return redirect(url_for("admin.person", user_id=person.id))
    def take_back() -> None:
        _apply_roles_and_groups(person, [], [])
        if not person.memberships:
            accounts.cancel_invitation(session, g.user, person, organization=g.org)

    name = person.display_name
    if save(None, take_back) is None:
        return redirect(url_for("admin.person", user_id=person.id))
    return _withdrawn(name)


def _withdrawn(name: str) -> Response:
    flash(gettext("The invitation of %(name)s is withdrawn.", name=name), "info")
    return redirect(url_for("admin.overview"))


def _org_invitation(invitation_id: int) -> PendingInvitation:
    return get_invitation_in(get_session(), g.org, invitation_id)


@bp.route("/invitations/<int(max=2147483647):invitation_id>", methods=["GET", "POST"])
def invitation(invitation_id: int) -> str | Response:
    """An existing account's invitation, shown as a new account's that is not accepted
    yet: under the name the admin typed, never the account's own."""
    pending = _org_invitation(invitation_id)
    form = PersonRolesForm(roles=pending.roles,
                           groups=[grp.id for grp in pending.groups_offered])

    def change(roles: list[str], group_ids: list[int]) -> None:
        if not roles:  # as for a person: no role left, no invitation left
            invitations.withdraw(get_session(), g.user, pending)
            return
        invitations.change(get_session(), g.user, pending, roles={Role(r) for r in roles},
                           groups=[grp for grp in g.org.groups if grp.id in group_ids])

    return _person_page(
        pending.display_name, pending.user.email, True, form, change,
        url_for("admin.renew_invitation", invitation_id=pending.id),
        url_for("admin.withdraw_invitation", invitation_id=pending.id),
    )


@bp.post("/invitations/<int(max=2147483647):invitation_id>/invite")
def renew_invitation(invitation_id: int) -> str | Response:
    pending = _org_invitation(invitation_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.invitation", invitation_id=pending.id))
    renewed = save(form, lambda: invitations.renew(get_session(), g.user, pending,
                                                   now=clock.now()))
    if renewed is None:
        return redirect(url_for("admin.invitation", invitation_id=pending.id))
    return _invited_page(pending.display_name, pending.user.email, renewed.value)


@bp.post("/invitations/<int(max=2147483647):invitation_id>/withdraw")
def withdraw_invitation(invitation_id: int) -> Response:
    pending = _org_invitation(invitation_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.invitation", invitation_id=pending.id))
    name = pending.display_name
    if save(form, lambda: invitations.withdraw(get_session(), g.user, pending)) is None:
        return redirect(url_for("admin.invitation", invitation_id=pending.id))
    return _withdrawn(name)


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> str | Response:
    session = get_session()
    form = OrganizationForm(obj=g.org)
    if form.validate_on_submit() and save(form, lambda: organizations.update_organization(
            session, g.user, g.org,
            name=form.name.data, timezone=form.timezone.data, contact=form.contact.data,
            online_location=form.online_location.data,
            default_language=form.default_language.data,
            small_count_threshold=form.small_count_threshold.data,
            expiry_warning_days=form.expiry_warning_days.data,
            unverified_training_counts=form.unverified_training_counts.data,
            listing_reminder_days=form.listing_reminder_days.data,
            listing_out_of_date_days=form.listing_out_of_date_days.data,
    )):
        flash(gettext("Settings are saved."), "info")
        return redirect(url_for("admin.overview"))
    offer_timezones(form.timezone, g.org.timezone)
    return render_template("admin/settings.html", org=g.org, form=form)


@bp.get("/training-types/")
def training_types() -> str:
    return render_template("admin/training_types.html", org=g.org,
                           kinds=training.types_of(get_session(), g.org))


def _org_type(type_id: int) -> TrainingType:
    return get_training_type_in(get_session(), g.org, type_id)


@bp.route("/training-types/new", methods=["GET", "POST"])
@bp.route("/training-types/<int(max=2147483647):type_id>", methods=["GET", "POST"])
def training_type(type_id: int | None = None) -> str | Response:
    session = get_session()
    kind = _org_type(type_id) if type_id is not None else None
    form = TrainingTypeForm(obj=kind)
    def create_or_update() -> TrainingType:
        if kind is None:
            return training.create_type(session, g.user, g.org, **form.values())
        training.update_type(session, g.user, kind, **form.values())
        return kind

    if form.validate_on_submit() and (saved := save(form, create_or_update)):
        flash(gettext("%(name)s is saved.", name=saved.value.name), "info")
        return redirect(url_for("admin.training_types"))
    return render_template("admin/training_type.html", org=g.org, form=form, kind=kind,
                           confirm=ConfirmForm())


@bp.post("/training-types/<int(max=2147483647):type_id>/delete")
def delete_training_type(type_id: int) -> Response:
    kind = _org_type(type_id)
    form = ConfirmForm()
    if form.validate_on_submit() and save(form, lambda: training.delete_type(
            get_session(), g.user, kind)):
        flash(gettext("%(name)s is retired; its records stay for the audit.", name=kind.name),
              "info")
    return redirect(url_for("admin.training_types"))


@bp.route("/imports/", methods=["GET", "POST"])
def imports() -> str | Response:
    """Upload a Meeting Guide feed: a job checks it (a dry run) and its page shows what
    importing it would do, before anything is saved."""
    session = get_session()
    form = MeetingGuideImportForm(timezone=g.org.timezone)
    if form.validate_on_submit():
        file = form.feed.data
        data = file.stream.read(import_runs.MAX_UPLOAD_BYTES + 1)
        uploaded = save(form, lambda: import_runs.upload(
            session, g.user, g.org, file_name=file.filename or "", data=data,
            timezone=form.timezone.data, program=form.program.data,
            program_map=form.program_map.data))
        if uploaded is not None:
            _start_import_job(uploaded.value)
            return redirect(url_for("admin.import_run", run_id=uploaded.value.id), code=303)
    offer_timezones(form.timezone, g.org.timezone)
    return render_template("admin/imports.html", org=g.org, form=form,
                           runs=import_runs.recent(session, g.org),
                           zone=ZoneInfo(g.org.timezone))


@bp.get("/imports/<int(max=2147483647):run_id>")
def import_run(run_id: int) -> str:
    run = get_import_run_in(get_session(), g.org, run_id)
    return render_template("admin/import_run.html", org=g.org, run=run, form=ConfirmForm())


@bp.post("/imports/<int(max=2147483647):run_id>/import")
def confirm_import(run_id: int) -> Response:
    run = get_import_run_in(get_session(), g.org, run_id)
    form = ConfirmForm()
    if form.validate_on_submit() and save(form, lambda: import_runs.confirm(
            get_session(), g.user, run)):
        _start_import_job(run)
    return redirect(url_for("admin.import_run", run_id=run.id), code=303)


@bp.post("/imports/<int(max=2147483647):run_id>/discard")
def discard_import(run_id: int) -> Response:
    run = get_import_run_in(get_session(), g.org, run_id)
    form = ConfirmForm()
    if form.validate_on_submit() and save(form, lambda: import_runs.discard(get_session(), run)):
        flash(gettext("%(name)s was not imported, and is no longer kept.", name=run.file_name),
              "info")
    return redirect(url_for("admin.import_run", run_id=run.id), code=303)


def _start_import_job(run: ImportRun) -> None:
    """Queue the job of a run that waits for one, once its row is committed (a job
    that lost the race to it would find nothing to do)."""
    import_jobs.check_or_import.enqueue(run.id)
