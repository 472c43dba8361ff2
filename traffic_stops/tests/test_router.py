"""Router cases of the original's test_router (docs/architecture.md, 'Databases')."""

from django.contrib.auth.models import User

from md.models import Stop as MDStop
from nc.models import Stop as NCStop
from traffic_stops.routers import StateDatasetRouter
from tsdata.models import Dataset

router = StateDatasetRouter()


def test_reads_and_writes_of_state_models_go_to_the_state_database() -> None:
    assert router.db_for_read(NCStop) == "traffic_stops_nc"
    assert router.db_for_write(NCStop) == "traffic_stops_nc"
    assert router.db_for_read(MDStop) == "traffic_stops_md"


def test_other_models_use_default() -> None:
    assert router.db_for_read(User) == "default"
    assert router.db_for_write(User) == "default"
    assert router.db_for_write(Dataset) == "default"


def test_migrations_only_where_they_belong() -> None:
    assert router.allow_migrate("default", "nc") is False
    assert router.allow_migrate("default", "auth") is True
    assert router.allow_migrate("traffic_stops_nc", "nc") is True
    assert router.allow_migrate("traffic_stops_nc", "md") is False
    assert router.allow_migrate("traffic_stops_nc", "auth") is False
    assert router.allow_migrate("traffic_stops_il", "il") is True
    assert router.allow_migrate("default", "tsdata") is True
    assert router.allow_migrate("traffic_stops_md", "census") is False
