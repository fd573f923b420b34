"""A form as the browser sends it after rendering: with a new one-time token (municipality/once.py)."""

import uuid

from municipality.once import TOKEN_FIELD


def once() -> dict[str, str]:
    """The hidden token of a freshly rendered create form: ``client.post(url, {**data, **once()})``."""
    return {TOKEN_FIELD: str(uuid.uuid4())}
