"""Vendor profiles: one per user, reused for every event the vendor applies to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models.accounts import User
from app.models.vendors import VendorProfile
from app.services.vendors.errors import VendorError

CATEGORIES = {"bazaar": "Bazaar / crafts", "food": "Food", "food_truck": "Food truck",
              "drinks": "Drinks", "services": "Services", "other": "Other"}


@dataclass(frozen=True)
class ProfileInput:
    business_name: str
    category: str
    description: str
    website: str
    contact_name: str
    phone: str


def profile_of(user: User) -> VendorProfile | None:
    """The user's vendor profile, if they made one."""
    return db.session.scalar(select(VendorProfile).where(VendorProfile.user_id == user.id))


def save_profile(user: User, data: ProfileInput) -> VendorProfile:
    """Create or update the user's profile (flushes). Raises VendorError on bad input."""
    name = " ".join(data.business_name.split())
    if not 2 <= len(name) <= 160:
        raise VendorError("Enter the business name (2 to 160 characters).", "business_name")
    if data.category not in CATEGORIES:
        raise VendorError("Choose a category.", "category")
    website = data.website.strip()
    if website and not website.startswith(("https://", "http://", "@")):
        raise VendorError("Enter a web address starting with https:// or a social handle "
                          "starting with @.", "website")
    profile = profile_of(user)
    if profile is None:
        profile = VendorProfile(user_id=user.id)
        db.session.add(profile)
    profile.business_name, profile.category = name, data.category
    profile.description = data.description.strip()[:4000]
    profile.website = website[:300]
    profile.contact_name = (data.contact_name.strip() or user.name)[:120]
    profile.phone = data.phone.strip()[:40]
    db.session.flush()
    return profile
