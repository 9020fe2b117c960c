import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Least


def updated_when_known(apps, schema_editor):
    # A session carries no creation time. Its start is the best time it already carries, but
    # a session still to come would then be "updated" in the future, so the earlier of its start
    # and the migration's now.
    Session = apps.get_model("schedule", "Session")
    now = django.utils.timezone.now()
    Session.objects.update(updated_at=Least(models.F("starts_at"), models.Value(now)))


class Migration(migrations.Migration):
    dependencies = [
        ("schedule", "0003_calendar_feed"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.RunPython(updated_when_known, migrations.RunPython.noop),
    ]
