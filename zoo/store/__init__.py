"""The results store: every ``zoo run`` (and ``zoo bench``) record, kept in a local SQLite file.

``zoo run`` adds each record it produces (unless ``--no-store`` or ``ZOO_NO_STORE=1``) to
``$ZOO_RESULTS``, else ``results.sqlite`` in zoo's cache folder, and answers a request
already stored (same request, weights and data) from it; ``zoo results`` and
:func:`zoo.results` query it. Standard library only: importing this never imports torch.
See docs/results.md.
"""

from __future__ import annotations

from zoo.store.database import (ResultsStore, StoredRecord, StoreError, StoreSettings, default_results_path,
                                local_time, parse_since)
from zoo.store.keys import KEY_FIELDS, request_key
from zoo.store.schema import SCHEMA_VERSION

__all__ = ["KEY_FIELDS", "SCHEMA_VERSION", "ResultsStore", "StoreError", "StoreSettings", "StoredRecord",
           "default_results_path", "local_time", "parse_since", "request_key"]
