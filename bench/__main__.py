"""Benchmarks: python -m bench [name ...]  (or: bash bin/dev bench).

Builds a large data set in a fresh PostgreSQL database (test_<DATABASE_URL's name>),
then runs every benchmark module and prints one line per figure: ``name: value unit``.
Each module in this folder with a ``run(report)`` function is one benchmark.
"""

import os
import pkgutil
import sys
from importlib import import_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def main(selected: list[str]) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("bench: PostgreSQL が必要です。DATABASE_URL=postgres://… を設定してください。", file=sys.stderr)
        return 2
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)

    def report(name: str, value: float, unit: str) -> None:
        print(f"{name}: {value:.2f} {unit}" if isinstance(value, float) else f"{name}: {value} {unit}", flush=True)

    try:
        package = os.path.dirname(__file__)
        for module_info in sorted(pkgutil.iter_modules([package]), key=lambda m: m.name):
            if module_info.name.startswith("_") or (selected and module_info.name not in selected):
                continue
            module = import_module(f"bench.{module_info.name}")
            if hasattr(module, "run"):
                module.run(report)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
