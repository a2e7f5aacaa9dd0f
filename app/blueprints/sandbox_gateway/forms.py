from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired


class CardForm(FlaskForm):
    number = StringField("Card number", validators=[DataRequired("Enter the card number.")],
                         render_kw={"autocomplete": "cc-number", "inputmode": "numeric",
                                    "placeholder": "1234 1234 1234 1234"})
    expiry = StringField("Expiry (MM/YY)", validators=[DataRequired("Enter the expiry date.")],
                         render_kw={"autocomplete": "cc-exp", "placeholder": "MM/YY"})
    cvc = StringField("Security code", validators=[DataRequired("Enter the security code.")],
                      render_kw={"autocomplete": "cc-csc", "inputmode": "numeric"})
    name = StringField("Name on card", render_kw={"autocomplete": "cc-name"})
