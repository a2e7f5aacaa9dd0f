"""Account forms. Field checks only; the account rules live in app/services/accounts.py."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from app.services.accounts import normalise_email
from app.services.errors import DomainError
from app.services.passwords import MAX_LENGTH, password_problem

_EMAIL_KW = {"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"}


def _email_field(label: str = "Email") -> EmailField:
    return EmailField(label, validators=[DataRequired("Enter your email address."),
                                         Length(max=254)], render_kw=_EMAIL_KW)


def _new_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired("Choose a password."),
                                            Length(max=MAX_LENGTH)],
                         render_kw={"autocomplete": "new-password"})


def _confirm(other: str) -> PasswordField:
    return PasswordField("Repeat the password", validators=[
        DataRequired("Type the password again."),
        EqualTo(other, message="The two passwords do not match."),
    ], render_kw={"autocomplete": "new-password"})


def _check_password(password: str | None, email: str | None) -> None:
    """Show the policy's verdict with the other field errors (the service checks it again)."""
    problem = password_problem(password or "", email=email)
    if problem:
        raise ValidationError(problem)


def _digits_only(value: str | None) -> str | None:
    # People copy codes as "123 456" or "123-456".
    return re.sub(r"[\s-]", "", value) if value else value


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me logged in on this device")


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Tell us your name."),
                                                Length(max=120)],
                       render_kw={"autocomplete": "name"})
    email = _email_field()
    password = _new_password("Password")
    confirm = _confirm("password")

    def validate_email(self, field) -> None:
        try:
            normalise_email(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from error

    def validate_password(self, field) -> None:
        _check_password(field.data, self.email.data)


class CodeForm(FlaskForm):
    code = StringField("6-digit code", filters=[_digits_only], validators=[
        DataRequired("Enter the code from the email."),
        Regexp(r"^\d{6}$", message="The code is 6 digits."),
    ], render_kw={"inputmode": "numeric", "autocomplete": "one-time-code",
                  "pattern": r"[0-9 \-]{6,8}", "maxlength": 8, "class": "code-input"})


class ResetRequestForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password("New password")
    confirm = _confirm("password")

    def validate_password(self, field) -> None:
        _check_password(field.data, None)  # the service adds the account's own email rule


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired("Enter your current password.")],
                                     render_kw={"autocomplete": "current-password"})
    new_password = _new_password("New password")
    confirm = _confirm("new_password")

    def validate_new_password(self, field) -> None:
        _check_password(field.data, None)
