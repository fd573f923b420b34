from celery import shared_task

from . import services


@shared_task
def render_certificate_sheets(file_id: int) -> bool:
    """Published when a user asks for the sheets of many certificates: make the PDF for them."""
    return services.certificate_sheets_render(file_id=file_id)
