from django.utils import timezone

from .models import Appointment, Contract, ContractStatus, Coordinator


def coordinator_areas(user) -> set[int]:
    """A coordinator works in the areas of their appointments and of their organisation's contracts."""
    coordinator = Coordinator.objects.filter(user_id=user.pk).only("pk", "employer_id").first()
    if coordinator is None:
        return set()
    today = timezone.localdate()
    # Only while in office: a dismissed coordinator, or one whose appointment has not begun,
    # works in no area.
    if not Appointment.objects.active_on(today).filter(coordinator=coordinator).exists():
        return set()
    contract_areas = Contract.objects.filter(
        organisation_id=coordinator.employer_id, status=ContractStatus.ACTIVE, start__lte=today, end__gte=today
    ).values_list("areas", flat=True)
    own = Appointment.objects.active_on(today).filter(coordinator=coordinator).values_list("areas", flat=True)
    return {pk for pk in [*contract_areas, *own] if pk is not None}
