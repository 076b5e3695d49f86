"""The check value of the field key (jiuye/registry/crypto.py): written here with the key in
use, after a stored ID number has shown that it is the key of the data."""

from django.db import migrations, models


def write_check_value(apps, schema_editor):
    from jiuye.registry.crypto import field_key_check_write

    problem = field_key_check_write(schema_editor.connection)
    if problem:
        raise RuntimeError(problem)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0005_person_version'),
    ]

    operations = [
        migrations.CreateModel(
            name='FieldKeyCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.TextField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'field key check',
            },
        ),
        migrations.RunPython(write_check_value, migrations.RunPython.noop),
    ]
