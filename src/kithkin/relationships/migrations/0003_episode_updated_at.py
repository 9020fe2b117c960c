import django.utils.timezone
from django.db import migrations, models


def updated_when_created(apps, schema_editor):
    # An episode's creation time is the best record left of when it last changed (its phase
    # changes kept no time on the row).
    Episode = apps.get_model("relationships", "Episode")
    Episode.objects.update(updated_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0002_episodes"),
    ]

    operations = [
        migrations.AddField(
            model_name="episode",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(updated_when_created, migrations.RunPython.noop),
    ]
