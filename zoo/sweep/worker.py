"""``python -m zoo.sweep.worker JOB RECORD``: run one sweep job in this process and write its record.

The local pool starts one of these per job, and a Slurm job under ``torchrun`` one per
rank (rank 0 writes the record). The record is written atomically, so the sweep reads a
whole record or none; with none, the exit status and the log say what happened.
"""

from __future__ import annotations

import signal
import sys
from typing import Any


def _terminate_like_ctrl_c(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # the sweep stops a job with SIGTERM: the engine cleans up as for Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Run the job in ``argv[0]`` and write its record to ``argv[1]``; 0 once a record is written."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m zoo.sweep.worker JOB RECORD", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate_like_ctrl_c)
    from zoo.engine import EvaluationInterrupted
    from zoo.engine.distributed import current_world
    from zoo.engine.record import write_json
    from zoo.sweep.jobs import one_line, read_job, run_job

    try:
        job = read_job(args[0])
        record = run_job(job)
    except (KeyboardInterrupt, EvaluationInterrupted):
        print("zoo: job stopped", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the sweep shows this line as the job's reason
        print(f"zoo: error: {one_line(error)}", file=sys.stderr)
        return 1
    if current_world().is_main:
        write_json(args[1], record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
