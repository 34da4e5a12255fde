"""The OpenAPI schema says every answer the API can give (issue 14, point 5).

Each view documents its success and its own refusals; the refusals every endpoint shares — bad input (400),
no or a bad token (401), no permission (403), nothing by that id in the caller's scope (404), a state or
version conflict on a write (409), an upload over the limit (413), too many requests (429) — come from the
API's one error handler (core.api_errors) and are added here to each operation that does not describe
them itself, with the one error shape {"error", "detail", "fields"}. A client generated from the schema
then knows every status it can meet, and the schemathesis run holds the API to it.
"""

from __future__ import annotations

ERROR_COMPONENT = "ApiError"
ERROR_SCHEMA = {
    "type": "object",
    "description": "The API's one error shape: a code, a message in the caller's language, field errors.",
    "properties": {
        "error": {"type": "string", "description": "A stable code, e.g. complaints.wrong_status"},
        "detail": {"type": "string"},
        "fields": {
            "type": "object",
            "description": "Field name -> the codes or messages of what is wrong with it",
            "additionalProperties": True,
        },
    },
    "required": ["error", "detail", "fields"],
}
SHARED = {
    "400": "Bad input: a field, a filter or an id the database cannot hold (`fields` names them)",
    "401": "Not signed in, or the token is unknown or expired",
    "403": "Signed in, without the permission for this",
    "404": "Nothing by this id in the caller's scope (outside the scope looks the same as missing)",
    "429": "Too many requests: retry after the time in the Retry-After header",
}
WRITES = {
    "409": "A conflict: the object is not at the step this action belongs to, or it changed since it was read",
    "413": "The request or an uploaded file is larger than the limit",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def document_refusals(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: add the shared refusals to every operation under /api/v1/."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method not in {"get", "head", "options", *WRITE_METHODS}:
                continue
            responses = operation.setdefault("responses", {})
            shared = {**SHARED, **(WRITES if method in WRITE_METHODS else {})}
            for status, description in shared.items():
                answer = responses.setdefault(status, {"description": description})
                answer.setdefault("content", {"application/json": {"schema": ref}})
    return result
