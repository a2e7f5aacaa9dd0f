"""Authorization matrix: the crew portal and the organizers' crew tools.

Crew see only their own assignments (others' answer 404), their own crew profile, and their
shift's roster on their own portal; organizers of another organization, and everyone outside
it, get 404 from the organizer side; gate staff of the organization get 403.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from app.extensions import db
from app.models import OutboundEmail
from app.models.crew import AssignmentStatus, Briefing, CrewAssignment, CrewRole, Shift
from app.services.crew import assignments, calendar, certificates, roles
from tests.authz import Route

OWN = {"*": 404, "anonymous": 302, "crew": 200}
OWN_POST = {"*": 404, "anonymous": 302, "crew": 303}
LOGGED_IN = {"*": 200, "anonymous": 302}
LOGGED_IN_POST = {"*": 303, "anonymous": 302}
ORG = {"*": 404, "anonymous": 302, "gate": 403, "organizer": 200, "site_admin": 200}
ORG_POST = {**ORG, "organizer": 303, "site_admin": 303}


def _shift(world, role, hours_from_now: float, **extra) -> Shift:
    start = world.event.starts_at - timedelta(days=30) + timedelta(hours=hours_from_now)
    shift = Shift(event_id=world.event.id, role_id=role.id, starts_at=start,
                  ends_at=start + timedelta(hours=4), headcount=3, location="Front", **extra)
    db.session.add(shift)
    db.session.flush()
    return shift


def _setup(world) -> SimpleNamespace:
    """Once per world: a role, shifts, the crew member's invited, confirmed and completed
    assignments, a briefing with an attachment, an emailed invitation, a feed, a PDF."""
    found = world.__dict__.get("crew_setup")
    if found is not None:
        return found
    crew = world.users["crew"]
    role = CrewRole(organization_id=world.org.id, name="Usher", requirements=[])
    db.session.add(role)
    db.session.flush()
    profile = roles.add_to_pool(world.org, crew, [])
    profile.declared_qualifications = ["first_aid"]
    invited = assignments.invite_user(_shift(world, role, 100), crew)
    confirmed = assignments.invite_user(_shift(world, role, 200), crew)
    assignments.confirm_assignment(confirmed)
    done = CrewAssignment(shift_id=_shift(world, role, -100).id, user_id=crew.id,
                          email=crew.email, status=AssignmentStatus.COMPLETED, hours=4)
    db.session.add(done)
    open_shift = _shift(world, role, 300, self_signup=True)
    briefing = Briefing(event_id=world.event.id, shift_id=confirmed.shift_id, title="Setup",
                        body="Doors at six.", sent_at=confirmed.invited_at,
                        attachment_name="plan.txt", attachment_path="crew-briefings/x/plan.txt",
                        attachment_type="text/plain")
    db.session.add(briefing)
    assignments.invite_by_email(open_shift, "newbie@example.test")
    db.session.commit()
    certificate = certificates.request_certificate(crew, world.event)
    feed = calendar.enable_feed(crew)
    db.session.commit()
    _write_attachment(briefing)
    setup = SimpleNamespace(invited=invited.id, confirmed=confirmed.id, open_shift=open_shift.id,
                            briefing=briefing.id, certificate=certificate.id, feed=feed,
                            role=role.id, token=_token_of(), shift=confirmed.shift_id,
                            profile=profile.id)
    world.crew_setup = setup
    return setup


def _token_of() -> str:
    mail = db.session.scalars(db.select(OutboundEmail).where(
        OutboundEmail.to_email == "newbie@example.test")).first()
    return mail.text_body.split("/crew/invitations/")[1].split()[0]


def _write_attachment(briefing: Briefing) -> None:
    from app.services.tickets.documents import documents_root

    path = documents_root() / briefing.attachment_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Plan")


def _email_id(world) -> int:
    _setup(world)
    return db.session.scalars(db.select(OutboundEmail.id).where(
        OutboundEmail.related_type == "crew_assignment")).first()


def _org(world) -> str:
    return f"/orgs/{world.org.slug}/crew"


def _shift_data(world) -> dict:
    return {"role": str(_setup(world).role), "starts_at": "2031-05-02T16:00",
            "ends_at": "2031-05-02T20:00", "headcount": "2", "location": "Bar"}


ROUTES = [
    Route("crew.portal", "GET", lambda w: "/crew", LOGGED_IN),
    Route("crew.confirm", "POST",
          lambda w: f"/crew/assignments/{_setup(w).invited}/confirm", OWN_POST),
    Route("crew.decline", "POST",
          lambda w: f"/crew/assignments/{_setup(w).invited}/decline", OWN_POST,
          data=lambda w: {"reason": "Away"}),
    Route("crew.cancel", "POST",
          lambda w: f"/crew/assignments/{_setup(w).confirmed}/cancel", OWN_POST),
    Route("crew.signup", "POST", lambda w: f"/crew/shifts/{_setup(w).open_shift}/signup",
          OWN_POST, note="only people in the organization's crew pool see the shift"),
    Route("crew.shift_ics", "GET",
          lambda w: f"/crew/assignments/{_setup(w).confirmed}/shift.ics", OWN),
    Route("crew.briefing_attachment", "GET",
          lambda w: f"/crew/briefings/{_setup(w).briefing}/attachment",
          {**OWN, "organizer": 200, "site_admin": 200},
          note="the crew it was sent to and the event's organizers"),
    Route("crew.profile", "GET", lambda w: "/crew/profile", LOGGED_IN,
          note="everyone's own profile; nobody else's is reachable"),
    Route("crew.update_profile", "POST", lambda w: "/crew/profile", LOGGED_IN_POST,
          data=lambda w: {"phone": "+260 97 000 0000"}),
    Route("crew.request_certificate", "POST",
          lambda w: f"/crew/events/{_setup(w) and w.event.id}/certificate", OWN_POST),
    Route("crew.certificate_pdf", "GET",
          lambda w: f"/crew/events/{_setup(w) and w.event.id}/certificate.pdf", OWN),
    Route("crew.certificate_status", "GET",
          lambda w: f"/crew/certificates/{_setup(w).certificate}/status/seen-0", OWN),
    Route("crew.enable_feed", "POST", lambda w: "/crew/calendar", LOGGED_IN_POST),
    Route("crew.revoke_feed", "POST", lambda w: "/crew/calendar/revoke", LOGGED_IN_POST),
    Route("crew.feed", "GET", lambda w: f"/crew/calendar/{_setup(w).feed}.ics", {"*": 200},
          note="the secret token is the credential"),
    Route("crew.feed", "GET", lambda w: "/crew/calendar/1.forged.ics", {"*": 404}),
    Route("crew.invitation", "GET", lambda w: f"/crew/invitations/{_setup(w).token}",
          {"*": 200}),
    Route("crew.accept_invitation", "POST", lambda w: f"/crew/invitations/{_setup(w).token}",
          LOGGED_IN_POST),
    Route("crew_admin.overview", "GET", _org, ORG),
    Route("crew_admin.create_role", "POST", lambda w: _org(w) + "/roles", ORG_POST,
          data=lambda w: {"name": "Runner"}),
    Route("crew_admin.add_to_pool", "POST", lambda w: _org(w) + "/pool", ORG_POST,
          data=lambda w: {"email": w.users["attendee"].email,
                          "qualifications": ["first_aid"]}),
    Route("crew_admin.confirm_qualification", "POST",
          lambda w: f"{_org(w)}/pool/{_setup(w).profile}/confirm", ORG_POST,
          data=lambda w: {"qualification": "first_aid"}),
    Route("crew_admin.update_settings", "POST", lambda w: _org(w) + "/settings", ORG_POST,
          data=lambda w: {"cancel_cutoff_hours": "12", "second_reminder_hours": "2",
                          "no_show_grace_minutes": "30", "night_multiplier": "1.5"}),
    Route("crew_admin.event_crew", "GET", lambda w: f"{_org(w)}/events/{w.event.id}", ORG),
    Route("crew_admin.event_crew", "GET", lambda w: f"{_org(w)}/events/{w.other_event.id}",
          {**ORG, "organizer": 404, "site_admin": 404}, note="another organization's event"),
    Route("crew_admin.roster_poll", "GET",
          lambda w: f"{_org(w)}/events/{w.event.id}/roster/stale", ORG, htmx=True),
    Route("crew_admin.create_shift", "POST",
          lambda w: f"{_org(w)}/events/{w.event.id}/shifts", ORG_POST, data=_shift_data),
    Route("crew_admin.bulk_shifts", "POST",
          lambda w: f"{_org(w)}/events/{w.event.id}/shifts/bulk", ORG_POST,
          data=lambda w: {**_shift_data(w), "every_hours": "4",
                          "until": "2031-05-03T04:00"}),
    Route("crew_admin.invite", "POST", lambda w: f"{_org(w)}/shifts/{_setup(w).shift}/invite",
          ORG_POST, data=lambda w: {"email": w.users["vendor"].email}),
    Route("crew_admin.check_in", "POST",
          lambda w: f"{_org(w)}/assignments/{_setup(w).confirmed}/check-in", ORG_POST),
    Route("crew_admin.scan", "POST", lambda w: _org(w) + "/check-in",
          {**ORG, "organizer": 422, "site_admin": 422}, data=lambda w: {"code": "forged"}),
    Route("crew_admin.send_briefing", "POST",
          lambda w: f"{_org(w)}/events/{w.event.id}/briefings", ORG_POST,
          data=lambda w: {"shift": "0", "title": "Doors", "body": "Doors open at six."}),
    Route("crew_admin.shift_messages", "GET",
          lambda w: f"{_org(w)}/shifts/{_setup(w).shift}/messages", ORG),
    Route("crew_admin.person_messages", "GET",
          lambda w: f"{_org(w)}/people/{_setup(w) and w.users['crew'].id}/messages", ORG),
    Route("crew_admin.resend", "POST", lambda w: f"{_org(w)}/emails/{_email_id(w)}/resend",
          ORG_POST),
    Route("crew_admin.hours_csv", "GET", lambda w: _org(w) + "/hours.csv", ORG),
]
