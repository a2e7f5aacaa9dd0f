"""Forms of the ticket pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length


class TransferForm(FlaskForm):
    name = StringField("Their name", validators=[DataRequired(), Length(max=120)],
                       render_kw={"autocomplete": "off"})
    email = EmailField("Their email address",
                       validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
