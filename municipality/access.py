"""Page-level access for the portal: a page outside a user's roles answers 404, like an object."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from .roles import Role


def role_required(*roles: Role) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not (request.user.is_superuser or request.user.has_role(*roles)):
                raise Http404("ページが見つかりません。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
