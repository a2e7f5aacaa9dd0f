"""Crew fixtures: an organization with an event, roles, shifts and people in its crew pool."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.crew import CrewRole, Shift
from app.services.crew import roles


class Crew:
    """`crew.shift(start_in_hours, hours, headcount, ...)`, `crew.person(quals)`."""

    def __init__(self, org, organizer, event, make_user):
        self.org, self.organizer, self.event = org, organizer, event
        self._make_user = make_user
        self.usher = CrewRole(organization_id=org.id, name="Usher", requirements=[])
        self.bar = CrewRole(organization_id=org.id, name="Bar", requirements=["food_hygiene"])
        db.session.add_all([self.usher, self.bar])
        db.session.commit()

    def shift(self, start_in_hours: float = 48, hours: float = 4, headcount: int = 2, *,
              role: CrewRole | None = None, self_signup: bool = False, event=None) -> Shift:
        event = event or self.event
        starts = event.starts_at - timedelta(days=30) + timedelta(hours=start_in_hours)
        shift = Shift(event_id=event.id, role_id=(role or self.usher).id, starts_at=starts,
                      ends_at=starts + timedelta(hours=hours), headcount=headcount,
                      location="Gate B", instructions="Wear black.", self_signup=self_signup)
        db.session.add(shift)
        db.session.commit()
        return shift

    def person(self, qualifications: list[str] | None = None, *, name: str | None = None,
               verified: bool = True):
        user = self._make_user(name=name or "Cory Crew", verified=verified)
        roles.add_to_pool(self.org, user, qualifications or [])
        db.session.commit()
        return user


@pytest.fixture
def crew(make_user, make_org, make_event):
    organizer = make_user(name="Olive Organizer")
    org = make_org(owner=organizer, name="Main Stage Productions")
    # make_event starts 30 days from now; shifts are placed relative to "now" (see shift()).
    event = make_event(org, starts_in_days=30, hours=72)
    return Crew(org, organizer, event, make_user)


@pytest.fixture
def organizer_client(crew, login_as):
    return login_as(crew.organizer)

