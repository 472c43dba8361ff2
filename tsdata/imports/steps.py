"""Post-load steps: work that runs inside the staging schema before the swap.

A step creates (and fills) extra tables in the staging schema from the freshly loaded raw
tables there, e.g. the API summary tables. The tables it names are swapped together with
the raw tables, so readers switch to new raw data and new summaries in one transaction.

A state's steps are named by its ``StateDefinition`` (``post_load_steps``); a step added at
run time with ``post_load_step_register`` (a test's probe) runs after them.
"""

from __future__ import annotations

from collections import defaultdict
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


# state key -> steps added at run time, beyond those of the state's definition
POST_LOAD_STEPS: defaultdict[str, list[PostLoadStep]] = defaultdict(list)


def post_load_step_register(state: str, step: PostLoadStep) -> None:
    """Add ``step`` to ``state``'s import (idempotent by step name)."""
    steps = POST_LOAD_STEPS[state]
    steps[:] = [existing for existing in steps if existing.name != step.name]
    steps.append(step)


def post_load_steps(state: str) -> list[PostLoadStep]:
    """The definition's steps, then those added; an added step replaces one of its name."""
    from tsdata.states import state_definition

    added = POST_LOAD_STEPS[state]
    names = {step.name for step in added}
    declared = state_definition(state).post_load_step_list()
    return [step for step in declared if step.name not in names] + list(added)
