"""ID and phone numbers encrypted at rest, with keyed hashes for exact search.

Existing clear-text values are encrypted in place and their hashes computed; the
reverse migration writes them back in clear.
"""

from django.db import migrations, models

import jiuye.registry.crypto


def encrypt_existing(apps, schema_editor):
    from jiuye.registry.crypto import encrypt, lookup_hash, phone_digits

    Person = apps.get_model("registry", "Person")
    table = schema_editor.connection.ops.quote_name(Person._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, phone FROM {table}")
        rows = cursor.fetchall()
        for pk, id_number, phone in rows:
            if id_number.startswith("v1:"):
                continue
            cursor.execute(
                f"UPDATE {table} SET id_number = %s, id_hash = %s, phone = %s, phone_hash = %s WHERE id = %s",
                [encrypt(id_number, "registry.person.id_number"), lookup_hash(id_number),
                 encrypt(phone or "", "registry.person.phone"), lookup_hash(phone_digits(phone)), pk],
            )


def decrypt_existing(apps, schema_editor):
    from jiuye.registry.crypto import decrypt

    Person = apps.get_model("registry", "Person")
    table = schema_editor.connection.ops.quote_name(Person._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, phone FROM {table}")
        for pk, id_number, phone in cursor.fetchall():
            cursor.execute(
                f"UPDATE {table} SET id_number = %s, phone = %s WHERE id = %s",
                [decrypt(id_number, "registry.person.id_number"), decrypt(phone, "registry.person.phone"), pk],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_person_permissions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="person",
            options={
                "ordering": ["household_id", "id"],
                "permissions": [("view_full_id", "可查看完整身份证号和电话 / may reveal full ID and phone numbers")],
                "verbose_name": "人员",
                "verbose_name_plural": "人员",
            },
        ),
        migrations.AddField(
            model_name="person",
            name="id_hash",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_hash",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=jiuye.registry.crypto.EncryptedTextField(verbose_name="身份证号"),
        ),
        migrations.AlterField(
            model_name="person",
            name="phone",
            field=jiuye.registry.crypto.EncryptedTextField(blank=True, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.AlterField(
            model_name="person",
            name="id_hash",
            field=models.CharField(editable=False, max_length=32, unique=True),
        ),
    ]
