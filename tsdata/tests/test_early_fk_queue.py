"""FKs to live tables lock their staged child against index builds: a connection other
than the import's leaves those of tables still being indexed to the import connection."""

from __future__ import annotations

from tsdata.imports.report import ImportReport
from tsdata.imports.staging import StagingImport

AGENCY_FK = ("nc_stop", "nc_stop_agency_id_fk", "FOREIGN KEY (agency_id) REFERENCES ...")
OTHER_FK = ("nc_search", "nc_search_other_fk", "FOREIGN KEY (x) REFERENCES ...")


def test_other_connections_skip_fks_of_tables_being_indexed():
    staging = StagingImport("nc", ["nc_stop", "nc_search"], ImportReport(state="nc"))
    staging.foreign_keys.early_queue.extend([AGENCY_FK, OTHER_FK])
    staging._indexes_done.add("nc_search")
    assert staging.foreign_keys.early_take(indexed_only=True) == OTHER_FK
    assert staging.foreign_keys.early_take(indexed_only=True) is None  # nc_stop is being indexed
    staging._indexes_done.add("nc_stop")
    assert staging.foreign_keys.early_take(indexed_only=True) == AGENCY_FK
    assert staging.foreign_keys.early_take(indexed_only=False) is None


def test_the_import_connection_takes_every_queued_fk():
    staging = StagingImport("nc", ["nc_stop"], ImportReport(state="nc"))
    staging.foreign_keys.early_queue.append(AGENCY_FK)
    assert staging.foreign_keys.early_take(indexed_only=False) == AGENCY_FK
