"""The evaluation engine (imports torch): ``evaluate``, ``evaluate_many`` and ``predict``."""

from zoo.engine.evaluate import EvaluationInterrupted, compare, evaluate, evaluate_many, failed_record, run
from zoo.engine.planning import Plan, RunRequest, plan
from zoo.engine.predict import predict

__all__ = ["EvaluationInterrupted", "Plan", "RunRequest", "compare", "evaluate", "evaluate_many", "failed_record", "plan",
           "predict", "run"]
