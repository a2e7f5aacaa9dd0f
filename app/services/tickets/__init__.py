"""Tickets: issuing signed QR tickets for paid orders, their PDFs, emails, transfers,
revocation and invoices.

Called by the orders service inside the transaction that changes an order's status:

    issue_tickets(order) -> list[Ticket]      # order paid (idempotent)
    revoke_order_tickets(order, reason) -> int  # order cancelled or refunded
"""

from app.services.tickets.issuance import (  # noqa: F401
    issue_tickets,
    reissue_ticket,
    revoke_order_tickets,
)
from app.services.tickets.signing import (  # noqa: F401
    InvalidTicketCode,
    TicketClaims,
    verify_code,
)
