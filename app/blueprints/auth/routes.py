"""Account pages: thin views over app/services/accounts.py."""

from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from app.blueprints.auth import bp
from app.blueprints.auth.forms import (
    ChangePasswordForm,
    CodeForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from app.extensions import db, limiter
from app.security import safe_next
from app.services import accounts
from app.services.accounts import InvalidLink
from app.services.errors import DomainError
from app.web import hx_redirect, render_page_or_block


def _limit(config_key: str):
    """The rate limit named by `config_key`, read per request, counted on POSTs only."""
    return limiter.limit(lambda: current_app.config[config_key], methods=["POST"])


def _next_url(default: str | None = None) -> str:
    return safe_next(request.args.get("next"), default or url_for("main.home"))


def _show(form: FlaskForm, error: DomainError) -> None:
    """Put a rule's message on its field, or above the form."""
    target = getattr(form, error.field, None) if error.field else None
    (target.errors if target is not None else form.form_errors).append(error.message)


def _form_page(template: str, form: FlaskForm, **context):
    """The page (or, for htmx, its `form` block); 422 when a submitted form was refused."""
    status = 422 if form.is_submitted() else 200
    return render_page_or_block(template, "form", status=status, form=form, **context)


def _dead_link(error: InvalidLink, purpose: str):
    return render_page_or_block("auth/link_invalid.html", status=400, message=error.message,
                                purpose=purpose)


def _me():
    return current_user._get_current_object()


@bp.route("/login", methods=["GET", "POST"])
@_limit("RATELIMIT_LOGIN")
def login():
    if current_user.is_authenticated:
        return hx_redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            _show(form, error)
        else:
            db.session.commit()  # a rehashed password is saved
            login_user(user, remember=form.remember.data)
            flash(f"Welcome back, {user.name}.", "success")
            return hx_redirect(_next_url())
    return _form_page("auth/login.html", form)


@bp.route("/register", methods=["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
def register():
    if current_user.is_authenticated:
        return hx_redirect(_next_url())
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_user(form.email.data, form.name.data, form.password.data)
        except DomainError as error:
            _show(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(f"Welcome to Marquee, {user.name}! We sent a 6-digit code to {user.email}.",
                  "success")
            return hx_redirect(url_for("auth.verify_code", next=request.args.get("next")))
    return _form_page("auth/register.html", form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_all_sessions(_me())  # old session and remember cookies stop working
        db.session.commit()
        logout_user()
        flash("You are logged out.", "info")
    return hx_redirect(url_for("main.home"))


@bp.get("/account")
@login_required
def account():
    return render_page_or_block("auth/account.html", "content", form=ChangePasswordForm())


@bp.post("/account/password")
@login_required
@_limit("RATELIMIT_LOGIN")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(_me(), form.current_password.data, form.new_password.data)
        except DomainError as error:
            _show(form, error)
        else:
            db.session.commit()
            remembered = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME",
                                                                    "remember_token"))
            login_user(_me(), remember=bool(remembered))  # this session carries on
            flash("Your password was changed. Other devices have been logged out.", "success")
            return hx_redirect(url_for("auth.account"))
    return _form_page("auth/account.html", form)


@bp.route("/verify", methods=["GET", "POST"])
@login_required
@_limit("RATELIMIT_CODE")
def verify_code():
    if current_user.is_verified:
        return hx_redirect(_next_url(url_for("auth.account")))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            accounts.verify_email_with_code(_me(), form.code.data)
        except DomainError as error:
            db.session.commit()  # a wrong guess still counts against the code
            _show(form, error)
        else:
            db.session.commit()
            flash("Thank you, your email address is confirmed.", "success")
            return hx_redirect(_next_url(url_for("auth.account")))
    return _form_page("auth/verify.html", form)


@bp.get("/verify/email/<token>")
def verify_email(token: str):
    try:
        user = accounts.verify_email_with_link(token)
    except InvalidLink as error:
        return _dead_link(error, "verify")
    db.session.commit()
    flash(f"Thank you, {user.email} is confirmed.", "success")
    return hx_redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))


@bp.post("/verify/resend")
@login_required
@_limit("RATELIMIT_CODE")
def resend_verification():
    try:
        accounts.send_verification(_me())
    except DomainError as error:
        flash(error.message, "info")
    else:
        db.session.commit()
        flash(f"We sent a new code and link to {current_user.email}. "
              "Earlier ones no longer work.", "success")
    return hx_redirect(url_for("auth.verify_code"))


@bp.route("/reset", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        return hx_redirect(url_for("auth.reset_sent"))
    return _form_page("auth/reset_request.html", form)


@bp.get("/reset/sent")
def reset_sent():
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    return render_page_or_block("auth/reset_sent.html", "content", minutes=minutes)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    try:
        user = accounts.user_for_reset(token)
        if form.validate_on_submit():
            accounts.reset_password(token, form.password.data)
            db.session.commit()
            login_user(user)
            flash("Your password was changed and you are logged in. "
                  "Every other device has been logged out.", "success")
            return hx_redirect(url_for("auth.account"))
    except InvalidLink as error:
        return _dead_link(error, "reset")
    except DomainError as error:
        _show(form, error)
    return _form_page("auth/reset_password.html", form, email=user.email, token=token)
