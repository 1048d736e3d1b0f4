"""The size limit on uploads, applied while Django reads a multipart body, before any of the file is kept
in memory or on disk.

`UploadLimitHandler` comes first in FILE_UPLOAD_HANDLERS. Django reads no more of a body than its
Content-Length says, so that length is what the limit is held against: a longer body is stopped where its
first file starts. The fields before the file (the admin form's CSRF token) have been read by then, nothing
of the file is kept (no temporary file, no memory): Django reads the rest of the body in small chunks and
drops them, so the connection stays usable (runserver would otherwise read it all into memory at once). The
request then carries no file, and the view that expected one asks `upload_refusal` why.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

_REFUSAL = "upload_refusal"  # the attribute of the request that holds the reason


class UploadLimitHandler(FileUploadHandler):
    def handle_raw_input(self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: Any = None):
        self.body_length = content_length

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        limit = settings.DATASET_UPLOAD_MAX_BYTES
        if self.body_length > limit:
            reason = f"The upload is {_size(self.body_length)}; uploads are limited to {_size(limit)}."
            setattr(self.request, _REFUSAL, reason)
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def upload_refusal(request: Any) -> str | None:
    """Why the request's upload was refused, if it was. Read it after the request's body has been parsed."""
    return getattr(request, _REFUSAL, None)


def _size(size: int) -> str:
    return f"{size / 2**20:,.1f} MB ({size:,} bytes)"
