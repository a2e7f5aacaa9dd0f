"""Authorization matrix entries, one module per blueprint.

Each module defines `ROUTES: list[Route]`. `tests/test_authorization_matrix.py` checks that
every (endpoint, method) of `app.url_map` has an entry and that every role gets the expected
status. `url` and `data` are callables taking the `world` fixture (see tests/conftest.py).
`expect` maps a role (see `conftest.ROLES`) to a status; "*" is the default for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    url: Callable
    expect: dict[str, int]
    data: Callable | None = None
    htmx: bool = False
    note: str = ""
    extra: dict = field(default_factory=dict)

    def status_for(self, role: str) -> int:
        return self.expect.get(role, self.expect["*"])
