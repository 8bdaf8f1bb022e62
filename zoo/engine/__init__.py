"""The evaluation engine (imports torch when it runs). The public API is ``zoo.evaluate``,
``zoo.predict`` and ``zoo.embed``; the CLI also plans, compares and replays runs here."""

from zoo.engine.evaluate import (EvaluationInterrupted, compare, evaluate, evaluate_many, failed_record,
                                 plan_named, recorded_request, run)
from zoo.engine.planning import Plan, RunRequest, plan

__all__ = ["EvaluationInterrupted", "Plan", "RunRequest", "compare", "evaluate", "evaluate_many", "failed_record", "plan",
           "plan_named", "recorded_request", "run"]
