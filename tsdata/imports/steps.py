"""Post-load steps: work that runs inside the staging schema before the swap.

A step creates (and fills) extra tables in the staging schema from the freshly loaded raw
tables there, e.g. the API summary tables. The tables it names are swapped together with
the raw tables, so readers switch to new raw data and new summaries in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

# (psycopg2 cursor on the state database, staging schema name, the loader's inputs for
# the steps: ``StagingImport.step_inputs``) -> None
StepFunction = Callable[[object, str, Mapping[str, object]], None]


@dataclass(frozen=True)
class PostLoadStep:
    name: str
    tables: tuple[str, ...]  # tables the step creates in the staging schema (live names)
    run: StepFunction


POST_LOAD_STEPS: dict[str, list[PostLoadStep]] = {"nc": [], "md": [], "il": []}


def post_load_step_register(state: str, step: PostLoadStep) -> None:
    """Register ``step`` for ``state`` (idempotent by step name)."""
    steps = POST_LOAD_STEPS[state]
    steps[:] = [existing for existing in steps if existing.name != step.name]
    steps.append(step)


def post_load_steps(state: str) -> list[PostLoadStep]:
    return list(POST_LOAD_STEPS[state])
