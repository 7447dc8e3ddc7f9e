"""Every form names what is missing: "Give the meeting a title.", never WTForms' "This
field is required."."""

from __future__ import annotations

import inspect

import pytest
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired

from facilitator import forms

FORMS = [cls for _, cls in inspect.getmembers(forms, inspect.isclass)
         if issubclass(cls, FlaskForm) and cls.__module__ == forms.__name__]


def test_every_required_field_of_every_form_says_what_it_needs():
    required = []
    for form in FORMS:
        for name, unbound in vars(form).items():
            args = getattr(unbound, "args", ())
            validators = getattr(unbound, "kwargs", {}).get("validators") or (
                args[1] if len(args) > 1 else [])
            for validator in validators:
                if isinstance(validator, (InputRequired, DataRequired)):
                    required.append(f"{form.__name__}.{name}")
                    assert isinstance(validator, forms.Required) or validator.message, \
                        f"{form.__name__}.{name} would say “This field is required.”"
    assert len(required) > 20  # the walk found the forms' fields


@pytest.mark.parametrize("form, expected", [
    (forms.MeetingForm, {"title": "Give the meeting a title.",
                         "start_time": "Choose a start time.",
                         "first_date": "Choose the first date.",
                         "timezone": "Choose a time zone."}),
    (forms.LoginForm, {"email": "Enter your email.", "password": "Enter your password."}),
    (forms.GroupForm, {"name": "Enter the group name.",
                       "slug": "Enter the short name for links."}),
    (forms.PersonForm, {"email": "Enter their email.", "display_name": "Enter their name.",
                        "roles": "Choose at least one role."}),
    (forms.HeadcountForm, {"people": "Enter a number, 0 if nobody."}),
    (forms.TrainingRecordForm, {"completed_on": "Choose the date you completed it."}),
    (forms.SignatureForm, {"typed_name": "Type your name."}),
])
def test_an_empty_form_names_each_missing_field(app, form, expected):
    with app.test_request_context(method="POST", data={"title": "  ", "email": " "}):
        submitted = form(meta={"csrf": False})
        if isinstance(submitted, forms.TrainingRecordForm):
            submitted.training_type_id.choices = []
        submitted.validate()
        errors = {name: " ".join(field.errors) for name, field in submitted._fields.items()}
    for name, message in expected.items():
        assert errors[name] == message
    assert not any("This field is required." in e for e in errors.values())


@pytest.mark.parametrize(("phone", "refused"), [
    ("+13017158592,,85779615129#,,,,005088#", False),  # as Zoom writes meeting ID, passcode
    ("+1 (555) 555-0111,,123456#", False),
    ("1234567890*567", False),
    ("", False),
    ("+1 555 555 0111 passcode 1234", True),
    ("1-800-FLOWERS", True),
])
def test_the_dial_in_phone_takes_what_a_phone_dials(app, phone, refused):
    with app.test_request_context(method="POST", data={"online_phone": phone}):
        form = forms.MeetingForm(meta={"csrf": False})
        form.validate()
    errors = " ".join(form.online_phone.errors)
    assert ("Give a number a phone can dial" in errors) is refused, errors
