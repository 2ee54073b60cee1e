"""The sagemaker SDK v2's TrainingJobAnalytics, unmodified, against Anneal: prints the dataframe as JSON."""
import json
import sys

import boto3
import sagemaker
from sagemaker.analytics import TrainingJobAnalytics

job, period = sys.argv[1], int(sys.argv[2])
session = sagemaker.Session(boto_session=boto3.Session())
frame = TrainingJobAnalytics(job, sagemaker_session=session, period=period).dataframe()
print("FRAME " + json.dumps(frame.to_dict(orient="records")), flush=True)
