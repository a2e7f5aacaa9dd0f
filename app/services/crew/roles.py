"""Crew roles, the crew pool (profiles with qualifications) and the organization's settings."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Organization, User
from app.models.crew import CrewProfile, CrewRole, CrewSettings
from app.services.errors import DomainError

QUALIFICATIONS = {
    "food_hygiene": "Food-hygiene certificate",
    "driving_licence": "Driving licence",
    "first_aid": "First aid",
    "security_licence": "Security licence",
}


def settings_for(organization_id: int) -> CrewSettings:
    """The organization's crew settings, made with the defaults on first use."""
    settings = db.session.get(CrewSettings, organization_id)
    if settings is None:
        settings = CrewSettings(organization_id=organization_id, cancel_cutoff_hours=24,
                                second_reminder_hours=2, no_show_grace_minutes=30,
                                night_multiplier=Decimal("1.00"), night_starts_hour=22,
                                night_ends_hour=6)
        db.session.add(settings)
        db.session.flush()
    return settings


def update_settings(organization_id: int, *, cancel_cutoff_hours: int,
                    second_reminder_hours: int, no_show_grace_minutes: int,
                    night_multiplier: Decimal, contact: str | None) -> CrewSettings:
    """Change the organization's crew rules."""
    if not Decimal("1") <= night_multiplier <= Decimal("5"):
        raise DomainError("The night multiplier is between 1 and 5.", "night_multiplier")
    settings = settings_for(organization_id)
    settings.cancel_cutoff_hours = cancel_cutoff_hours
    settings.second_reminder_hours = second_reminder_hours
    settings.no_show_grace_minutes = no_show_grace_minutes
    settings.night_multiplier = night_multiplier
    settings.contact = contact or None
    db.session.flush()
    return settings


def create_role(org: Organization, name: str, requirements: list[str]) -> CrewRole:
    """A new crew role; `requirements` are keys of QUALIFICATIONS."""
    name = name.strip()
    exists = db.session.scalar(select(CrewRole.id).where(CrewRole.organization_id == org.id,
                                                         CrewRole.name == name))
    if exists:
        raise DomainError(f"There is already a role called {name}.", "name")
    unknown = set(requirements) - set(QUALIFICATIONS)
    if unknown:
        raise DomainError("Unknown qualification.", "requirements")
    role = CrewRole(organization_id=org.id, name=name, requirements=sorted(requirements))
    db.session.add(role)
    db.session.flush()
    return role


def roles_of(organization_id: int) -> list[CrewRole]:
    return list(db.session.scalars(select(CrewRole).where(
        CrewRole.organization_id == organization_id).order_by(CrewRole.name)))


def profile_of(organization_id: int, user_id: int) -> CrewProfile | None:
    return db.session.scalar(select(CrewProfile).where(
        CrewProfile.organization_id == organization_id, CrewProfile.user_id == user_id))


def add_to_pool(org: Organization, user: User, qualifications: list[str]) -> CrewProfile:
    """Put `user` in the organization's crew pool, or set the qualifications the organization
    confirms for them. Their consent to share their phone is theirs to give (crew profile)."""
    if set(qualifications) - set(QUALIFICATIONS):
        raise DomainError("Unknown qualification.", "qualifications")
    profile = profile_of(org.id, user.id)
    if profile is None:
        earlier = earlier_choices(user.id)
        profile = CrewProfile(organization_id=org.id, user_id=user.id,
                              share_phone=bool(earlier and earlier.share_phone),
                              declared_qualifications=list(
                                  earlier.declared_qualifications if earlier else []))
        db.session.add(profile)
    profile.qualifications = sorted(qualifications)
    db.session.flush()
    return profile


def earlier_choices(user_id: int) -> CrewProfile | None:
    """One of the person's existing pool entries, whose consent and declarations a new entry
    starts with (None for someone in no pool yet)."""
    return db.session.scalar(select(CrewProfile).where(CrewProfile.user_id == user_id)
                             .order_by(CrewProfile.id).limit(1))


def profile_in_org(profile_id: int, organization_id: int) -> CrewProfile | None:
    return db.session.scalar(select(CrewProfile).where(
        CrewProfile.id == profile_id, CrewProfile.organization_id == organization_id))


def confirm_qualification(profile: CrewProfile, qualification: str) -> CrewProfile:
    """An organizer confirms a qualification the person declared: it now counts for roles."""
    if qualification not in (profile.declared_qualifications or []):
        raise DomainError(f"{profile.user.name} has not declared "
                          f"{QUALIFICATIONS.get(qualification, 'that qualification')}.")
    if qualification not in profile.qualifications:
        profile.qualifications = sorted([*profile.qualifications, qualification])
    db.session.flush()
    return profile


def pool_of(organization_id: int) -> list[CrewProfile]:
    return list(db.session.scalars(
        select(CrewProfile).join(User, User.id == CrewProfile.user_id)
        .where(CrewProfile.organization_id == organization_id).order_by(User.name)))


def missing_qualifications(role: CrewRole, profile: CrewProfile | None) -> list[str]:
    """The role's requirements the person lacks (labels), empty when qualified."""
    have = set(profile.qualifications if profile else [])
    return [QUALIFICATIONS.get(r, r) for r in role.requirements if r not in have]
