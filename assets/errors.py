"""Why an upload was refused, in words a shop owner can act on."""

from __future__ import annotations

from scheduler.errors import ValidationFailed

# Every code an upload can be refused with; stable for the API, the CLI and the dashboard.
REFUSAL_CODES = (
    "empty",
    "not_an_image",
    "unsupported_format",
    "corrupt",
    "too_large_bytes",
    "too_large_pixels",
    "too_small",
    "extension_mismatch",
)


class UploadRefused(ValidationFailed):
    """An uploaded file was refused; ``code`` is one of ``REFUSAL_CODES``."""

    code = "corrupt"

    def __init__(self, code: str, message: str) -> None:
        if code not in REFUSAL_CODES:
            raise ValueError(f"unknown refusal code {code!r}")
        super().__init__(message, code=code)
