"""Forms for organizations, members and invitations."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.models import Role
from app.services.organizations import ROLE_LABELS

ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


class OrganizationForm(FlaskForm):
    name = StringField("Organization name", validators=[DataRequired(), Length(max=120)])


class InviteForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.MANAGER.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(role.value, role.value.title())
                                        for role in Role])


def show_domain_error(form: FlaskForm, error) -> None:
    """Attach a service's DomainError to its field, or to the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
