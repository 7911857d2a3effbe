"""factory_boy factories for the domain; personas are built from these in conftest.py."""

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from checklists.accounts.services import clinicians_group_sync
from checklists.models import ChecklistTemplate, FollowUp, LabResult, Patient, SeverityScore, TemplateItem

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.SelfAttribute("email")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(DEFAULT_PASSWORD)


class ClinicianFactory(UserFactory):
    class Meta:
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"clinician{n}@example.com")
    is_staff = True

    @factory.post_generation
    def clinicians_group(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.groups.add(clinicians_group_sync())


class SuperuserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@example.com")
    is_staff = True
    is_superuser = True


class PatientFactory(factory.django.DjangoModelFactory[Patient]):
    class Meta:
        model = Patient
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, email=factory.Sequence(lambda n: f"patient{n}@example.com"))
    time_zone = "Europe/Berlin"

    @factory.post_generation
    def care_team(obj: Patient, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.care_team.add(*extracted)


class ChecklistTemplateFactory(factory.django.DjangoModelFactory[ChecklistTemplate]):
    class Meta:
        model = ChecklistTemplate

    name = factory.Sequence(lambda n: f"Checklist {n}")
    category = "lifestyle"


class TemplateItemFactory(factory.django.DjangoModelFactory[TemplateItem]):
    class Meta:
        model = TemplateItem

    template = factory.SubFactory(ChecklistTemplateFactory)
    position = factory.Sequence(int)
    text = factory.Sequence(lambda n: f"Item {n}")
    source = "Test source"


def template_with_items(n: int = 3, **kwargs) -> ChecklistTemplate:
    """Return a saved template with ``n`` items."""
    template = ChecklistTemplateFactory.create(**kwargs)
    TemplateItemFactory.create_batch(n, template=template)
    return template


class FollowUpFactory(factory.django.DjangoModelFactory[FollowUp]):
    class Meta:
        model = "checklists.FollowUp"

    patient = factory.SubFactory(PatientFactory)
    track = "iron"
    kind = "ferritin_tsat_lab"
    due_date = factory.Faker("date_this_year")


class LabResultFactory(factory.django.DjangoModelFactory[LabResult]):
    class Meta:
        model = "checklists.LabResult"

    patient = factory.SubFactory(PatientFactory)
    drawn_on = factory.Faker("date_this_year")
    ferritin = 120
    tsat = 30


class SeverityScoreFactory(factory.django.DjangoModelFactory[SeverityScore]):
    class Meta:
        model = "checklists.SeverityScore"

    patient = factory.SubFactory(PatientFactory)
    scored_on = factory.Faker("date_this_year")
    irls_total = 15
