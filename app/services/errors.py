"""Domain errors. Routes turn them into clear messages on the page."""


class DomainError(Exception):
    """A rule of the domain refused the operation; `str(error)` is shown to the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
