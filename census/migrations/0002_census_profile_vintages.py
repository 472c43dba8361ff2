"""Several ACS vintages side by side: an integer key, the GEOID and the vintage year.

The old table keyed profiles by GEOID alone. Its rows are kept: they are copied to a
temporary table, the table is rebuilt, and they come back with the vintage read from
their ``source`` ("ACS 5-Year Data (2012-2016)" -> 2016; 2016, the original's only
vintage, when the source names no year). Going back keeps the newest vintage per GEOID.
"""

from django.db import migrations, models

COUNTS = (
    "white, black, native_american, asian, native_hawaiian, other, two_or_more_races, "
    "hispanic, non_hispanic, total"
)
COMMON = f"location, geography, state, source, {COUNTS}"
KEEP = "census_profile_before_vintages"

SAVE_OLD = f"CREATE TEMPORARY TABLE {KEEP} AS SELECT id, {COMMON} FROM tsdata_censusprofile"
RESTORE_NEW = (
    f"INSERT INTO tsdata_censusprofile (geoid, year, {COMMON}) "
    f"SELECT id, COALESCE(substring(source from '(\\d{{4}})\\D*$')::smallint, 2016), {COMMON} "
    f"FROM {KEEP}; DROP TABLE {KEEP}"
)
SAVE_NEW = (
    f"CREATE TEMPORARY TABLE {KEEP} AS SELECT DISTINCT ON (geoid) geoid AS id, {COMMON} "
    "FROM tsdata_censusprofile ORDER BY geoid, year DESC"
)
RESTORE_OLD = (
    f"INSERT INTO tsdata_censusprofile (id, {COMMON}) SELECT id, {COMMON} FROM {KEEP}; "
    f"DROP TABLE {KEEP}"
)


class Migration(migrations.Migration):

    dependencies = [
        ("census", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(SAVE_OLD, reverse_sql=RESTORE_OLD),
        migrations.DeleteModel(name="CensusProfile"),
        migrations.CreateModel(
            name="CensusProfile",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False,
                                        verbose_name="ID")),
                ("geoid", models.CharField(help_text="Census GEO_ID, e.g. 0500000US37063",
                                           max_length=16, verbose_name="GEOID")),
                ("year", models.PositiveSmallIntegerField(
                    help_text="ACS 5-year vintage: the last year of the survey period")),
                ("location", models.CharField(max_length=255)),
                ("geography", models.CharField(
                    choices=[("county", "County"), ("place", "Place")], max_length=16)),
                ("state", models.CharField(max_length=2)),
                ("source", models.CharField(max_length=255)),
                ("white", models.PositiveIntegerField(default=0)),
                ("black", models.PositiveIntegerField(default=0)),
                ("native_american", models.PositiveIntegerField(default=0)),
                ("asian", models.PositiveIntegerField(default=0)),
                ("native_hawaiian", models.PositiveIntegerField(default=0)),
                ("other", models.PositiveIntegerField(default=0)),
                ("two_or_more_races", models.PositiveIntegerField(default=0)),
                ("hispanic", models.PositiveIntegerField(default=0)),
                ("non_hispanic", models.PositiveIntegerField(default=0)),
                ("total", models.PositiveIntegerField(default=0)),
            ],
            options={
                "db_table": "tsdata_censusprofile",
                "indexes": [models.Index(fields=["state", "year"],
                                         name="census_profile_state_year")],
                "constraints": [models.UniqueConstraint(fields=("geoid", "year"),
                                                        name="census_profile_geoid_year")],
            },
        ),
        migrations.RunSQL(RESTORE_NEW, reverse_sql=SAVE_NEW),
    ]
