from django.db.models import Q
from django.utils import timezone

from .models import Appointment, Contract, ContractStatus, Coordinator


def coordinator_areas(user) -> set[int]:
    """A coordinator works in the areas of their appointments and of their organisation's contracts."""
    coordinator = Coordinator.objects.filter(user_id=user.pk).only("pk", "employer_id").first()
    if coordinator is None:
        return set()
    today = timezone.localdate()
    contract_areas = Contract.objects.filter(
        organisation_id=coordinator.employer_id, status=ContractStatus.ACTIVE, start__lte=today, end__gte=today
    ).values_list("areas", flat=True)
    own = Appointment.objects.filter(coordinator=coordinator).filter(
        Q(end__isnull=True) | Q(end__gte=today)
    ).values_list("areas", flat=True)
    return {pk for pk in [*contract_areas, *own] if pk is not None}
