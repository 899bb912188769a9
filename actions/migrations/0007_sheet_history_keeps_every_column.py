"""The sheet's history keeps every column: with columns excluded, django-simple-history read
the sheet again for each many-to-many list it copied. Past records get their own date as
their last update."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('actions', '0006_open_steps_by_end_date'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalactionsheet',
            name='follow_up_reminded_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='historicalactionsheet',
            name='followed_up_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='dernier suivi'),
        ),
        migrations.AddField(
            model_name='historicalactionsheet',
            name='updated_at',
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, editable=False, verbose_name='mise à jour'),
            preserve_default=False,
        ),
        migrations.RunSQL(
            "UPDATE actions_historicalactionsheet SET updated_at = history_date",
            migrations.RunSQL.noop,
            elidable=True,
        ),
    ]
