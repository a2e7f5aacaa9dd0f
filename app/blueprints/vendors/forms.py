"""Forms of the vendor side: profile, documents, the application."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.services.vendors.applications import ApplicationInput
from app.services.vendors.documents import KINDS
from app.services.vendors.profiles import CATEGORIES, ProfileInput
from app.web import db_int


class ProfileForm(FlaskForm):
    business_name = StringField("Business name", validators=[DataRequired(), Length(max=160)])
    category = SelectField("Category", choices=[SelectChoice(k, v) for k, v in CATEGORIES.items()])
    description = TextAreaField("What your business does", validators=[Length(max=4000)])
    website = StringField("Website or social handle", validators=[Length(max=300)])
    contact_name = StringField("Contact person", validators=[DataRequired(), Length(max=120)])
    phone = StringField("Phone", validators=[Length(max=40)])

    def to_input(self) -> ProfileInput:
        return ProfileInput(self.business_name.data or "", self.category.data or "",
                            self.description.data or "", self.website.data or "",
                            self.contact_name.data or "", self.phone.data or "")


class DocumentForm(FlaskForm):
    kind = SelectField("Document type", choices=[SelectChoice(k, v) for k, v in KINDS.items()
                                           if k != "answer"])
    file = FileField("File (PDF, JPEG or PNG, up to 5 MB)", validators=[FileRequired()])


class ApplicationForm(FlaskForm):
    booth_type_id = SelectField("Booth type", coerce=db_int, validate_choice=False)
    preferences = SelectMultipleField("Preferred booths (up to 3)", coerce=db_int,
                                      validate_choice=False)
    products = TextAreaField("Products you will sell", validators=[Length(max=4000)])
    power_amps = IntegerField("Power needed (amps)", default=0,
                              validators=[Optional(), NumberRange(0, 400)])
    water = BooleanField("I need a water connection")
    vehicle_size = StringField("Vehicle (food trucks: length × width)",
                               validators=[Length(max=60)])

    def to_input(self, answers: dict[str, str]) -> ApplicationInput:
        return ApplicationInput(self.booth_type_id.data or None, self.preferences.data or [],
                                answers, self.products.data or "", self.power_amps.data or 0,
                                bool(self.water.data), self.vehicle_size.data or "")
