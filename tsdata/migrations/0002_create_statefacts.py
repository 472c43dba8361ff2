"""One StateFacts row per state with five TopAgencyFacts ranks: facts code only updates."""

from django.db import migrations

STATES = ("il", "md", "nc")


def create_state_facts(apps, schema_editor):
    StateFacts = apps.get_model("tsdata", "StateFacts")
    TopAgencyFacts = apps.get_model("tsdata", "TopAgencyFacts")
    db = schema_editor.connection.alias
    for state_key in STATES:
        facts, _ = StateFacts.objects.using(db).get_or_create(state_key=state_key)
        for rank in range(1, 6):
            TopAgencyFacts.objects.using(db).get_or_create(state_facts=facts, rank=rank)


def remove_state_facts(apps, schema_editor):
    StateFacts = apps.get_model("tsdata", "StateFacts")
    StateFacts.objects.using(schema_editor.connection.alias).filter(
        state_key__in=STATES
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("tsdata", "0001_initial")]

    operations = [migrations.RunPython(create_state_facts, remove_state_facts)]
