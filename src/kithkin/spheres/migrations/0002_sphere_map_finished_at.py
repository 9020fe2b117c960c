from django.db import migrations, models


def finished_when_taken(apps, schema_editor):
    # Maps finished before the field existed: the day they were taken is the best record left.
    SphereMap = apps.get_model("spheres", "SphereMap")
    SphereMap.objects.filter(status="final", finished_at__isnull=True).update(
        finished_at=models.F("taken_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("spheres", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="spheremap",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(finished_when_taken, migrations.RunPython.noop),
    ]
