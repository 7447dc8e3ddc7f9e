"""Forms. Rules come from facilitator.domain, so the CLI and the web refuse the same things."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from datetime import time
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import Field
from wtforms import FileField
from wtforms import FloatField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms import ValidationError
from wtforms import widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import StopValidation

from facilitator.domain import passwords
from facilitator.domain import slugs
from facilitator.domain.choices import LANGUAGES
from facilitator.domain.choices import Audience
from facilitator.domain.choices import Program
from facilitator.domain.choices import Role
from facilitator.domain.choices import Visibility
from facilitator.domain.confirmation import MAX_DAYS
from facilitator.domain.counts import MAX_COUNT
from facilitator.domain.counts import Counter
from facilitator.domain.counts import Counts
from facilitator.domain.evidence import LIMIT_WORDS as EVIDENCE_LIMIT
from facilitator.domain.languages import PAGE_LANGUAGES
from facilitator.domain.links import dial_string
from facilitator.domain.meeting import DEFAULT_ROOM_CAPACITY
from facilitator.domain.meeting import LIMITS
from facilitator.domain.meeting import VALUE_FIELDS
from facilitator.domain.meeting import Attendance
from facilitator.domain.meeting import CancelReason
from facilitator.domain.meeting import DateChange
from facilitator.domain.meeting import MeetingValues
from facilitator.domain.meeting_types import TYPES
from facilitator.domain.recurrence import DAY_NAMES
from facilitator.domain.recurrence import EARLIEST_DATE
from facilitator.domain.recurrence import LATEST_DATE
from facilitator.domain.recurrence import InvalidRecurrence
from facilitator.domain.recurrence import LengthDoubt
from facilitator.domain.recurrence import Recurrence
from facilitator.domain.recurrence import first_dates
from facilitator.domain.recurrence import length_doubt
from facilitator.domain.recurrence import minutes_between
from facilitator.domain.recurrence import preview
from facilitator.domain.timezones import is_valid_timezone
from facilitator.domain.timezones import timezone_groups
from facilitator.formatting import clock
from facilitator.formatting import day_name
from facilitator.formatting import language_name
from facilitator.formatting import long_date
from facilitator.formatting import message_words
from facilitator.formatting import minutes
from facilitator.formatting import type_name


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Choices for a select, radio or checkbox field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def translated_options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Choices whose English labels are in the catalog (a `Choice`'s labels, extracted by
    i18n.extract_choice_labels), each shown in the language of the page it is on."""
    return options((value, LazyString(gettext, label)) for value, label in pairs)


class _PlainErrors:
    """Errors as text: a message given to a field in its own language (`lazy_gettext`,
    which WTForms keeps as given) is made text in the page's language once validated."""

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)  # type: ignore[misc]
        for field in self:  # type: ignore[attr-defined]
            field.errors = [str(error) for error in field.errors]
        return valid


def _strip(value: Any) -> Any:
    """Trim text; a field the browser did not send reads as empty text, not None."""
    if value is None:
        return ""
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
            self.data: list[Any] = []


class Required(InputRequired):
    """A field that must be filled in, whose message names it as a whole sentence,
    marked for translation: "Give the meeting a title.", "Choose a start time." rather
    than WTForms' "This field is required.". Text counts as missing when it is only
    spaces; a number may be 0."""

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __call__(self, form: FlaskForm, field: Field) -> None:
        given = field.data.strip() if isinstance(field.data, str) else (
            field.data if isinstance(field, SelectMultipleField)
            else field.raw_data and field.raw_data[0] not in ("", None))
        if not given:
            field.errors[:] = []
            raise StopValidation(str(self.message))


#: For a hidden field the page itself fills in: only a stale or tampered page lacks it.
HIDDEN_REQUIRED = Required(
    lazy_gettext("The page was out of date: reload it and try again."))


def valid_slug(_form: FlaskForm, field: Field) -> None:
    if field.data and not slugs.is_valid_slug(field.data):
        raise ValidationError(gettext("Use only lowercase letters a–z, digits and single "
                                      "hyphens, at most 64 characters, like "
                                      "“tuesday-womens-group”."))


def valid_timezone(_form: FlaskForm, field: Field) -> None:
    if field.data and not is_valid_timezone(field.data):
        raise ValidationError(
            gettext("Choose a time zone from the list, like America/Chicago."))


