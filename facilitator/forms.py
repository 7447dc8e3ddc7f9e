"""Forms. Rules come from facilitator.domain, so the CLI and the web refuse the same things."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import ValidationError
from wtforms import widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange

from facilitator.domain import passwords
from facilitator.domain import slugs
from facilitator.domain.timezones import is_valid_timezone
from facilitator.models import LANGUAGES
from facilitator.models import Audience
from facilitator.models import Program
from facilitator.models import Role
from facilitator.models import Visibility


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Choices for a select, radio or checkbox field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes; templates wrap them in a fieldset."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "invalid_choice_message",
            "Not a valid choice (%(value)s). Reload the page and choose again.",
        )
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        # A browser sends nothing for a list with every box unchecked: that means "none",
        # not "keep what was there".
        super().process_formdata(valuelist)
        if not valuelist:
            self.data = []


def valid_slug(_form: FlaskForm, field: Field) -> None:
    if field.data and not slugs.is_valid_slug(field.data):
        raise ValidationError(f"Use only {slugs.RULE}, like “tuesday-womens-group”.")


def valid_timezone(_form: FlaskForm, field: Field) -> None:
    if field.data and not is_valid_timezone(field.data):
        raise ValidationError("Choose a time zone from the list, like America/Chicago.")


def acceptable_password(_form: FlaskForm, field: Field) -> None:
    if problem := passwords.password_problem(field.data or ""):
        raise ValidationError(problem)


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            "New password",
            [InputRequired(), acceptable_password],
            description=f"At least {passwords.MIN_LENGTH} characters.",
        ),
        PasswordField(
            "New password again",
            [InputRequired(), EqualTo("password", message="The two passwords differ.")],
        ),
    )


class LoginForm(FlaskForm):
    email = StringField("Email", [InputRequired(), Length(max=254)], filters=[_strip])
    password = PasswordField("Password", [InputRequired(), Length(max=passwords.MAX_LENGTH)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", [InputRequired(), Length(max=1000)])
    password, confirm = _new_password_fields()


class SetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class OrganizationForm(FlaskForm):
    name = StringField("Name", [DataRequired(), Length(max=200)], filters=[_strip])
    timezone = StringField(
        "Time zone", [DataRequired(), Length(max=64), valid_timezone], filters=[_strip],
        description="New meetings start in this zone, e.g. America/New_York.",
    )
    contact = StringField(
        "Contact", [Length(max=300)], filters=[_strip],
        description="Printed on the meeting directory: a phone number, email or office.",
    )
    small_count_threshold = IntegerField(
        "Hide counts below", [InputRequired(), NumberRange(min=1, max=100)],
        description="Reports that leave a group show smaller counts as “<N”.",
    )


class GroupForm(FlaskForm):
    name = StringField("Group name", [DataRequired(), Length(max=200)], filters=[_strip])
    slug = StringField(
        "Short name for links", [DataRequired(), Length(max=slugs.MAX_LENGTH), valid_slug],
        filters=[_strip], description="Appears in the group's web address: /g/short-name/.",
    )
    program = SelectField("Program", choices=options(Program.choices()))
    audience = SelectField("Who it is for", choices=options(Audience.choices()))
    languages = CheckboxesField("Languages", choices=options(LANGUAGES.items()))
    visibility = RadioField("Visibility", choices=options(Visibility.choices()), default="public")
    description = TextAreaField("Description", [Length(max=5000)], filters=[_strip])


class PersonForm(FlaskForm):
    email = StringField("Email", [DataRequired(), Email(), Length(max=254)], filters=[_strip])
    display_name = StringField(
        "Name", [DataRequired(), Length(max=120)], filters=[_strip],
        description="As your organization names leaders, e.g. first name and last initial.",
    )
    roles = CheckboxesField("Roles", [DataRequired("Choose at least one role.")],
                            choices=options(Role.choices()))
    groups = CheckboxesField("Groups they facilitate", coerce=int)


class PersonRolesForm(FlaskForm):
    roles = CheckboxesField("Roles", choices=options(Role.choices()))
    groups = CheckboxesField("Groups they facilitate", coerce=int)


class ConfirmForm(FlaskForm):
    """A button that changes something: the form carries only the CSRF token."""
