"""State changes live in services (issue 12): pages do not save, create, update or delete rows
themselves, and a services.py never imports its own tasks.py (the task imports the service; the
service publishes the task by name), so the two never import each other."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

APPS = ["portal", "coordinators", "activities", "councils", "consultations", "reminders", "forms_pdf", "municipality"]
PAGES = ["activities/views.py", "councils/views.py", "councils/portal.py", "consultations/views.py",
         "coordinators/views.py", "portal/views.py"]
WRITES = {"save", "create", "update", "delete", "bulk_create", "get_or_create", "update_or_create"}


def _tree(relative: str) -> ast.AST:
    return ast.parse((Path(settings.BASE_DIR) / relative).read_text(encoding="utf-8"))


def _writes(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            # form.save(commit=False) builds an unsaved instance for a service to save
            unsaved = any(k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
                          for k in node.keywords)
            if not unsaved:
                found.append(f"{node.lineno} .{node.func.attr}(")
    return found


@pytest.mark.parametrize("page", PAGES)
def test_pages_change_state_only_through_services(page):
    if not (Path(settings.BASE_DIR) / page).exists():
        pytest.skip(f"{page} はありません")
    assert _writes(_tree(page)) == []


@pytest.mark.parametrize("app", APPS)
def test_services_do_not_import_their_tasks(app):
    if not (Path(settings.BASE_DIR) / app / "services.py").exists():
        pytest.skip(f"{app}/services.py はありません")
    imported = []
    for node in ast.walk(_tree(f"{app}/services.py")):
        if isinstance(node, ast.ImportFrom):
            module = ("." * node.level) + (node.module or "")
            names = [alias.name for alias in node.names]
            if module in (".tasks", f"{app}.tasks") or (module == "." and "tasks" in names):
                imported.append(f"{node.lineno} {module}")
    assert imported == []
