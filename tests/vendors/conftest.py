"""Vendor fixtures: an event taking applications, booth types, a plan, vendors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models.orders import OrganizationPaymentSettings
from app.models.types import utcnow
from app.services.vendors import applications, floorplan, profiles


class Market:
    def __init__(self, world, make_user):
        self.world, self.event, self.org = world, world.event, world.org
        self.organizer = world.users["organizer"]
        self._make_user = make_user
        floorplan.update_settings(self.event, open_=True,
                                  deadline=utcnow() + timedelta(days=5), offer_hours=24,
                                  load_in="Load in from 7:00 at gate C.")
        self.food = floorplan.add_booth_type(self.event, "Food", "3 × 3 m", Decimal("120.00"),
                                             power=True, water=True, tables=1)
        self.booths = floorplan.generate_grid(self.event, self.food, prefix="A", rows=1,
                                              columns=4, width=60, height=50, gap=20)
        db.session.add(OrganizationPaymentSettings(organization_id=self.org.id,
                                                   bank_instructions="IBAN XX00 0000",
                                                   mobile_money_instructions="",
                                                   payment_minutes=12, approval_hours=48))
        db.session.commit()

    def vendor(self, user=None, name: str = "Bao Stand"):
        user = user or self._make_user(name=f"{name} owner")
        profiles.save_profile(user, profiles.ProfileInput(name, "food", "Steamed buns",
                                                          "", "", "555-0100"))
        db.session.commit()
        return user

    def submitted(self, user=None, preferences=None, name: str = "Bao Stand"):
        """A vendor with a submitted application preferring `preferences` (booth objects)."""
        user = self.vendor(user, name)
        application = applications.draft_for(self.event, profiles.profile_of(user))
        applications.save_application(application, applications.ApplicationInput(
            self.food.id, [b.id for b in (preferences or [])], {}, "Buns and tea", 16, True,
            ""))
        applications.submit(application, user)
        db.session.commit()
        return application


@pytest.fixture
def market(world, make_user):
    return Market(world, make_user)
