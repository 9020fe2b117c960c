"""Every answer under /api/ is JSON, including the ones Django gives before the API is reached
(an unknown path's 404, a method's 405, a server error's 500): a script reading `detail` never
meets an HTML page."""

from django.http import JsonResponse

PREFIX = "/api/"


class JsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            replaced = JsonResponse(
                {"detail": f"{response.reason_phrase}."},
                status=response.status_code,
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response
