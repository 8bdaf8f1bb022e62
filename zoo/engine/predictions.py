"""``--save-predictions``: one JSON line per sample, staged and renamed so no partial file remains."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from zoo.engine.data import Batch
from zoo.engine.record import output_target, staging_file


class PredictionWriter:
    """Writes rows as batches arrive (memory does not grow); renames into place on success."""

    def __init__(self, path: str | os.PathLike[str] | None, labels: Sequence[str] | None,
                 score_kind: str = "logits") -> None:
        self.path, self.labels, self.handle, self.staging = path, labels, None, None
        self.score_kind = score_kind  # "one-hot" decisions carry no confidence: their score is null
        if path is not None:
            fd, self.staging = staging_file(path)
            self.handle = os.fdopen(fd, "w", encoding="utf-8")

    def write(self, batch: Batch, outputs: Any) -> None:
        if self.handle is None:
            return
        if self.labels is None:
            rows = [{"index": i, "id": s, "target": t, "prediction": p}
                    for i, s, t, p in zip(batch.indices, batch.ids, batch.targets, outputs)]
        else:
            scores = outputs.float()
            scores, predicted = (scores.softmax(-1) if self.score_kind == "logits" else scores).max(-1)
            rows = [{"index": i, "id": s, "target": self.labels[int(t)], "prediction": self.labels[int(p)],
                     "score": None if self.score_kind == "one-hot" else round(float(c), 6)}
                    for i, s, t, p, c in zip(batch.indices, batch.ids, batch.targets, predicted, scores)]
        self.handle.writelines(json.dumps(row) + "\n" for row in rows)

    def close(self, keep: bool) -> None:
        if self.handle is None:
            return
        self.handle.close()
        if keep:
            os.replace(self.staging, output_target(self.path))  # type: ignore[arg-type]
        elif os.path.exists(self.staging):  # type: ignore[arg-type]
            os.unlink(self.staging)  # type: ignore[arg-type]
