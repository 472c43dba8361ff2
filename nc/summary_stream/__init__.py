"""Officer-level counts of the simple stops, counted while the NC extract streams in.

The officer summary's SQL joins every stop with its driver and groups the joined rows
(about half of a 2-million-stop import). Most stops are simple: one driver, so each adds
1 to the plain count of stops of its (agency, officer, year, purpose, category) row and,
if it was searched (or has a flag a per-stop measure counts on), its searches,
contraband rows and flagged counts to the other measures. The import counts those stops
here, from the lines the fast path has just loaded (PERSON.txt and Search.txt are loaded
before Stop.txt; Contraband.txt beside it, so the listed stops' other measures are added
at the end, ``searched_settle``). Every other stop is "dirty" and left to the summary's
SQL template, restricted to the dirty stops (``tsdata.stats.summaries``): a stop with
several drivers, any stop id on a line that went through the validation in SQL (that line
may be loaded, rejected or cut off, which may change the stop's rows), and a searched stop
whose search lost a row after the load or has contraband on such a line.

What is counted comes from NC's statistic definitions (``nc.stats``: the measures, their
units and conditions, the grouping, the category scheme, the driver type) and where it is
read from comes from ``nc.raw_files``; ``layout`` turns both into the roles the compiled
kernels take, so a measure is declared once and both the SQL fill and this stream follow.
The year is the StopDate's own (stops are stored in the state's time zone and the summary
takes the year in that zone). The result is only used when nothing removed rows after the
load but the reconciliation (the FK fallback discards it); the import tests check that a
streamed build equals a plain SQL build on dirty extracts.

Modules: ``layout`` (definitions → roles and field positions), ``kernels`` (compiled line
scanning and counting into packed groups), ``stream`` (``SummaryStream``: the per-stop
state and the file callbacks), ``output`` (the merge and the COPY text written),
``merging`` and ``copytext`` (their compiled parts), ``arrays`` (id maps and growing
columns).
"""

from nc.summary_stream.layout import LayoutUnsupported, StreamLayout, stream_layout
from nc.summary_stream.output import AgencyStopCounts, SearchTypeCounts
from nc.summary_stream.stream import SummaryStream

__all__ = [
    "AgencyStopCounts",
    "LayoutUnsupported",
    "SearchTypeCounts",
    "StreamLayout",
    "SummaryStream",
    "stream_layout",
]
