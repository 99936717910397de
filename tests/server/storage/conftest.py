"""Fixtures for the media store tests: a bucket of its own for each test.

The moto server (S3 protocol, on a loopback port) is `s3_server` of `tests/server/conftest.py`,
shared with the tests that run several server processes on one store.
"""

from __future__ import annotations

import itertools
import socket
from dataclasses import dataclass

import boto3
import pytest


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str = "test-access-key"
    secret_key: str = "test-secret-key"  # moto accepts any credentials
    region: str = "eu-central-1"

    def client(self) -> object:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
        )


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


_bucket_numbers = itertools.count()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    bucket = f"media-{next(_bucket_numbers)}"
    s3_server.client().create_bucket(  # type: ignore[attr-defined]
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3_server.region}
    )
    return bucket
