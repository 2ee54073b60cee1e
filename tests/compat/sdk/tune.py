"""The sagemaker SDK v2's HyperparameterTuner, unmodified, against Anneal: fit, best_training_job,
analytics().dataframe().

usage: tune.py SOURCE_DIR BUCKET STRATEGY
"""
import json
import sys

import boto3
import sagemaker
from sagemaker.estimator import Estimator
from sagemaker.tuner import CategoricalParameter, ContinuousParameter, HyperparameterTuner, IntegerParameter

source_dir, bucket, strategy = sys.argv[1], sys.argv[2], sys.argv[3]
session = sagemaker.Session(boto_session=boto3.Session(), default_bucket=bucket)
estimator = Estimator(image_uri="anneal/python:3", entry_point="objective.py", source_dir=source_dir,
                      role="arn:aws:iam::123456789012:role/SageMakerRole", instance_count=1, instance_type="ml.m5.large",
                      sagemaker_session=session, output_path=f"s3://{bucket}/tuner-output", hyperparameters={"epochs": 3})
tuner = HyperparameterTuner(
    estimator, objective_metric_name="validation:loss", objective_type="Minimize", strategy=strategy,
    metric_definitions=[{"Name": "validation:loss", "Regex": "validation-loss=([0-9.eE+-]+);"}],
    hyperparameter_ranges={"x": ContinuousParameter(-2, 3), "y": ContinuousParameter(-2, 2),
                           "kind": CategoricalParameter(["a", "b", "c"]), "depth": IntegerParameter(1, 6)},
    max_jobs=8, max_parallel_jobs=4, base_tuning_job_name="sdk-tune")
tuner.fit({"train": f"s3://{bucket}/data/train/"}, wait=True)
print("BEST", tuner.best_training_job(), flush=True)
frame = tuner.analytics().dataframe()
print("FRAME " + json.dumps(frame.to_dict(orient="records"), default=str), flush=True)