def _timezone_field(description: str = "") -> SelectField:
    """A time zone picked from a list (`offer_timezones` fills it in per page). The
    check is the domain's list of zones, not the choices, so a tampered or stale value
    gets the same clear message either way."""
    return SelectField(lazy_gettext("Time zone"),
                       [Required(lazy_gettext("Choose a time zone.")),
                        Length(max=64), valid_timezone],
                       choices=[], validate_choice=False, description=description)


def offer_timezones(field: SelectField, first: str) -> None:
    """Offer the organization's zone `first`, then the common ones, then every zone."""
    field.choices = {group: [(zone, zone.replace("_", " ")) for zone in zones]
                     for group, zones in timezone_groups(first, field.data or "") if zones}


def acceptable_password(_form: FlaskForm, field: Field) -> None:
    if problem := passwords.password_problem(field.data or ""):
        raise ValidationError(message_words(problem))


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            lazy_gettext("New password"),
            [Required(lazy_gettext("Enter a new password.")), acceptable_password],
            description=lazy_gettext("At least %(num)d characters.", num=passwords.MIN_LENGTH),
        ),
        PasswordField(
            lazy_gettext("New password again"),
            [Required(lazy_gettext("Enter the new password again.")),
             EqualTo("password", message=lazy_gettext("The two passwords differ."))],
        ),
    )


