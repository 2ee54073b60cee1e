"""The sagemaker SDK v2's generic Estimator, unmodified, against Anneal.

usage: fit_estimator.py byo BUCKET IMAGE            (the image's own train program, no script)
       fit_estimator.py script BUCKET SOURCE_DIR   (anneal/python:3 with entry_point and source_dir)
"""
import sys

import boto3
import sagemaker
from sagemaker.estimator import Estimator

mode, bucket = sys.argv[1], sys.argv[2]
session = sagemaker.Session(boto_session=boto3.Session(), default_bucket=bucket)
common = dict(role="arn:aws:iam::123456789012:role/SageMakerRole", instance_count=1, instance_type="ml.m5.large",
              sagemaker_session=session, output_path=f"s3://{bucket}/estimator-output")
if mode == "byo":
    estimator = Estimator(image_uri=sys.argv[3], hyperparameters={"epochs": 3, "name": "abc"}, base_job_name="byo", **common)
else:
    estimator = Estimator(image_uri="anneal/python:3", entry_point="train_basic.py", source_dir=sys.argv[3],
                          hyperparameters={"epochs": 2, "name": "abc"}, base_job_name="generic-script",
                          metric_definitions=[{"Name": "train:loss", "Regex": "train_loss=(.*?);"}], **common)
estimator.fit({"train": f"s3://{bucket}/data/estimator"}, wait=True, logs=True)
print("MODEL_DATA", estimator.model_data, flush=True)
job = session.sagemaker_client.describe_training_job(TrainingJobName=estimator.latest_training_job.name)
print("STATUS", job["TrainingJobStatus"], flush=True)
print("HYPERPARAMETERS", sorted(job["HyperParameters"].items()), flush=True)
