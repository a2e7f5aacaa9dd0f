"""Forms for creating events and their sessions, and for the public filter."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.models.events import CATEGORIES

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
CATEGORY_CHOICES = [SelectChoice(c, c.title()) for c in CATEGORIES]


class EventForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=120)])
    slug = StringField("Web address", validators=[
        Optional(), Length(max=60),
        Regexp(r"^[a-z0-9-]+$", message="Use lowercase letters, digits and hyphens only.")])
    category = SelectField("Category", choices=CATEGORY_CHOICES, default="concert")
    description = TextAreaField("Description", validators=[Length(max=10000)])
    venue_name = StringField("Venue", validators=[DataRequired(), Length(max=160)])
    venue_address = StringField("Venue address", validators=[Optional(), Length(max=300)])
    timezone = StringField("Timezone", validators=[DataRequired(), Length(max=64)],
                           default="Africa/Lusaka", render_kw={"list": "timezones"})
    starts_at = DateTimeLocalField("Starts", format=LOCAL_FORMATS,
                                   validators=[DataRequired("Enter a start date and time.")])
    ends_at = DateTimeLocalField("Ends", format=LOCAL_FORMATS,
                                 validators=[DataRequired("Enter an end date and time.")])
    currency = StringField("Currency", default="ZMW", validators=[
        DataRequired(), Regexp(r"^[A-Za-z]{3}$", message="Use a three-letter code like ZMW.")],
        render_kw={"maxlength": 3, "autocapitalize": "characters"})


class SessionForm(FlaskForm):
    session_name = StringField("Session name", validators=[DataRequired(), Length(max=120)])
    session_starts_at = DateTimeLocalField("Starts", format=LOCAL_FORMATS,
                                           validators=[DataRequired("Enter a start.")])
    session_ends_at = DateTimeLocalField("Ends", format=LOCAL_FORMATS,
                                         validators=[DataRequired("Enter an end.")])


class EventFilterForm(FlaskForm):
    """The public list's filters; read from the query string, no CSRF (GET, no changes)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=100)])
    category = SelectField("Category", validators=[Optional()],
                           choices=[SelectChoice("", "All categories"), *CATEGORY_CHOICES])
    when = SelectField("When", choices=[SelectChoice("upcoming", "Upcoming"),
                                         SelectChoice("past", "Past")],
                       validators=[Optional()])
