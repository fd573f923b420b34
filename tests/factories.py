import factory
from django.contrib.auth.models import Group

from municipality.models import Area, Organisation, User

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
