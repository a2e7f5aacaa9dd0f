"""A person's way into an account in a real browser: sign up, read the confirmation mail in
the outbox, confirm (by code on a phone, by link on a desktop), log out, log in again."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from app.extensions import db
from app.models import OutboundEmail, User
from tests.e2e.conftest import DESKTOP, PHONE


def latest_mail_to(email: str) -> OutboundEmail:
    db.session.expire_all()
    return db.session.execute(
        db.select(OutboundEmail).where(OutboundEmail.to_email == email)
        .order_by(OutboundEmail.id.desc())
    ).scalars().first()


def sign_up(page, screenshot, prefix: str) -> tuple[str, str]:
    email = f"{prefix}-{secrets.token_hex(4)}@example.test"
    password = "correct horse " + secrets.token_urlsafe(8)
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    screenshot(page, f"{prefix}-1-register")
    page.get_by_label("Your name").fill("Rosa Browser")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    expect(page.locator("#flashes")).to_contain_text("We sent a 6-digit code")
    screenshot(page, f"{prefix}-2-confirm")
    return email, password


def log_out_and_back_in(page, screenshot, prefix: str, email: str, password: str) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#flashes")).to_contain_text("You are logged out.")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login"))  # the session really ended
    screenshot(page, f"{prefix}-4-login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password + "x")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".error-text, .alert-error").first).to_be_visible()
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#flashes")).to_contain_text("Welcome back, Rosa Browser.")
    page.goto("/account")
    expect(page.get_by_role("main")).to_contain_text(email)
    screenshot(page, f"{prefix}-5-account")


def test_sign_up_confirm_by_code_log_out_and_in_on_a_phone(new_page, screenshot):
    page = new_page(PHONE, 844)
    email, password = sign_up(page, screenshot, "phone")
    mail = latest_mail_to(email)
    assert mail is not None and mail.template == "verify_email"
    code = re.search(r"^\s+(\d{6})\s*$", mail.text_body, re.MULTILINE).group(1)
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#flashes")).to_contain_text("your email address is confirmed")
    expect(page.locator(".banner-warning")).to_have_count(0)
    screenshot(page, "phone-3-confirmed")
    assert db.session.execute(db.select(User).filter_by(email=email)).scalar_one().is_verified
    log_out_and_back_in(page, screenshot, "phone", email, password)
    assert page.js_errors == [], page.js_errors


def test_sign_up_confirm_by_link_on_a_desktop(app, new_page, screenshot):
    page = new_page(DESKTOP)
    email, password = sign_up(page, screenshot, "desktop")
    page.goto("/")
    expect(page.locator(".banner-warning")).to_be_visible()  # unverified: told why
    link = re.search(r"(https?://\S+/verify/\S+)", latest_mail_to(email).text_body).group(1)
    # Links are built from PUBLIC_URL, never from the request's Host header.
    assert link.startswith(app.config["PUBLIC_URL"] + "/verify/email/")
    link = link.removeprefix(app.config["PUBLIC_URL"])
    page.goto(link)
    expect(page.locator("#flashes")).to_contain_text("is confirmed")
    screenshot(page, "desktop-3-confirmed")
    page.goto(link)  # single use: a second visit does not confirm again
    expect(page.get_by_role("main")).not_to_contain_text("is confirmed")
    page.goto("/account")
    log_out_and_back_in(page, screenshot, "desktop", email, password)
    assert page.js_errors == [], page.js_errors
