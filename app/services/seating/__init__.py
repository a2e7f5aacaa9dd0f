"""Seating: seat maps, holds, best available and the live version counter.

Routes call these functions with plain arguments, then commit once. Functions that write
flush only; a refused write undoes its own writes, then raises one of the errors below.
"""

from app.services.seating.best_available import (
    NoSeatsTogether,
    best_available,
    hold_best_available,
)
from app.services.seating.blocking import block_seats, unblock_seats
from app.services.seating.csv_import import import_seat_map_csv
from app.services.seating.errors import (
    HoldExpired,
    HoldLimitReached,
    NoSeatMap,
    NotEnoughSeats,
    SeatingError,
    SeatTaken,
    SeatUnavailable,
)
from app.services.seating.expiry import expire_due, expire_holds
from app.services.seating.general_admission import (
    hold_general_admission,
    release_general_admission,
)
from app.services.seating.holds import (
    attach_cart,
    attach_user,
    extend_holds,
    hold_at,
    hold_for_cart,
    hold_seat,
    hold_seats,
    release_cart,
    release_seat,
)
from app.services.seating.live import (
    LiveState,
    changes_since,
    current_version,
    live_state,
    poll_changes,
)
from app.services.seating.queries import (
    cart_summary,
    cart_view,
    event_seating,
    general_admission,
    live_seats,
    live_view,
    load_seat_map,
    seat_status_for,
    seat_views,
    zone_views,
)
from app.services.seating.sales import SalesSettings, sales_settings, update_sales_settings
from app.services.seating.seatmaps import (
    DEMO_PRICES,
    SectionSpec,
    add_general_admission,
    attach_seat_map,
    demo_seat_map,
    generate_seat_map,
)
from app.services.seating.views import (
    BestAvailable,
    CartLine,
    CartSummary,
    Changes,
    GeneralAdmissionView,
    HeldSeat,
    HoldOutcome,
    LiveView,
    SeatingSettings,
    SeatMapView,
    SeatStatus,
    SeatView,
    ZoneView,
)

__all__ = [
    "DEMO_PRICES", "BestAvailable", "CartLine", "CartSummary", "Changes",
    "GeneralAdmissionView", "HeldSeat", "HoldExpired", "HoldLimitReached", "HoldOutcome",
    "LiveState", "LiveView", "NoSeatMap", "NoSeatsTogether", "NotEnoughSeats", "SeatMapView",
    "SalesSettings", "SeatStatus", "SeatTaken", "SeatUnavailable", "SeatView", "SeatingError",
    "SeatingSettings",
    "SectionSpec", "ZoneView", "add_general_admission", "attach_cart", "attach_seat_map",
    "attach_user", "best_available", "block_seats", "cart_summary", "cart_view", "changes_since",
    "current_version", "demo_seat_map", "event_seating", "expire_due", "expire_holds",
    "extend_holds", "general_admission", "generate_seat_map", "hold_best_available",
    "hold_at", "hold_for_cart", "hold_general_admission", "hold_seat", "hold_seats",
    "import_seat_map_csv", "live_seats", "live_state", "live_view", "load_seat_map",
    "poll_changes", "release_cart", "release_general_admission",
    "release_seat", "sales_settings", "seat_status_for", "seat_views", "unblock_seats",
    "update_sales_settings", "zone_views",
]
