"""What only the S3 store does: conditional puts, hash metadata, objects written by others."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from botocore.exceptions import ClientError

from server.storage import ObjectConflict, S3MediaStore
from tests.server.storage.conftest import S3Server


@pytest.fixture
def store(s3_server: S3Server, s3_bucket: str) -> S3MediaStore:
    return S3MediaStore(
        s3_server.endpoint,
        s3_bucket,
        s3_server.access_key,
        s3_server.secret_key,
        s3_server.region,
    )


def test_objects_carry_their_hash_and_content_type(
    store: S3MediaStore, s3_server: S3Server, s3_bucket: str
) -> None:
    client: Any = s3_server.client()

    store.put("display/aa/bb/photo.jpg", b"jpeg bytes", content_type="image/jpeg")

    head = client.head_object(Bucket=s3_bucket, Key="display/aa/bb/photo.jpg")
    assert hashlib.sha256(b"jpeg bytes").hexdigest() == head["Metadata"]["sha256"]
    assert "image/jpeg" == head["ContentType"]


def test_the_server_itself_refuses_to_overwrite_with_if_none_match(
    store: S3MediaStore, s3_server: S3Server, s3_bucket: str
) -> None:
    client: Any = s3_server.client()
    store.put("originals/aa/bb/kept", b"first")

    with pytest.raises(ClientError) as refused:
        client.put_object(Bucket=s3_bucket, Key="originals/aa/bb/kept", Body=b"x", IfNoneMatch="*")

    assert "PreconditionFailed" == refused.value.response["Error"]["Code"]


def test_an_object_written_by_another_tool_is_compared_by_its_bytes(
    store: S3MediaStore, s3_server: S3Server, s3_bucket: str
) -> None:
    client: Any = s3_server.client()
    client.put_object(Bucket=s3_bucket, Key="originals/cc/dd/foreign", Body=b"foreign")

    assert store.put("originals/cc/dd/foreign", b"foreign") is False
    with pytest.raises(ObjectConflict):
        store.put("originals/cc/dd/foreign", b"different")


def test_a_prefix_keeps_objects_under_it(s3_server: S3Server, s3_bucket: str) -> None:
    client: Any = s3_server.client()
    store = S3MediaStore(
        s3_server.endpoint,
        s3_bucket,
        s3_server.access_key,
        s3_server.secret_key,
        s3_server.region,
        prefix="shopscore",
    )

    store.put("thumbs/00/11/t.jpg", b"t")

    listed = client.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert ["shopscore/thumbs/00/11/t.jpg"] == [item["Key"] for item in listed]
    assert b"t" == store.get("thumbs/00/11/t.jpg")
