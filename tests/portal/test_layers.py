"""Layers, one way down (issue 12): the shared core imports no app above it, and the outbox does not
import the portal that sits on it (the portal registers its work with the sweep instead)."""

import ast
from pathlib import Path

from django.conf import settings

ABOVE_CORE = {"config", "portal", "coordinators", "activities", "councils", "consultations", "reminders", "forms_pdf"}


def imports_of(app: str, forbidden: set[str]) -> list[str]:
    """Every absolute import in the app's modules (migrations aside) of a package in ``forbidden``,
    wherever it stands (at the top or inside a function)."""
    root = Path(settings.BASE_DIR) / app
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found += [f"{path.relative_to(root.parent)}:{node.lineno} {name}"
                      for name in names if name.split(".")[0] in forbidden]
    return found


def test_the_core_imports_no_app_above_it():
    assert imports_of("municipality", ABOVE_CORE) == []


def test_the_outbox_does_not_import_the_portal():
    assert imports_of("reminders", {"portal"}) == []


def test_the_portal_registers_its_reset_mails_with_the_minute_sweep():
    from portal.services import password_reset_requests_process
    from reminders import sweep

    assert password_reset_requests_process in sweep._before_send
