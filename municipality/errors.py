class DomainError(Exception):
    """A refused action. ``message`` is Japanese and is shown to the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
