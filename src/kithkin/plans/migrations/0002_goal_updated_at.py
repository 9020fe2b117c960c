import django.utils.timezone
from django.db import migrations, models


def updated_with_version(apps, schema_editor):
    # A goal carries no time of its own. Its version's last update is the best time known: a
    # goal is written with its version (made, copied into a revision, edited while a draft).
    Goal = apps.get_model("plans", "Goal")
    PlanVersion = apps.get_model("plans", "PlanVersion")
    version = PlanVersion.objects.filter(pk=models.OuterRef("version_id"))
    Goal.objects.update(updated_at=models.Subquery(version.values("updated_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="goal",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(updated_with_version, migrations.RunPython.noop),
    ]
