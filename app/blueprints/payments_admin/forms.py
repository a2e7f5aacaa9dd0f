from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


class RejectForm(FlaskForm):
    reason = StringField("Reason (the buyer sees it)", validators=[
        DataRequired("Give the buyer a reason."), Length(min=3, max=500)])


class CancelForm(FlaskForm):
    reason = TextAreaField("Reason (the buyer sees it)", validators=[
        DataRequired("Give the buyer a reason."), Length(min=3, max=2000)])


class PaymentSettingsForm(FlaskForm):
    bank_instructions = TextAreaField("Bank transfer details", validators=[Length(max=2000)],
                                      description="Bank, account name and number, branch.")
    mobile_money_instructions = TextAreaField(
        "Mobile money details", validators=[Length(max=2000)],
        description="Network and number, e.g. MTN 096 000 0000 (Main Stage Ltd).")
    payment_minutes = IntegerField("Card payment window (minutes)", default=12, validators=[
        DataRequired(), NumberRange(5, 120)])
    approval_hours = IntegerField("Manual approval window (hours)", default=48, validators=[
        DataRequired(), NumberRange(1, 24 * 14)])
