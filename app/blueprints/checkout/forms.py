"""Checkout and payment-proof forms. One attendee subform per ticket, keyed by its slot."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.accounts import normalise_email
from app.services.errors import DomainError
from app.services.orders import CHANNELS, REQUIREMENT_CHOICES, AttendeeInput


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AttendeeForm(Form):
    key = HiddenField()
    name = StringField("Attendee name", validators=[DataRequired("Enter the attendee's name."),
                                                    Length(max=120)])
    email = StringField("Attendee email", validators=[
        DataRequired("Enter the attendee's email."), Length(max=254)],
        render_kw={"autocomplete": "email", "type": "email"})
    choices = CheckboxesField("Access and dietary needs",
                              choices=[SelectChoice(*c) for c in REQUIREMENT_CHOICES])
    requirements = TextAreaField("Anything else we should know?",
                                 validators=[Optional(), Length(max=2000)])

    def validate_email(self, field) -> None:
        try:
            field.data = normalise_email(field.data)
        except DomainError as exc:
            raise ValidationError("Enter an email address like name@example.com.") from exc


class CheckoutForm(FlaskForm):
    attendees = FieldList(FormField(AttendeeForm))
    payment_method = RadioField("How would you like to pay?",
                                validators=[DataRequired("Choose how to pay.")])

    def prefill(self, slots, buyer) -> None:
        """One attendee entry per ticket, defaulting to the buyer."""
        while len(self.attendees):
            self.attendees.pop_entry()
        for slot in slots:
            self.attendees.append_entry({"key": slot.key, "name": buyer.name,
                                         "email": buyer.email})

    def attendee_inputs(self) -> list[AttendeeInput]:
        return [AttendeeInput(entry.key.data, entry.form.name.data or "",
                              entry.form.email.data or "", entry.form.requirements.data or "",
                              list(entry.form.choices.data or []))
                for entry in self.attendees]


class ProofForm(FlaskForm):
    channel = RadioField("How did you pay?", default="bank",
                         choices=[SelectChoice(*c) for c in CHANNELS.items()],
                         validators=[DataRequired("Choose how you paid.")])
    reference = StringField("Transaction reference", validators=[
        DataRequired("Enter the transaction reference from your bank or SMS."),
        Length(min=3, max=120)])
    receipt = FileField("Receipt (optional): a photo or PDF, up to 5 MB")
