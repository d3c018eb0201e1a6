from django.db import migrations, models

# The old suspension causes and the status reasons that replace them.
RENAMED = {"reverification": "reverification_failed", "support": "support_failing"}


def to_reasons(apps, schema_editor):
    Badge = apps.get_model("badges", "Badge")
    for old, new in RENAMED.items():
        Badge.objects.filter(status_reason=old).update(status_reason=new)


def to_causes(apps, schema_editor):
    Badge = apps.get_model("badges", "Badge")
    for old, new in RENAMED.items():
        Badge.objects.filter(status_reason=new).update(status_reason=old)
    # A reason the old code does not know: the nearest cause it has.
    Badge.objects.filter(status_reason__in=["not_listed", "evidence_archived"]).update(
        status_reason="reverification"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("badges", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="badge", old_name="suspension_cause", new_name="status_reason"
        ),
        migrations.AlterField(
            model_name="badge",
            name="status_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("not_listed", "The integration is no longer listed"),
                    ("support_failing", "Support standing is failing"),
                    ("evidence_archived", "The evidence target was deleted"),
                    ("reverification_failed", "Re-verification failed"),
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(to_reasons, to_causes),
    ]
