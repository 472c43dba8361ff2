"""The import failures that carry a message meant for the operator.

They live apart so that the management commands can catch them without importing the
staging machinery's database code.
"""

from __future__ import annotations


class ImportError_(Exception):  # noqa: N801 - keep clear of the builtin ImportError
    """Base class of import failures that carry a message meant for the operator."""


class ImportBusyError(ImportError_):
    """Another import of the same state holds the advisory lock."""


class ImportValidationError(ImportError_):
    """The staged data failed a check (reject share, counts, keys); live data untouched."""