class LoginForm(FlaskForm):
    email = StringField(lazy_gettext("Email"),
                        [Required(lazy_gettext("Enter your email.")), Length(max=254)],
                        filters=[_strip])
    password = PasswordField(lazy_gettext("Password"),
                             [Required(lazy_gettext("Enter your password.")),
                              Length(max=passwords.MAX_LENGTH)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        lazy_gettext("Current password"),
        [Required(lazy_gettext("Enter your current password.")), Length(max=1000)])
    password, confirm = _new_password_fields()


class SetPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class OrganizationForm(FlaskForm):
    name = StringField(lazy_gettext("Name"),
        [Required(lazy_gettext("Enter the organization's name.")), Length(max=200)],
                       filters=[_strip])
    timezone = _timezone_field(
        lazy_gettext("New meetings start in this zone, e.g. America/New York."))
    contact = StringField(
        lazy_gettext("Contact"), [Length(max=300)], filters=[_strip],
        description=lazy_gettext(
            "Printed on the meeting directory: a phone number, email or office."),
    )
    online_location = StringField(
        lazy_gettext("Approximate location of online meetings"), [Length(max=200)],
        filters=[_strip],
        description=lazy_gettext(
            "The town or area your online meetings are from, e.g. “Chicago, IL, USA”. The "
            "Meeting Guide app lists meetings near people, online ones too: your meetings "
            "feed gives it to online meetings without an address."),
    )
    default_language = SelectField(
        lazy_gettext("Language of the pages"), choices=options(PAGE_LANGUAGES.items()),
        description=lazy_gettext("For visitors whose browser asks for none of the languages "
                                 "the app speaks and who have chosen none."),
    )
    small_count_threshold = IntegerField(
        lazy_gettext("Hide counts below"),
        [Required(lazy_gettext("Enter the smallest count to show.")), NumberRange(min=1, max=100)],
        description=lazy_gettext("Reports that leave a group show smaller counts as “<N”."),
    )
    expiry_warning_days = IntegerField(
        lazy_gettext("Training is “expiring soon” within (days)"),
        [Required(lazy_gettext("Enter how many days before expiry to warn.")),
         NumberRange(min=0, max=365)],
        description=lazy_gettext("Leaders' trainings that expire within this many days "
                                 "show as expiring soon. Usually 60."),
    )
    listing_reminder_days = IntegerField(
        lazy_gettext("Ask to confirm a group's listing after (days)"),
        [Required(lazy_gettext("Enter after how many days to ask.")),
         NumberRange(min=1, max=MAX_DAYS)],
        description=lazy_gettext(
            "A group whose facilitators have not confirmed its meetings for this long is "
            "listed for you, and its facilitators see a reminder. Usually 90."),
    )
    listing_out_of_date_days = IntegerField(
        lazy_gettext("Then say “may be out of date” after (more days)"),
        [Required(lazy_gettext("Enter after how many more days to say it.")),
         NumberRange(min=1, max=MAX_DAYS)],
        description=lazy_gettext(
            "If it is still not confirmed this many days after the reminder, its public "
            "page, the directory and its handout say the details may be out of date. "
            "Usually 90."),
    )
    unverified_training_counts = BooleanField(
        lazy_gettext("Training records nobody has verified yet count"),
        description=lazy_gettext(
            "When ticked, a leader is current on a record before an admin or auditor has "
            "verified it, and the matrix says “not verified”. When not, only verified "
            "records count."),
    )


class GroupForm(FlaskForm):
    name = StringField(lazy_gettext("Group name"),
        [Required(lazy_gettext("Enter the group name.")), Length(max=200)],
                       filters=[_strip])
    slug = StringField(
        lazy_gettext("Short name for links"),
        [Required(lazy_gettext("Enter the short name for links.")),
         Length(max=slugs.MAX_LENGTH), valid_slug], filters=[_strip],
        description=lazy_gettext("Appears in the group's web address: /g/short-name/."),
    )
    program = SelectField(lazy_gettext("Program"), choices=translated_options(Program.choices()))
    audience = SelectField(lazy_gettext("Who it is for"),
                           choices=translated_options(Audience.choices()))
    languages = CheckboxesField(lazy_gettext("Languages"), choices=options(
        (code, LazyString(language_name, code, english)) for code, english in LANGUAGES.items()))
    visibility = RadioField(lazy_gettext("Visibility"),
                            choices=translated_options(Visibility.choices()), default="public")
    description = TextAreaField(lazy_gettext("Description"), [Length(max=5000)],
                                filters=[_strip])

    def values(self) -> dict[str, Any]:
        """The group's fields for services.organizations (the slug only if the form has it)."""
        names = ("name", "slug", "program", "audience", "languages", "visibility", "description")
        return {name: self[name].data for name in names if name in self}


class PersonForm(FlaskForm):
    email = StringField(lazy_gettext("Email"),
        [Required(lazy_gettext("Enter their email.")), Email(),
                                                Length(max=254)], filters=[_strip])
    display_name = StringField(
        lazy_gettext("Name"), [Required(lazy_gettext("Enter their name.")),
                               Length(max=120)], filters=[_strip],
        description=lazy_gettext(
            "As your organization names leaders, e.g. first name and last initial."),
    )
    roles = CheckboxesField(lazy_gettext("Roles"),
        [Required(lazy_gettext("Choose at least one role."))],
                            choices=options(Role.choices()))
    groups = CheckboxesField(lazy_gettext("Groups they facilitate"), coerce=int)


class PersonRolesForm(FlaskForm):
    roles = CheckboxesField(lazy_gettext("Roles"), choices=options(Role.choices()))
    groups = CheckboxesField(lazy_gettext("Groups they facilitate"), coerce=int)


class InvitationAnswerForm(FlaskForm):
    """Accept or decline an invitation into an organization: each button sends its answer."""

    answer = SelectField(lazy_gettext("Answer"),
                         [Required(lazy_gettext("Choose Accept or Decline."))],
                         choices=options([("accept", "Accept"), ("decline", "Decline")]))


class ConfirmForm(FlaskForm):
    """A button that changes something: the form carries only the CSRF token."""


def _count_field(label: Any, description: Any = "") -> IntegerField:
    return IntegerField(label, [Required(lazy_gettext("Enter a number, 0 if nobody.")),
                                NumberRange(0, MAX_COUNT, lazy_gettext(
                                    "Enter a number from 0 to %(max)s."))],
                        description=description)


class HeadcountForm(FlaskForm):
    """The counts of one occurrence, typed in after the meeting. A hybrid meeting's
    view removes `people` (the sum of the two), any other's the split."""

    people = _count_field(lazy_gettext("People"), lazy_gettext("Everyone who came."))
    in_person = _count_field(lazy_gettext("In person"))
    online = _count_field(lazy_gettext("Online"))
    newcomers = _count_field(lazy_gettext("Of them, at their first meeting"))

    def counts(self) -> Counts:
        return Counts(**{name: self[name].data for name in
                         ("people", "in_person", "online", "newcomers") if name in self})


class TapForm(FlaskForm):
    """One +/− button: `tap` is "<counter>:<+1 or -1>"."""

    tap = StringField()

    def step(self) -> tuple[Counter, int] | None:
        counter, _, delta = (self.tap.data or "").partition(":")
        if counter not in set(Counter) or delta not in ("1", "-1"):
            return None
        return Counter(counter), int(delta)


#: Weekdays as Meeting Guide lists them, Sunday first; values are Python's (Monday = 0).
#: Each named in the page's language when shown ("martes" -> "Martes").
WEEKDAY_OPTIONS = [(d, LazyString(lambda d: day_name(DAY_NAMES[d]).capitalize(), d))
                   for d in (6, 0, 1, 2, 3, 4, 5)]
REPEATS = [
    ("weekly", lazy_gettext("Every week")),
    ("biweekly", lazy_gettext("Every other week")),
    ("monthly", lazy_gettext("Monthly, on a day of the week")),
    ("once", lazy_gettext("Once, on the first date only")),
]
#: The weeks of a month, as the monthly checkboxes name them.
WEEK_OPTIONS = [(1, lazy_gettext("First")), (2, lazy_gettext("Second")),
                (3, lazy_gettext("Third")), (4, lazy_gettext("Fourth")),
                (5, lazy_gettext("Fifth")), (-1, lazy_gettext("Last"))]


class _Times:
    """A start, a length or an end time, and the yes asked before times that look like
    a slip are taken (recurrence.length_doubt): an end before the start, or more than
    12 hours. The meeting form and a changed date's form share it."""

    start_time: TimeField
    duration_minutes: IntegerField
    end_time = TimeField(lazy_gettext("Or: ends at"), [Optional()],
                         description=lazy_gettext("If given, the length is worked out from it."))
    times_confirmed = BooleanField(lazy_gettext("Yes, these times are right"))
    #: The start when the form leaves it empty: a changed date keeps its series' time.
    usual_start: time | None = None

    def start(self) -> time | None:
        return self.start_time.data or self.usual_start

    def length(self) -> int | None:
        """The length in minutes: from the end time if one is given, else as typed."""
        start = self.start()
        if self.end_time.data is not None and start is not None:
            return minutes_between(start, self.end_time.data)
        return self.duration_minutes.data

    def validate_end_time(self, field: Field) -> None:
        start = self.start()
        if field.data is not None and start is not None and \
                minutes_between(start, field.data) is None:
            raise ValidationError(gettext("The end time is the same as the start time."))

    def validate_times_confirmed(self, field: BooleanField) -> None:
        start, length = self.start(), self.length()
        if field.data or start is None or length is None:
            return
        doubt = length_doubt(start, length, self.end_time.data)
        if doubt is LengthDoubt.NEXT_DAY:
            field.label.text = gettext("Yes, it ends the next day")
            raise ValidationError(gettext(
                "Ends the next day? %(start)s to %(end)s the next day is %(length)s. If it "
                "ends the same day, correct the times.", start=clock(start),
                end=clock(self.end_time.data), length=minutes(length)))
        if doubt is LengthDoubt.LONG:
            field.label.text = gettext("Yes, it lasts %(length)s", length=minutes(length))
            raise ValidationError(gettext(
                "%(length)s long? That is more than 12 hours. If it is shorter, correct the "
                "times.", length=minutes(length)))


#: The meeting form's fields that decide its dates.
_SCHEDULE_FIELDS = ("repeats", "weekdays", "month_weeks", "month_weekday", "first_date",
                    "last_date", "start_week")


class MeetingForm(_PlainErrors, _Times, FlaskForm):
    title = StringField(
        lazy_gettext("Title"), [Required(lazy_gettext("Give the meeting a title.")),
                                Length(max=LIMITS["title"])], filters=[_strip],
        description=lazy_gettext("What members call it, e.g. “Tuesday Step Study”."))
    repeats = RadioField(lazy_gettext("Repeats"), choices=options(REPEATS), default="weekly")
    weekdays = CheckboxesField(
        lazy_gettext("On these days"), coerce=int, choices=options(WEEKDAY_OPTIONS),
        description=lazy_gettext("For weekly and every-other-week meetings."))
    month_weeks = CheckboxesField(
        lazy_gettext("In these weeks of the month"), coerce=int,
        choices=options(WEEK_OPTIONS),
        description=lazy_gettext("For monthly meetings, e.g. First and Third."),
    )
    month_weekday = SelectField(lazy_gettext("On this day (monthly)"), coerce=int,
                                choices=options(WEEKDAY_OPTIONS), default=6)
    first_date = DateField(lazy_gettext("First date"),
        [Required(lazy_gettext("Choose the first date."))])
    last_date = DateField(lazy_gettext("Last date"), [Optional()],
                          description=lazy_gettext("Leave empty while the meeting goes on."))
    start_week = RadioField(
        lazy_gettext("Which week it starts"), coerce=int, default=0,
        choices=options([(0, lazy_gettext("The first of its days on or after the first date")),
                         (1, lazy_gettext("The week after"))]),
        description=lazy_gettext("For every-other-week meetings: which of the first two weeks "
                                 "is a meeting week."))
    start_time = TimeField(lazy_gettext("Starts at"),
        [Required(lazy_gettext("Choose a start time."))])
    duration_minutes = IntegerField(
        lazy_gettext("Length in minutes"), [Optional(), NumberRange(min=1, max=1440)],
        default=60)
    timezone = _timezone_field()
    attendance = RadioField(lazy_gettext("How people attend"),
                            choices=translated_options(Attendance.choices()),
                            default=Attendance.IN_PERSON.value)
    location_name = StringField(
        lazy_gettext("Place"), [Length(max=LIMITS["location_name"])], filters=[_strip],
        description=lazy_gettext("In person and hybrid: e.g. “St. Mark's Hall”."))
    address = StringField(lazy_gettext("Address"), [Length(max=LIMITS["address"])],
                          filters=[_strip])
    region = StringField(
        lazy_gettext("Region"), [Length(max=LIMITS["region"])], filters=[_strip],
        description=lazy_gettext("The part of town, or the town, that members look for in the "
                                 "directory: e.g. “Downtown”. Online meetings can say "
                                 "“Online”."))
    sub_region = StringField(
        lazy_gettext("Area within the region"), [Length(max=LIMITS["sub_region"])],
        filters=[_strip],
        description=lazy_gettext("Optional, e.g. “Wicker Park”; finer areas after a “>”: "
                                 "“East Germantown > Chestnut Hill”. The directory finds it "
                                 "by either."))
    location_notes = TextAreaField(
        lazy_gettext("Directions"), [Length(max=LIMITS["location_notes"])], filters=[_strip],
        description=lazy_gettext("e.g. “Side door, basement room 3”."))
    wheelchair_accessible = BooleanField(lazy_gettext("Wheelchair accessible"))
    # Kept through an edit: an imported meeting has them, and map apps read them.
    # The directory's "near me" list sorts by them, in the visitor's browser only.
    latitude = FloatField(lazy_gettext("Latitude"), [Optional(), NumberRange(
        min=-90, max=90, message=lazy_gettext("A latitude is between -90 and 90."))],
        invalid_value_message=lazy_gettext("Write the latitude as a number, e.g. 41.8781."),
        description=lazy_gettext("e.g. 41.8781 (north is positive). Give both or neither; "
                                 "leave them empty if you do not know them."))
    longitude = FloatField(lazy_gettext("Longitude"), [Optional(), NumberRange(
        min=-180, max=180, message=lazy_gettext("A longitude is between -180 and 180."))],
        invalid_value_message=lazy_gettext("Write the longitude as a number, e.g. -87.6298."),
        description=lazy_gettext("e.g. -87.6298 (west of Greenwich is negative)."))
    online_url = StringField(
        lazy_gettext("Online link"), [Length(max=LIMITS["online_url"])], filters=[_strip],
        description=lazy_gettext("Online and hybrid: the https:// link to join."))
    online_phone = StringField(
        lazy_gettext("Dial-in phone"), [Length(max=LIMITS["online_phone"])], filters=[_strip],
        description=lazy_gettext("e.g. +15555550111,,123456#: a “,” waits, “#” or “*” is a "
                                 "key press, as the phone dials it."))
    online_notes = TextAreaField(
        lazy_gettext("Online notes"), [Length(max=LIMITS["online_notes"])], filters=[_strip],
        description=lazy_gettext(
            "e.g. the passcode. The link, the full dial-in number and these notes are shown "
            "only on the meeting's join page, from 15 minutes before each meeting until it "
            "ends; other pages, the calendars and handouts lead there."))
    passcode_by_request = BooleanField(
        lazy_gettext("Passcode by request"),
        description=lazy_gettext("The join page then gives the link without its passcode, and "
                                 "says whom to ask for it."))
    passcode_contact = StringField(
        lazy_gettext("Whom to ask for the passcode"), [Length(max=LIMITS["passcode_contact"])],
        filters=[_strip],
        description=lazy_gettext("An email address, a phone number or a name; shown publicly."))
    types = CheckboxesField(lazy_gettext("Meeting types"), choices=options(
        (code, LazyString(type_name, code)) for code in TYPES))
    notes = TextAreaField(lazy_gettext("Notes for members"), [Length(max=LIMITS["notes"])],
                          filters=[_strip])
    room_capacity = IntegerField(
        lazy_gettext("Room capacity"), [Optional(), NumberRange(min=1, max=MAX_COUNT)],
        default=DEFAULT_ROOM_CAPACITY,
        description=lazy_gettext("How many people the room (or the online meeting) holds. "
                                 "Members' check-ins to one meeting stop there."))

    def recurrence(self) -> Recurrence:
        """The recurrence chosen (raises InvalidRecurrence with a message for the form)."""
        repeats = self.repeats.data
        if repeats in ("weekly", "biweekly"):
            interval = 2 if repeats == "biweekly" else 1
            return Recurrence.weekly(*(self.weekdays.data or ()), interval=interval)
        if repeats == "monthly":
            return Recurrence.monthly(self.month_weekday.data, *(self.month_weeks.data or ()))
        return Recurrence.once()

    def start_dates(self) -> tuple[date, ...]:
        """The dates the series may start on (recurrence.first_dates); raises
        InvalidRecurrence. Only the typed first date when it is outside the dates a
        series may have (the service says so), none without one."""
        typed = self.first_date.data
        if typed is None or not EARLIEST_DATE <= typed <= LATEST_DATE:
            return () if typed is None else (typed,)
        return first_dates(self.recurrence(), typed)

    def first(self) -> date | None:
        """The series' first date: of an every-other-week meeting, the one whose week
        the facilitator chose."""
        starts = self.start_dates()
        return starts[min(self.start_week.data or 0, len(starts) - 1)] if starts else None

    def coming(self, today: date) -> list[date]:
        """The next four dates as the form stands, for the preview; none while the
        schedule is not complete or not valid."""
        if any(self[name].process_errors for name in _SCHEDULE_FIELDS):
            return []
        try:
            first = self.first()
        except InvalidRecurrence:
            return []
        if first is None or not EARLIEST_DATE <= first <= LATEST_DATE:
            return []
        return preview(self.recurrence(), first, self.last_date.data, today)

    def label_start_weeks(self) -> None:
        """Name the choices of week by their dates, once the schedule tells them."""
        try:
            starts = self.start_dates()
        except InvalidRecurrence:
            return
        if len(starts) == 2:
            self.start_week.choices = options(
                [(0, gettext("Starting %(date)s", date=long_date(starts[0]))),
                 (1, gettext("Starting %(date)s, the week after", date=long_date(starts[1])))])

    def validate_online_phone(self, field: Field) -> None:
        if field.data and dial_string(field.data) is None:
            raise ValidationError(gettext(
                "Give a number a phone can dial: digits (a + first if needed), with “,” "
                "for a pause and “#” or “*” for a key press, e.g. +1 555 555 0111,,123456#. "
                "Words like the passcode go in the online notes."))

    def values(self) -> MeetingValues:
        """The meeting's values: each field named like one of MeetingValues', and those
        the form asks for in its own terms (recurrence, first date, length, attendance)."""
        given = {name: self[name].data for name in VALUE_FIELDS if name in self}
        return MeetingValues(**given | {
            "recurrence": self.recurrence(), "first_date": self.first(),
            "duration_minutes": self.length() or 60,
            "attendance": Attendance(self.attendance.data),
            "room_capacity": self.room_capacity.data or DEFAULT_ROOM_CAPACITY,
        })

    def fill_from(self, meeting: Any) -> None:
        """Show a stored meeting's recurrence and length in the form's own terms. A series
        every other week shows its first meeting as its first date: the first of the two
        weeks to choose from, so saving it unchanged keeps its weeks."""
        self.duration_minutes.data = meeting.duration_minutes
        recurrence = meeting.recurrence
        if len(first_dates(recurrence, meeting.first_date)) > 1:
            self.first_date.data = next(iter(meeting.schedule.next_dates(meeting.first_date, 1)),
                                        meeting.first_date)
            self.start_week.data = 0
        self.repeats.data = {"weekly": "biweekly" if recurrence.interval == 2 else "weekly",
                             "monthly": "monthly", "once": "once"}[recurrence.frequency.value]
        self.weekdays.data = list(recurrence.weekdays) if recurrence.frequency == "weekly" else []
        self.month_weeks.data = list(recurrence.ordinals)
        if recurrence.frequency == "monthly":
            self.month_weekday.data = recurrence.weekdays[0]


class EndMeetingForm(FlaskForm):
    last_date = DateField(lazy_gettext("Last meeting date"),
        [Required(lazy_gettext("Choose the last date."))])


class CancelDateForm(FlaskForm):
    """Why a date is cancelled. Nothing is chosen at first: members read the reason, so
    it is said only when the facilitator says it."""

    reason = RadioField(lazy_gettext("Why (optional)"), [Optional()],
                        choices=translated_options(CancelReason.choices()))
    note = TextAreaField(
        lazy_gettext("Note for members (optional)"), [Length(max=1000)], filters=[_strip],
        description=lazy_gettext("e.g. “Closed for Thanksgiving; see you next week.”"))

    def cancel_reason(self) -> CancelReason | None:
        return CancelReason(self.reason.data) if self.reason.data else None


class ChangeDateForm(_Times, FlaskForm):
    """What is different on one date. The view sets `usual_start`, the series' time."""

    moved_to = DateField(
        lazy_gettext("Held on"), [Optional()],
        description=lazy_gettext("Another day this time only, at most a week away."))
    start_time = TimeField(lazy_gettext("Starts at"), [Optional()])
    duration_minutes = IntegerField(lazy_gettext("Length in minutes"),
                                    [Optional(), NumberRange(1, 1440)])
    location_name = StringField(lazy_gettext("Place"), [Length(max=200)], filters=[_strip])
    address = StringField(lazy_gettext("Address"), [Length(max=300)], filters=[_strip])
    online_url = StringField(lazy_gettext("Online link"), [Length(max=500)], filters=[_strip])
    note = TextAreaField(lazy_gettext("Note for members"), [Length(max=1000)], filters=[_strip],
                         description=lazy_gettext("What is different, in a sentence."))

    def change(self) -> DateChange:
        return DateChange(
            start_time=self.start_time.data, duration_minutes=self.length(),
            moved_to=self.moved_to.data,
            location_name=self.location_name.data, address=self.address.data,
            online_url=self.online_url.data, note=self.note.data,
        )


class _Sender:
    """What a representative's forms add to the manage forms they reuse: how to reach
    the sender (optional, for admins only) and the values the form was opened with."""

    contact = StringField(
        lazy_gettext("How to reach you (optional)"), [Length(max=300)], filters=[_strip],
        description=lazy_gettext(
            "An email or phone, if the admins may ask you about it. Only the organization's "
            "admins see it, and it is deleted once they decide."))
    seen = HiddenField()


class SenderMeetingForm(_Sender, MeetingForm):
    pass


class SenderChangeDateForm(_Sender, ChangeDateForm):
    pass


class SenderCancelDateForm(_Sender, CancelDateForm):
    pass


class DecisionForm(FlaskForm):
    """An admin's decision on one proposed change."""

    value = TextAreaField(lazy_gettext("Value to apply"), filters=[_strip])
    reason = TextAreaField(lazy_gettext("Reason, for the sender"), [Length(max=1000)],
                           filters=[_strip])


class ReviewMeetingForm(MeetingForm):
    """The manage meeting form, opened by an admin with a representative's proposal in it:
    saving it approves the proposal as edited."""

    reason = TextAreaField(lazy_gettext("Note for the sender (optional)"), [Length(max=1000)],
                           filters=[_strip])


def field_labels(form: type[FlaskForm]) -> dict[str, str]:
    """Each field's label by name, the recurrence's as the form asks it ("Repeats")."""
    labels = {name: unbound.args[0] for name in dir(form)
              if hasattr(unbound := getattr(form, name), "field_class") and unbound.args}
    return labels | {"recurrence": labels.get("repeats", "Repeats")}


class DocumentForm(FlaskForm):
    """A new version of guidelines, a statement or an agreement."""

    body = TextAreaField(
        lazy_gettext("Text"), filters=[lambda value: value or ""],
        description=lazy_gettext("Markdown: a blank line between paragraphs, **bold**, "
                                 "*italic*, “- ” at the start of a line for a list, “# ” "
                                 "for a heading."),
    )
    note = StringField(lazy_gettext("What changed, and why"), [Length(max=300)],
                       filters=[_strip],
                       description=lazy_gettext("Optional; shown in the list of versions."))
    #: The version the text was based on: a save is refused if it is no longer current.
    based_on = IntegerField(widget=widgets.HiddenInput(),
                            validators=[HIDDEN_REQUIRED, NumberRange(min=0)])


class SignatureForm(FlaskForm):
    typed_name = StringField(lazy_gettext("Type your name to sign"),
                             [Required(lazy_gettext("Type your name.")),
                              Length(max=120)], filters=[_strip])
    confirm = BooleanField(lazy_gettext("I have read this agreement and I agree to keep to it"))
    version = IntegerField(widget=widgets.HiddenInput(), validators=[HIDDEN_REQUIRED])


class TrainingTypeForm(FlaskForm):
    name = StringField(lazy_gettext("Name"), [Required(lazy_gettext("Enter the training's name.")),
                                              Length(max=200)],
                       filters=[_strip], description=lazy_gettext("e.g. “CPR and first aid”."))
    description = TextAreaField(lazy_gettext("Description"), [Length(max=5000)],
                                filters=[_strip])
    validity_months = IntegerField(
        lazy_gettext("Valid for (months)"), [Optional(), NumberRange(min=1, max=240)],
        description=lazy_gettext("e.g. 24 for two years. Leave empty if it never expires."))
    required_roles = CheckboxesField(
        lazy_gettext("Required of"), choices=options([
            (Role.FACILITATOR.value, lazy_gettext("Facilitators and co-facilitators")),
            (Role.ADMIN.value, lazy_gettext("Admins"))]),
        description=lazy_gettext(
            "Leave both unchecked for a training leaders may record but need not hold."))
    required_hours = IntegerField(
        lazy_gettext("Continuing-education hours"), [Optional(), NumberRange(min=1, max=1000)],
        description=lazy_gettext("Only for a requirement counted in hours, e.g. 20 hours "
                                 "within the validity above."))

    def values(self) -> dict[str, Any]:
        names = ("name", "description", "validity_months", "required_roles", "required_hours")
        return {name: self[name].data for name in names}


class MeetingGuideImportForm(FlaskForm):
    """A Meeting Guide feed to import into the org, with the options of `flask
    import-meeting-guide` that make sense on the web (the org is the admin's own)."""

    feed = FileField(lazy_gettext("Meeting Guide JSON file"),
                     [Required(lazy_gettext("Choose a Meeting Guide JSON file."))],
                     description=lazy_gettext(
                         "The feed of a 12 Step Meeting List site (its address ends in "
                         "meeting-guide.php or meetings.json), saved as a file."))
    timezone = _timezone_field(lazy_gettext("The zone of meetings the file gives none for."))
    program = SelectField(lazy_gettext("Program of new groups"),
                          choices=options(Program.choices()),
                          description=lazy_gettext(
                              "For groups whose meetings' type codes name no program, and "
                              "that the program map does not name."))
    program_map = TextAreaField(
        lazy_gettext("Program map (optional)"), [Length(max=10_000)], filters=[_strip],
        description=lazy_gettext("For a feed of several programs: one line each of “type "
                                 "code or group name = program”, e.g. “RD = dharma”."))


class TrainingRecordForm(_PlainErrors, FlaskForm):
    training_type_id = SelectField(
        lazy_gettext("Training"), coerce=int,
        invalid_choice_message=lazy_gettext("Choose a training from the list."))
    provider = StringField(
        lazy_gettext("Provider"), [Length(max=200)], filters=[_strip],
        description=lazy_gettext("Who gave the training, e.g. “American Red Cross”."))
    completed_on = DateField(lazy_gettext("Completed on"),
        [Required(lazy_gettext("Choose the date you completed it."))])
    expires_on_override = DateField(
        lazy_gettext("Expires on"), [Optional()],
        description=lazy_gettext("Leave empty to work it out from the training's validity; give "
                                 "the date on the certificate if it differs."))
    certificate_number = StringField(lazy_gettext("Certificate number"), [Length(max=100)],
                                     filters=[_strip])
    hours = FloatField(lazy_gettext("Hours"), [Optional(), NumberRange(
        min=0, max=500, message=lazy_gettext("Hours are between 0 and 500."))],
        description=lazy_gettext("For continuing education."))
    notes = TextAreaField(lazy_gettext("Notes"), [Length(max=2000)], filters=[_strip])
    evidence = FileField(lazy_gettext("Certificate or other evidence (optional)"),
                         description=lazy_gettext(
                             "A PDF, PNG or JPEG, or a photo from an iPhone (HEIC, kept as a "
                             "JPEG), of at most %(limit)s. Only you, your organization's admins "
                             "and its auditors can open it.", limit=EVIDENCE_LIMIT))
