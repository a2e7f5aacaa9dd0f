"""Gate check-in: verifying signed codes, recording scans, offline kits and uploads.

    scan_code(code, ScanInput(...)) -> Verdict     # the gate's scan (flushes, caller commits)
    check_in_ticket(ticket_id, ScanInput(...))     # manual check-in found by search
    offline_kit(event, session_id) -> dict         # what a device caches to work offline
    upload_offline_scans(event, scans, ...)        # offline scans back, with conflicts
"""

from app.services.checkin.offline import offline_kit, upload_offline_scans  # noqa: F401
from app.services.checkin.scan import (  # noqa: F401
    ScanInput,
    Verdict,
    check_in_ticket,
    scan_code,
    verdict_of,
)
