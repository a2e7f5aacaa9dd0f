"""A crew member's own profile: phone number, consent to share it, declared qualifications.

One profile page covers every crew pool the person is in: the phone number is the account's,
and the consent and the declared qualifications are copied to each of their pool entries (and
to entries made later). A declared qualification does not count for the roles' requirements
until an organizer of that organization confirms it in the crew pool; withdrawing one counts
at once, everywhere, because the person is the one who knows it lapsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Organization, User
from app.models.crew import CrewProfile
from app.services.crew.roles import QUALIFICATIONS
from app.services.errors import DomainError

PHONE = re.compile(r"^\+?[0-9 ()./-]{6,40}$")


@dataclass(frozen=True)
class PoolStanding:
    """What one organization has confirmed of the person's qualifications."""

    organization: Organization
    confirmed: list[str]
    pending: list[str]


@dataclass(frozen=True)
class OwnProfile:
    phone: str
    share_phone: bool
    declared: list[str]
    pools: list[PoolStanding]


def _profiles(user: User) -> list[CrewProfile]:
    return list(db.session.scalars(select(CrewProfile).where(CrewProfile.user_id == user.id)
                                   .order_by(CrewProfile.id)))


def own_profile(user: User) -> OwnProfile:
    """The person's profile as their page shows it (declared includes what organizers set)."""
    profiles = _profiles(user)
    declared = {q for p in profiles for q in (p.declared_qualifications or [])}
    declared |= {q for p in profiles for q in (p.qualifications or [])}
    pools = [PoolStanding(p.organization,
                          [q for q in QUALIFICATIONS if q in (p.qualifications or [])],
                          pending_of(p)) for p in profiles]
    return OwnProfile(user.phone or "", any(p.share_phone for p in profiles),
                      [q for q in QUALIFICATIONS if q in declared], pools)


def pending_of(profile: CrewProfile) -> list[str]:
    """Declared qualifications the organization has not confirmed yet."""
    confirmed = set(profile.qualifications or [])
    return [q for q in QUALIFICATIONS
            if q in (profile.declared_qualifications or []) and q not in confirmed]


def clean_phone(phone: str) -> str | None:
    """The phone number as the person typed it (trimmed), None when left empty."""
    phone = " ".join((phone or "").split())
    if not phone:
        return None
    if not PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 6:
        raise DomainError("Enter a phone number with at least 6 digits, e.g. +260 97 123 4567.",
                          "phone")
    return phone


def update_own_profile(user: User, *, phone: str, share_phone: bool,
                       qualifications: list[str]) -> OwnProfile:
    """Save the person's phone, consent and declared qualifications on all their pools."""
    if set(qualifications) - set(QUALIFICATIONS):
        raise DomainError("Unknown qualification.", "qualifications")
    user.phone = clean_phone(phone)
    if share_phone and not user.phone:
        raise DomainError("Add your phone number to share it with your crew.", "share_phone")
    declared = [q for q in QUALIFICATIONS if q in qualifications]
    pools = _profiles(user)
    if not pools and (share_phone or declared):
        raise DomainError("You are not in an organization's crew pool yet. Once an organizer "
                          "invites you to a shift you can add your qualifications here.")
    for profile in pools:
        profile.share_phone = share_phone
        profile.declared_qualifications = declared
        # Withdrawn ones stop counting at once; new ones wait for the organizer.
        profile.qualifications = [q for q in (profile.qualifications or []) if q in declared]
    db.session.flush()
    return own_profile(user)
