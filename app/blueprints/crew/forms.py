"""Forms of the crew portal."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.crew.roles import QUALIFICATIONS


class DeclineForm(FlaskForm):
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=300)])


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as checkboxes (easier than a multi-select on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(FlaskForm):
    phone = StringField("Phone number", validators=[Optional(), Length(max=40)],
                        render_kw={"type": "tel", "autocomplete": "tel"})
    share_phone = BooleanField("Show my phone number to the crew of my shifts")
    qualifications = CheckboxesField(
        "Qualifications I hold",
        choices=[SelectChoice(key, label) for key, label in QUALIFICATIONS.items()])
