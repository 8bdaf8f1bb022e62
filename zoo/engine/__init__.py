"""The evaluation engine (imports torch): ``evaluate``, ``evaluate_many`` and ``predict``."""

from zoo.engine.evaluate import EvaluationInterrupted, evaluate, evaluate_many, run
from zoo.engine.planning import Plan, RunRequest, plan
from zoo.engine.predict import predict

__all__ = ["EvaluationInterrupted", "Plan", "RunRequest", "evaluate", "evaluate_many", "plan", "predict", "run"]
