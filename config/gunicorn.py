"""gunicorn's settings for production: ``gunicorn -c config/gunicorn.py config.wsgi``.

Threads in each worker (``gthread``): a worker waiting on PostgreSQL or rendering a long page no
longer holds back the short requests queued behind it, which is what made every page slow under
load with plain sync workers. Django gives each thread its own database connection (kept
CONN_MAX_AGE seconds), so PostgreSQL sees up to workers × threads connections. A PDF is rendered
one at a time per worker (forms_pdf/rendering.py holds a lock: the font configuration is shared).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Restart a worker now and then, at different moments, so that memory a long run accumulated
# (fonts, images of PDFs) is given back; the jitter keeps the workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# A request slower than this is killed and logged rather than holding its thread forever.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))


def post_worker_init(worker) -> None:
    """Each worker renders one small PDF before it accepts requests, so that no user waits for
    WeasyPrint's import and the fonts' loading (forms_pdf.rendering.warm_up)."""
    from forms_pdf.rendering import warm_up

    warm_up()


def on_starting(server) -> None:
    """Refuse to start with what production must not run with: a sender address that cannot
    receive replies (municipality.E002, the same error ``check --deploy`` reports). Raised before
    any worker serves, so a forgotten setting stops the start instead of mailing from nowhere."""
    import django

    django.setup()
    from django.core import checks

    errors = [m for m in checks.run_checks(include_deployment_checks=True, tags=["email"]) if m.is_serious()]
    if errors:
        raise SystemExit("\n".join(f"{e.id}: {e.msg} {e.hint or ''}" for e in errors))
