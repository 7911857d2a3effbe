"""Clinics: a clinician belongs to a clinic; contact details, templates and settings per clinic (issue 19).

The data migration is frozen (historical models only, its own constants): existing clinicians and patients
go to one default clinic, made only when there are any; reversed, the memberships and that clinic go.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DEFAULT_CLINIC_NAME = "Default clinic"
CLINICIANS_GROUP = "Clinicians"


def default_clinic_forwards(apps, schema_editor):
    Clinic = apps.get_model("checklists", "Clinic")
    ClinicMembership = apps.get_model("checklists", "ClinicMembership")
    Patient = apps.get_model("checklists", "Patient")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    clinicians = User.objects.filter(
        is_staff=True, is_superuser=False, groups__name=CLINICIANS_GROUP
    ).distinct()
    if not (clinicians.exists() or Patient.objects.exists()):
        return
    clinic, _created = Clinic.objects.get_or_create(name=DEFAULT_CLINIC_NAME)
    ClinicMembership.objects.bulk_create(
        ClinicMembership(user_id=user_id, clinic=clinic)
        for user_id in clinicians.exclude(clinic_membership__isnull=False).values_list("pk", flat=True)
    )
    Patient.objects.filter(clinic__isnull=True).update(clinic=clinic)


def default_clinic_backwards(apps, schema_editor):
    Clinic = apps.get_model("checklists", "Clinic")
    ClinicMembership = apps.get_model("checklists", "ClinicMembership")
    Patient = apps.get_model("checklists", "Patient")
    ChecklistTemplate = apps.get_model("checklists", "ChecklistTemplate")
    Patient.objects.update(clinic=None)
    ChecklistTemplate.objects.update(clinic=None)
    ClinicMembership.objects.all().delete()
    Clinic.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0013_safe_editing"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Clinic",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120, unique=True, verbose_name="name")),
                (
                    "contact_name",
                    models.CharField(
                        blank=True,
                        help_text="Whom the patients contact, e.g. the clinic.",
                        max_length=120,
                        verbose_name="contact name",
                    ),
                ),
                ("contact_phone", models.CharField(blank=True, max_length=40, verbose_name="contact phone")),
                (
                    "contact_email",
                    models.EmailField(blank=True, max_length=254, verbose_name="contact email"),
                ),
                (
                    "contact_hours",
                    models.CharField(
                        blank=True,
                        help_text="For example Mon-Fri 9:00-17:00.",
                        max_length=120,
                        verbose_name="contact hours",
                    ),
                ),
                (
                    "adherence_alert_below_percent",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text=(
                            "The clinicians' list calls a patient's adherence low below this share. "
                            "Empty: the deployment's default (ADHERENCE_ALERT_BELOW_PERCENT)."
                        ),
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(100),
                        ],
                        verbose_name="low adherence below (%)",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"verbose_name": "clinic", "verbose_name_plural": "clinics", "ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="ClinicMembership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "is_lead",
                    models.BooleanField(
                        default=False,
                        help_text="A lead clinician creates and edits the clinic's own checklist templates.",
                        verbose_name="lead clinician",
                    ),
                ),
                (
                    "clinic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="checklists.clinic",
                        verbose_name="clinic",
                    ),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="clinic_membership",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="clinician",
                    ),
                ),
            ],
            options={
                "verbose_name": "clinician of the clinic",
                "verbose_name_plural": "clinicians of the clinic",
                "ordering": ["clinic", "user__last_name", "user__email"],
            },
        ),
        migrations.AddField(
            model_name="patient",
            name="clinic",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="patients",
                to="checklists.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.AddField(
            model_name="checklisttemplate",
            name="clinic",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: the default library, seen by every clinic.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="templates",
                to="checklists.clinic",
                verbose_name="clinic",
            ),
        ),
        migrations.RunPython(default_clinic_forwards, default_clinic_backwards),
    ]
