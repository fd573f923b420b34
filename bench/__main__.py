"""Benchmarks: python -m bench [--scale 10] [name ...]  (or: bash bin/dev bench).

``--scale 10`` builds ten times the rows (``bench._util.SCALE``); ``--keep`` leaves the database
in place afterwards (its name is printed) to look at plans by hand. Builds a large data set in a fresh PostgreSQL database (test_<DATABASE_URL's name>),
then runs every benchmark module and prints one line per figure: ``name: value unit``.
Each module in this folder with a ``run(report)`` function is one benchmark.
"""

import os
import pkgutil
import sys
from importlib import import_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _order(module_info) -> tuple[bool, str]:
    """Alphabetical, with the load benchmark last: it drives the data the others built."""
    return (module_info.name == "load", module_info.name)


def main(selected: list[str]) -> int:
    keep = "--keep" in selected
    selected = [name for name in selected if name != "--keep"]
    if selected[:1] == ["--scale"]:
        os.environ["BENCH_SCALE"] = selected[1]
        selected = selected[2:]
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

    def report(name: str, value: float | int | str, unit: str) -> None:
        text = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"{name}: {text} {unit}".rstrip(), flush=True)

    from bench._util import SCALE

    report("bench.scale", SCALE, "×")

    try:
        package = os.path.dirname(__file__)
        for module_info in sorted(pkgutil.iter_modules([package]), key=_order):
            if module_info.name.startswith("_") or (selected and module_info.name not in selected):
                continue
            module = import_module(f"bench.{module_info.name}")
            if hasattr(module, "run"):
                module.run(report)
    finally:
        if keep:
            print(f"bench: kept database {connection.settings_dict['NAME']}", flush=True)
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
