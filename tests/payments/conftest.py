"""Payment tests share the order fixtures."""

from tests.orders.conftest import (  # noqa: F401 (fixtures)
    buyer,
    buyer_client,
    seat_map_event,
    seated,
)
