"""The sagemaker SDK v2, unmodified, against Anneal: SKLearn(...).fit(wait=True, logs=True)."""
import sys

import boto3
import sagemaker
from sagemaker.sklearn import SKLearn

source_dir, bucket = sys.argv[1], sys.argv[2]
session = sagemaker.Session(boto_session=boto3.Session(), default_bucket=bucket)
estimator = SKLearn(
    entry_point="train_sklearn.py", source_dir=source_dir, framework_version="1.2-1",
    instance_type="ml.m5.large", instance_count=1, role="arn:aws:iam::123456789012:role/SageMakerRole",
    sagemaker_session=session, hyperparameters={"n-estimators": 10, "max-depth": 3},
    metric_definitions=[{"Name": "f1", "Regex": "F1-Score: (.*?)%"}], base_job_name="sdk-sklearn")
estimator.fit({"train": f"s3://{bucket}/data/sk"}, wait=True, logs=True)
print("MODEL_DATA", estimator.model_data, flush=True)
job = session.sagemaker_client.describe_training_job(TrainingJobName=estimator.latest_training_job.name)
print("STATUS", job["TrainingJobStatus"], flush=True)
