"""All models, imported so that metadata (and Alembic) sees every table."""

from app.models.accounts import (  # noqa: F401
    AccountToken,
    Invitation,
    Membership,
    Organization,
    Role,
    TokenPurpose,
    User,
)
from app.models.audit import AuditEntry  # noqa: F401
from app.models.checkin import CheckIn, CheckinSettings, EventGateAssignment  # noqa: F401
from app.models.crew import (  # noqa: F401
    AssignmentStatus,
    Briefing,
    CrewAssignment,
    CrewFeed,
    CrewProfile,
    CrewReminder,
    CrewRole,
    CrewSettings,
    HoursCertificate,
    Shift,
)
from app.models.events import Event, EventSession, EventStatus, Venue  # noqa: F401
from app.models.messaging import EmailStatus, Notification, OutboundEmail  # noqa: F401
from app.models.orders import (  # noqa: F401
    ManualPaymentProof,
    Order,
    OrderLine,
    OrderStatus,
    OrganizationPaymentSettings,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ProviderEvent,
    SandboxCharge,
)
from app.models.seating import EventSeating, Hold, Seat, SeatMap, TicketType  # noqa: F401
from app.models.tickets import (  # noqa: F401
    DocumentKind,
    DocumentStatus,
    Invoice,
    InvoiceCounter,
    OrganizationKey,
    Ticket,
    TicketDocument,
    TicketStatus,
    Transfer,
    TransferStatus,
)
from app.models.vendors import (  # noqa: F401
    ApplicationEvent,
    ApplicationStatus,
    Booth,
    BoothApplication,
    BoothQuestion,
    BoothType,
    VendorDocument,
    VendorPass,
    VendorProfile,
    VendorSettings,
    WaitlistOffer,
)
