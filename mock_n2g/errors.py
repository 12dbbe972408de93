"""The two error shapes of the service, as exceptions the HTTP layer renders."""

from dataclasses import dataclass
from typing import Any

REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

VALIDATION_CODE = 10003
DUPLICATE_CODE = 1062


class ApiError(Exception):
    """`{"status", "code", "errorMessage"[, "moreInfo"]}`: the body of every resource error."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        code: int | None = None,
        message: str | None = None,
        more_info: dict[str, Any] | None = None,
    ) -> None:
        reason = REASONS.get(status, "Error")
        self.status = status
        self.code = status if code is None else code
        self.message = message or (f"{reason} ({detail})" if detail else reason)
        self.more_info = more_info
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": self.status,
            "code": self.code,
            "errorMessage": self.message,
        }
        if self.more_info is not None:
            body["moreInfo"] = self.more_info
        return body


def not_found(kind: str, resource_id: str) -> ApiError:
    return ApiError(404, f"{kind} {resource_id} not found")


def bad_request(detail: str) -> ApiError:
    return ApiError(400, detail)


def duplicate_value(value: str, column: str) -> ApiError:
    """A unique constraint hit, worded as the service words it (code 1062)."""
    return ApiError(
        400, code=DUPLICATE_CODE, message=f'Duplicate value "{value}" for column "{column}"'
    )


@dataclass(frozen=True)
class FieldProblem:
    field_name: str
    message: str


class ValidationError(ApiError):
    """422 with code 10003 and one entry per offending field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__(
            422,
            code=VALIDATION_CODE,
            message="Error during input validation",
            more_info={
                "errors": [
                    {"code": VALIDATION_CODE, "fieldName": p.field_name, "message": p.message}
                    for p in problems
                ]
            },
        )


class OAuthError(Exception):
    """`{"error", "error_description"}` without envelope: the token endpoint and bad tokens."""

    def __init__(self, status: int, error: str, description: str) -> None:
        self.status = status
        self.error = error
        self.description = description
        super().__init__(f"{error}: {description}")

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}
