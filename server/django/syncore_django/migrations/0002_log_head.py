from django.db import migrations


def create_head(apps, schema_editor):
    apps.get_model("syncore_django", "LogHead").objects.get_or_create(id=1, defaults={"cursor": 0})


class Migration(migrations.Migration):
    dependencies = [("syncore_django", "0001_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
