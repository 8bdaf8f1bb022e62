"""The evaluation engine (imports torch): ``evaluate``, ``evaluate_many`` and ``predict``."""

from zoo.engine.evaluate import EvaluationInterrupted, RunRequest, evaluate, evaluate_many
from zoo.engine.predict import predict

__all__ = ["EvaluationInterrupted", "RunRequest", "evaluate", "evaluate_many", "predict"]
