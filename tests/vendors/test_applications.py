"""The application state machine: every transition and its email, the deadline, withdraw,
the changes-requested loop, staged decisions, payment → assignment, waitlist offers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.orders import OrderStatus
from app.models.types import utcnow
from app.models.vendors import ApplicationStatus as S
from app.models.vendors import OfferStatus
from app.services import orders
from app.services.vendors import applications, assignment, floorplan, review, waitlist
from app.services.vendors.errors import DeadlinePassed, InvalidTransition, VendorError


def subjects(outbox, user):
    return [m.subject.split(" · ")[0] for m in outbox(user.email)]


def test_submit_is_emailed_and_recorded(market, outbox):
    application = market.submitted()
    assert application.status == S.SUBMITTED
    assert subjects(outbox, application.user) == ["Application received"]
    assert [h.to_status for h in application.history] == ["submitted"]


def test_submit_needs_a_booth_type_and_products(market):
    user = market.vendor()
    from app.services.vendors import profiles

    draft = applications.draft_for(market.event, profiles.profile_of(user))
    with pytest.raises(VendorError, match="booth type"):
        applications.submit(draft, user)
    assert draft.status == S.DRAFT


def test_after_the_deadline_nothing_can_be_submitted(market):
    floorplan.update_settings(market.event, open_=True, deadline=utcnow() - timedelta(hours=1),
                              offer_hours=24, load_in="")
    with pytest.raises(DeadlinePassed, match="deadline"):
        market.submitted()


@pytest.mark.parametrize("decision,status,subject", [
    ("approve", S.APPROVED, "Application approved"),
    ("waitlist", S.WAITLISTED, "You are on the waitlist"),
    ("changes", S.CHANGES_REQUESTED, "Changes requested"),
    ("reject", S.REJECTED, "Application not accepted"),
])
def test_each_decision_is_emailed_with_its_message(market, outbox, decision, status, subject):
    application = market.submitted()
    review.mark_in_review(application, market.organizer)
    review.decide(application, decision, "Thanks for applying, see notes.", market.organizer)
    db.session.commit()
    assert application.status == status
    mails = outbox(application.user.email)
    assert [m.subject.split(" · ")[0] for m in mails] == [
        "Application received", "Application in review", subject]
    assert "Thanks for applying, see notes." in mails[-1].text_body


def test_reject_and_changes_need_a_message(market):
    application = market.submitted()
    with pytest.raises(VendorError, match="message"):
        review.decide(application, "reject", "", market.organizer)


def test_changes_requested_loop(market, outbox):
    application = market.submitted()
    review.decide(application, "changes", "Please add your hygiene certificate.",
                  market.organizer)
    data = applications.ApplicationInput(market.food.id, [], {}, "Buns, tea and soup", 16,
                                         True, "")
    applications.save_application(application, data)
    applications.submit(application, application.user)
    review.decide(application, "approve", "", market.organizer)
    db.session.commit()
    assert [h.to_status for h in application.history] == [
        "submitted", "changes_requested", "submitted", "approved"]
    assert application.products == "Buns, tea and soup"
    with pytest.raises(InvalidTransition):
        applications.save_application(application, data)


def test_withdraw_frees_the_booth_for_the_waitlist(market, outbox):
    first = market.submitted(preferences=[market.booths[0]], name="First")
    second = market.submitted(name="Second")
    review.decide(first, "approve", "", market.organizer, market.booths[0].id)
    review.decide(second, "waitlist", "", market.organizer)
    applications.withdraw(first, first.user)
    db.session.commit()
    assert first.status == S.WITHDRAWN and first.booth_id is None
    offer = waitlist.open_offer(second)
    assert offer.booth_id == market.booths[0].id and second.booth_id == market.booths[0].id
    assert subjects(outbox, first.user)[-1] == "Application withdrawn"
    assert outbox(second.user.email)[-1].template == "vendor_offer"
    with pytest.raises(InvalidTransition):
        applications.withdraw(first, first.user)


def test_offer_accepted_then_expired_offers_go_to_the_next(market):
    first = market.submitted(preferences=[market.booths[0]], name="First")
    waiting = [market.submitted(name=f"Wait {n}") for n in range(2)]
    review.decide(first, "approve", "", market.organizer, market.booths[0].id)
    for application in waiting:
        review.decide(application, "waitlist", "", market.organizer)
    applications.withdraw(first, first.user)
    offer = waitlist.open_offer(waiting[0])
    assert waitlist.expire_offer(offer.id, now=offer.expires_at + timedelta(seconds=1))
    assert offer.status == OfferStatus.EXPIRED and waiting[0].booth_id is None
    waitlist.accept_offer(waiting[1], waiting[1].user)
    db.session.commit()
    assert waiting[1].status == S.APPROVED and waiting[1].booth_id == market.booths[0].id


def test_declined_offer_keeps_the_vendor_waitlisted(market):
    first = market.submitted(preferences=[market.booths[0]], name="First")
    waiting = market.submitted(name="Waiting")
    review.decide(first, "approve", "", market.organizer, market.booths[0].id)
    review.decide(waiting, "waitlist", "", market.organizer)
    applications.withdraw(first, first.user)
    waitlist.decline_offer(waiting)
    assert waiting.status == S.WAITLISTED and waiting.booth_id is None
    assert waitlist.open_offer(waiting) is None


def test_staged_decisions_are_sent_together(market, outbox):
    a = market.submitted(name="Stand A")
    b = market.submitted(name="Stand B")
    review.stage(a, "approve", "Welcome!", market.booths[1].id)
    review.stage(b, "reject", "Too many food stands.", None)
    db.session.commit()
    assert a.status == S.SUBMITTED and len(outbox(a.user.email)) == 1
    done, problems = review.apply_staged(market.event, market.organizer)
    db.session.commit()
    assert (done, problems) == (2, [])
    assert a.status == S.APPROVED and a.booth_id == market.booths[1].id
    assert b.status == S.REJECTED and a.pending_decision is None
    assert "Welcome!" in outbox(a.user.email)[-1].text_body


def test_one_booth_never_goes_to_two_vendors(market):
    a = market.submitted(name="Stand A")
    b = market.submitted(name="Stand B")
    review.decide(a, "approve", "", market.organizer, market.booths[0].id)
    with pytest.raises(VendorError, match="taken"):
        review.decide(b, "approve", "", market.organizer, market.booths[0].id)
    assert b.status == S.SUBMITTED


def test_payment_assigns_the_preferred_booth_and_asks_for_the_pass(market, outbox):
    application = market.submitted(preferences=[market.booths[2], market.booths[1]])
    review.decide(application, "approve", "", market.organizer)
    db.session.commit()
    order = assignment.place_booth_order(application, application.user, "manual")
    db.session.commit()
    assert order.total == market.food.price and order.lines == []
    orders.submit_proof(order, "bank", "TX-12345", None)
    orders.approve(order, market.organizer)
    db.session.commit()
    assert order.status == OrderStatus.PAID
    assert application.status == S.ASSIGNED and application.booth_id == market.booths[2].id
    assert subjects(outbox, application.user)[-3:] == [
        "Booth fee received", "Your booth is confirmed", "Your vendor pass"]
    from app.services.vendors import passes

    found = passes.pass_for(application)
    claims = passes.verify_vendor_code(found.code, market.org.id)
    assert (claims.application_id, claims.booth_id) == (application.id, market.booths[2].id)
    assert found.status == "ready" and passes.pass_file(found).read_bytes()[:5] == b"%PDF-"
    assert outbox(application.user.email)[-1].template == "vendor_pass"


def test_paid_without_a_free_booth_waits_for_the_organizer(market):
    for booth in market.booths:
        booth.reserved = booth.id != market.booths[0].id
    holder = market.submitted(name="Holder")
    review.decide(holder, "approve", "", market.organizer, market.booths[0].id)
    late = market.submitted(preferences=[], name="Late")
    review.decide(late, "approve", "", market.organizer)
    db.session.commit()
    order = assignment.place_booth_order(late, late.user, "manual")
    orders.submit_proof(order, "bank", "TX-999", None)
    orders.approve(order, market.organizer)
    db.session.commit()
    assert late.status == S.PAID and late.booth_id is None
    market.booths[1].reserved = False
    assignment.assign_booth(late, market.booths[1], market.organizer)
    assert late.status == S.ASSIGNED


def test_forged_vendor_code_is_refused(market):
    from app.services.vendors import passes

    with pytest.raises(passes.InvalidVendorCode):
        passes.verify_vendor_code("AAAA" * 30, market.org.id)
