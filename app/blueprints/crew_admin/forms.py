"""Forms of the organizers' crew tools."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.services.crew.roles import QUALIFICATIONS

QUALIFICATION_CHOICES = [SelectChoice(key, label) for key, label in QUALIFICATIONS.items()]
LOCAL = "%Y-%m-%dT%H:%M"


class RoleForm(FlaskForm):
    name = StringField("Role name", validators=[DataRequired(), Length(max=80)])
    requirements = SelectMultipleField("Requires", choices=QUALIFICATION_CHOICES)


class PoolForm(FlaskForm):
    email = EmailField("Email of a registered person", validators=[DataRequired(),
                                                                   Length(max=254)])
    qualifications = SelectMultipleField("Confirmed qualifications",
                                         choices=QUALIFICATION_CHOICES)


class SettingsForm(FlaskForm):
    cancel_cutoff_hours = IntegerField("Crew may cancel until (hours before start)",
                                       validators=[NumberRange(0, 24 * 14)])
    second_reminder_hours = IntegerField("Second reminder (hours before start)",
                                         validators=[NumberRange(1, 23)])
    no_show_grace_minutes = IntegerField("No-show after (minutes past start)",
                                         validators=[NumberRange(0, 600)])
    night_multiplier = DecimalField("Night hours (22:00–06:00) count ×", places=2,
                                    validators=[NumberRange(1, 5)])
    contact = StringField("Crew contact (shown after the cut-off)",
                          validators=[Optional(), Length(max=254)])


class ShiftForm(FlaskForm):
    role = SelectField("Role", coerce=int)
    starts_at = DateTimeLocalField("Starts", format=LOCAL, validators=[DataRequired()])
    ends_at = DateTimeLocalField("Ends", format=LOCAL, validators=[DataRequired()])
    headcount = IntegerField("People needed", default=1, validators=[NumberRange(1, 500)])
    location = StringField("Location", validators=[Optional(), Length(max=160)])
    instructions = TextAreaField("Instructions", validators=[Optional(), Length(max=4000)])
    self_signup = BooleanField("Open for self sign-up by the crew pool")


class BulkShiftForm(ShiftForm):
    every_hours = DecimalField("Repeat every (hours)", places=2, default=4,
                               validators=[NumberRange(0.25, 168)])
    until = DateTimeLocalField("Last shift ends by", format=LOCAL, validators=[DataRequired()])


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])


class BriefingForm(FlaskForm):
    shift = SelectField("For", coerce=int, default=0)
    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    body = TextAreaField("Briefing", validators=[DataRequired(), Length(max=20000)])
    attachment = FileField("Attachment (PDF, PNG, JPEG or text, up to 5 MB)")


class ScanForm(FlaskForm):
    code = StringField("Crew QR code", validators=[DataRequired(), Length(max=400)])
