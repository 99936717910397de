"""`S3MediaStore`: media in an S3-compatible object store (production, `MEDIA_STORE=s3`).

A put is a single `PutObject` with `If-None-Match: *`, so an existing object is never
overwritten; when the store answers that the key exists (412, or 409 for a concurrent put), the
stored object's SHA-256 is compared with ours: the same bytes are a success. Each object
carries its SHA-256 in its metadata (`x-amz-meta-sha256`) so that comparison needs no download.
Stores that do not implement conditional writes (501) get a plain put after a HEAD check.
"""

from __future__ import annotations

import hmac
import time
from typing import Any, BinaryIO, Final, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from server.storage.base import (
    MediaNotFound,
    MediaStore,
    ObjectConflict,
    check_key,
    sha256_of,
)

__all__ = ["S3MediaStore"]

_HASH_METADATA: Final = "sha256"
_NOT_FOUND: Final = {"404", "NoSuchKey", "NotFound"}
_ALREADY_EXISTS: Final = {"PreconditionFailed", "412"}
# A conditional put racing another put of the same key: AWS asks the client to retry.
_RACING: Final = {"ConditionalRequestConflict", "409"}
_RACE_RETRIES: Final = 5
_NOT_IMPLEMENTED: Final = {"NotImplemented", "501"}


class S3MediaStore(MediaStore):
    """Objects in one bucket of an S3-compatible store, named by their key."""

    def __init__(
        self,
        endpoint: str | None,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        *,
        prefix: str = "",
    ) -> None:
        self.bucket = bucket
        self.prefix = f"{check_key(prefix)}/" if prefix else ""
        self._conditional_writes = True
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
            config=Config(
                # Path-style addressing works with every S3-compatible server and needs no DNS.
                s3={"addressing_style": "path"},
                retries={"mode": "standard", "max_attempts": 5},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def __repr__(self) -> str:
        return f"S3MediaStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> bool:
        object_key = self._object_key(key)
        digest = sha256_of(data)
        request = {
            "Bucket": self.bucket,
            "Key": object_key,
            "Body": data,
            "ContentType": content_type,
            "Metadata": {_HASH_METADATA: digest},
        }
        for attempt in range(_RACE_RETRIES):
            if not self._conditional_writes:
                break
            try:
                self._client.put_object(IfNoneMatch="*", **request)
            except ClientError as error:
                code = _error_code(error)
                if code in _ALREADY_EXISTS:
                    return self._same_content(key, digest)
                if code in _RACING and attempt + 1 < _RACE_RETRIES:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                if code not in _NOT_IMPLEMENTED:
                    raise
                self._conditional_writes = False
            else:
                return True
        if self.exists(key):
            return self._same_content(key, digest)
        self._client.put_object(**request)
        return True

    def get(self, key: str) -> bytes:
        with self.open(key) as body:
            return body.read()

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except MediaNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._object_key(key))

    def open(self, key: str) -> BinaryIO:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                raise MediaNotFound(key) from None
            raise
        return cast(BinaryIO, response["Body"])

    def _head(self, key: str) -> dict[str, Any]:
        try:
            return cast(
                "dict[str, Any]",
                self._client.head_object(Bucket=self.bucket, Key=self._object_key(key)),
            )
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                raise MediaNotFound(key) from None
            raise

    def _same_content(self, key: str, digest: str) -> bool:
        """False if the object under `key` has SHA-256 `digest`, else raise `ObjectConflict`."""
        stored_digest = self._head(key).get("Metadata", {}).get(_HASH_METADATA)
        if stored_digest is None:  # written by another tool: hash the bytes themselves
            stored_digest = sha256_of(self.get(key))
        if not hmac.compare_digest(stored_digest, digest):
            raise ObjectConflict(key)
        return False

    def _object_key(self, key: str) -> str:
        return self.prefix + check_key(key)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
