import datetime as dt

import factory
from django.contrib.auth.models import Group

from activities.models import ActivityCategory, Function, Need, ProviderKind, SocialResource
from consultations.models import Agency, AgencyKind, Case, Consent, EvacuationListing, SharingBody
from coordinators.models import Contract, Coordinator, TrainingCourse, TrainingProvider, TrainingRecord
from councils.models import (
    AgendaItem,
    Council,
    Invitation,
    InviteeKind,
    Meeting,
    Membership,
    Person,
    SetupType,
    Topic,
    WorkingGroup,
)
from municipality import wareki
from municipality.models import Area, Organisation, PlanPeriod, User

PASSWORD = "correct-horse-battery"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"団体{n}")
    legal_form = "社会福祉法人"


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"A{n:03d}")
    name = factory.Sequence(lambda n: f"区域{n}")
    layer = 2
    parent = factory.LazyFunction(
        lambda: Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"利用者 {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.jp")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=extracted))

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.areas.set(extracted)


# --- Factories for the rows tests create most often. Each builds a valid row (full_clean passes) with
# Japanese defaults; rows whose creation carries rules (case numbers, terms, consent) go through their service.

DAY = dt.date(2026, 5, 1)  # inside 令和8年度 and the 第9期 plan period, like the fixtures of the lifecycle


class PlanPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanPeriod
        django_get_or_create = ["number"]

    number = 9
    start = factory.LazyAttribute(lambda o: wareki.plan_term(o.number).start)
    end = factory.LazyAttribute(lambda o: wareki.plan_term(o.number).end)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    title = "汐見市地域支え合い推進員配置業務委託"
    layer = 2
    start = dt.date(2026, 4, 1)
    end = dt.date(2027, 3, 31)

    @factory.post_generation
    def areas(self, create, extracted, **kwargs):
        if create:
            self.areas.set(extracted if extracted is not None else [AreaFactory()])


class CoordinatorFactory(factory.django.DjangoModelFactory):
    """A coordinator row only; an appointment needs the notice flow (tests.lifecycle.file_notice)."""

    class Meta:
        model = Coordinator

    name = factory.Sequence(lambda n: f"推進員 {n}")
    name_kana = factory.Sequence(lambda n: f"すいしんいん {n}")
    birth_date = dt.date(1980, 4, 1)
    job_title = "主任"
    employer = factory.SubFactory(OrganisationFactory)


class TrainingCourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingCourse

    name = factory.Sequence(lambda n: f"生活支援コーディネーター研修{n}")
    provider = TrainingProvider.PREFECTURE
    is_required = False


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    coordinator = factory.SubFactory(CoordinatorFactory)
    course = factory.SubFactory(TrainingCourseFactory)
    completed_on = dt.date(2026, 5, 20)


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        skip_postgeneration_save = True

    name = factory.LazyAttributeSequence(lambda o, n: f"汐見市第{o.layer}層協議体{n}")
    layer = 2
    area = factory.SubFactory(AreaFactory)
    setup_type = SetupType.RESIDENTS_GOVERNMENT

    @factory.post_generation
    def secretariat(self, create, extracted, **kwargs):
        if create and extracted:
            self.secretariat.set(extracted)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"委員{n}")
    name_kana = factory.Sequence(lambda n: f"いいん{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """A seat through councils.services.membership_add (the term is the plan period of its start)."""

    class Meta:
        model = Membership

    council = factory.SubFactory(CouncilFactory)
    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    start = dt.date(2025, 4, 1)

    @classmethod
    def _create(cls, model_class, *, council, person, organisation, start, by=None, **kwargs):
        from councils import services

        PlanPeriodFactory(number=wareki.plan_term_for(start).number)
        by = by or UserFactory(roles=["協議体事務局"], is_staff=True)
        return services.membership_add(council=council, person=person, organisation=organisation, start=start,
                                       by=by, **kwargs)


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroup
        skip_postgeneration_save = True

    council = factory.SubFactory(CouncilFactory)
    name = factory.Sequence(lambda n: f"買い物支援部会{n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    council = factory.SubFactory(CouncilFactory)
    title = factory.Sequence(lambda n: f"第{n + 1}回 協議体会議")
    date = dt.date(2026, 12, 1)
    start_time = dt.time(14, 0)
    end_time = dt.time(16, 0)
    place = "汐見市役所 第1会議室"


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    title = "地域の支え合い活動の報告"
    topic = Topic.T2


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    meeting = factory.SubFactory(MeetingFactory)
    person = factory.SubFactory(PersonFactory)
    kind = InviteeKind.MEMBER


class ActivityCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityCategory

    function = Function.A
    code = factory.Sequence(lambda n: f"(9)項目{n}")
    label = factory.LazyAttribute(lambda o: f"{Function(o.function).label}の活動")


class SocialResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialResource

    name = factory.Sequence(lambda n: f"ふれあいサロン{n}")
    provider_kind = ProviderKind.NPO
    area = factory.SubFactory(AreaFactory)
    offers = "週1回の茶話会と体操"


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    title = "坂の上で買い物に行けない"
    area = factory.SubFactory(AreaFactory)
    raised_by = "民生委員"
    raised_on = DAY
    recorded_by = factory.SubFactory(CoordinatorFactory)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ["organisation"]

    organisation = factory.SubFactory(OrganisationFactory, name="地域包括支援センター")
    kind = AgencyKind.SUPPORT_CENTER


class CaseFactory(factory.django.DjangoModelFactory):
    """A case through consultations.services.case_open (numbered; `by` becomes its first assigned worker)."""

    class Meta:
        model = Case

    received_on = DAY
    route = "phone"
    domains = factory.LazyFunction(lambda: ["elderly"])
    person_name = "山田　花子"
    presenting_problems = "認知症の母の介護"
    by = factory.SubFactory(UserFactory, roles=["相談支援員"])

    @classmethod
    def _create(cls, model_class, **kwargs):
        from consultations import services

        return services.case_open(**kwargs)


class ConsentFactory(factory.django.DjangoModelFactory):
    """A consent through consultations.services.consent_record, naming one agency by default."""

    class Meta:
        model = Consent

    case = factory.SubFactory(CaseFactory)
    agencies = factory.LazyFunction(lambda: [AgencyFactory()])
    given_on = dt.date(2026, 5, 2)
    method = "written"
    by = factory.LazyAttribute(lambda o: o.case.assigned_staff.first())

    @classmethod
    def _create(cls, model_class, **kwargs):
        from consultations import services

        return services.consent_record(**kwargs)


class EvacuationListingFactory(factory.django.DjangoModelFactory):
    """A person's agreement to the 避難行動要支援者 listing, through consultations.services (by the case's
    first assigned worker), naming 民生委員 and 消防機関 by default."""

    class Meta:
        model = EvacuationListing

    case = factory.SubFactory(CaseFactory)
    agreed_on = dt.date(2026, 5, 2)
    method = "written"
    reason = "要介護3。一人での避難が難しい"
    recipients = factory.LazyFunction(lambda: ["commissioner", "fire"])
    by = factory.LazyAttribute(lambda o: o.case.assigned_staff.first())

    @classmethod
    def _create(cls, model_class, **kwargs):
        from consultations import services

        return services.evacuation_listing_record(**kwargs)
class SharingBodyFactory(factory.django.DjangoModelFactory):
    """A 法定の会議体 (a 要対協 by default) run by its own organisation; ``members``: agencies."""

    class Meta:
        model = SharingBody
        django_get_or_create = ["name"]
        skip_postgeneration_save = True

    name = "汐見市要保護児童対策地域協議会"
    basis = "child_25_2"
    organisation = factory.SubFactory(OrganisationFactory, name="汐見市子ども家庭課")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)
