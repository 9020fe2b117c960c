"""The REST API under /api/: the practice's own staff reading and writing what the pages do.

Every endpoint reaches records through ``kithkin.accounts.access`` (the pages' one door), so it
answers as the pages do: 404 for a record the user may not read, 403 for an action they may not
take, and the same audit events, marked "[via api]". Writes go through the services.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, Throttled

from kithkin.accounts.access import actor_for, audit_access
from kithkin.api.auth import BearerToken
from kithkin.api.schemas import InvalidInput
from kithkin.core.access import Role
from kithkin.web.limits import SharedRateThrottle


class StaffBearer(BearerToken):
    """The REST API is for the practice's staff. A client's own record is theirs through the
    portal (and later the FHIR right-of-access): their tokens are refused, and the refusal
    audited like any other."""

    def authenticate(self, request, token):
        user = super().authenticate(request, token)
        if user is not None and user.role == Role.CLIENT:
            audit_access(
                request,
                actor_for(user),
                "api.use",
                "Practice",
                user.practice_id,
                None,
                False,
                "the REST API is for the practice's staff; clients use the portal",
            )
            raise PermissionDenied("The REST API is for the practice's staff.")
        return user


class TokenRateThrottle(SharedRateThrottle):
    """Requests per token (issue 7), counted together by every worker process (issue 10)."""

    scope = "token"

    def __init__(self):
        super().__init__(settings.KITHKIN_API_RATE)

    def allow_request(self, request) -> bool:
        # Read per request, so a changed setting (or a test's) applies without a restart.
        self.num_requests, self.duration = self.parse_rate(settings.KITHKIN_API_RATE)
        return super().allow_request(request)

    def get_cache_key(self, request):
        token = getattr(request, "api_token", None)
        if token is None:
            return None  # no token, no request: authentication already answered 401
        # Part of the hash, not the id: ids are reused after a restore, the hash never is.
        return self.cache_format % {"scope": self.scope, "ident": token.token_hash[:32]}


class KithkinAPI(NinjaAPI):
    """Every operation can answer 422 from schema validation (a path id out of range, a wrong
    type, a field the input does not name), with ``detail`` a list (docs/api.md), and every
    write 400 to a body that is not JSON. The schema says so, beside the operation's own 422 (the
    page's sentence), so a client generated from it reads both; schemathesis checks the answers
    against it (tests/test_api_schemathesis.py)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        invalid = InvalidInput.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(invalid.pop("$defs", {}))
        components["InvalidInput"] = invalid
        invalid_ref = {"$ref": "#/components/schemas/InvalidInput"}
        for operations in schema["paths"].values():
            for operation in operations.values():
                answer = operation["responses"].setdefault(
                    422, {"description": "Unprocessable Content"}
                )
                content = answer.setdefault("content", {}).setdefault("application/json", {})
                own = content.get("schema")
                content["schema"] = {"anyOf": [own, invalid_ref]} if own else invalid_ref
                if "requestBody" in operation:
                    # A body that is not JSON at all: Django Ninja answers 400 before validation.
                    operation["responses"].setdefault(
                        400,
                        {
                            "description": "Bad Request",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}
                                }
                            },
                        },
                    )
        return schema


api = KithkinAPI(
    title="Kithkin REST API",
    version="1",
    description="The practice's own records, through the same access policy and audit trail "
    "as the pages. See docs/api.md.",
    urls_namespace="api",
    auth=StaffBearer(),
    throttle=TokenRateThrottle(),
    # The interactive page loads Swagger UI from a CDN, which the Content-Security-Policy
    # (rightly) refuses; the schema at /api/openapi.json is what tools read.
    docs_url=None,
)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Forbidden."}, status=403)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    # One answer for a missing, unknown, expired or revoked token and a deactivated user.
    response = api.create_response(request, {"detail": "Unauthorized."}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Throttled)
def _throttled(request, exc):
    response = api.create_response(request, {"detail": "Too many requests."}, status=429)
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


# The writes of a client's record (people, plans, schedule) share its paths: importing them adds
# their operations to the records router, before it is added to the API.
from kithkin.api.routers import clients, measures, people, plans, records, schedule  # noqa: E402, F401

api.add_router("/", clients.router)
api.add_router("/", measures.router)
api.add_router("/", records.router)
