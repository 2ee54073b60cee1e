"""The v3-style ModelTrainer (sagemaker 2.257's sagemaker.modules.train), unmodified, against Anneal:
SourceCode + Compute + InputData; the SDK sends ContainerEntrypoint/ContainerArguments that run its
sm_train.sh from the `sm_drivers` channel, with the user's code in the `code` channel."""
import sys

import boto3
from sagemaker.config import load_sagemaker_config
from sagemaker.modules import Session
from sagemaker.modules.configs import Compute, InputData, SourceCode
from sagemaker.modules.train import ModelTrainer

bucket, source_dir = sys.argv[1], sys.argv[2]
session = Session(boto_session=boto3.Session(), default_bucket=bucket)
# This Session class (sagemaker_core's) does not load the SDK config file itself, and the telemetry
# emitter reads TelemetryOptOut from `session.sagemaker_config`: hand it the file's contents.
session.sagemaker_config = load_sagemaker_config()
trainer = ModelTrainer(
    training_image="anneal/python:3", role="arn:aws:iam::123456789012:role/SageMakerRole",
    source_code=SourceCode(source_dir=source_dir, entry_script="train_mt.py"),
    compute=Compute(instance_type="ml.m5.large", instance_count=1),
    hyperparameters={"epochs": 2, "name": "abc"}, sagemaker_session=session, base_job_name="model-trainer")
trainer.train(input_data_config=[InputData(channel_name="train", data_source=f"s3://{bucket}/data/mt")], wait=True, logs=True)
job = trainer._latest_training_job
job.refresh()
print("JOB", job.training_job_name, flush=True)
print("STATUS", job.training_job_status, flush=True)
print("ENTRYPOINT", job.algorithm_specification.container_entrypoint, flush=True)
print("CHANNELS", sorted(channel.channel_name for channel in job.input_data_config), flush=True)
print("MODEL_DATA", job.model_artifacts.s3_model_artifacts, flush=True)
