"""Bulk ``$export`` under /fhir/R4/ (FHIR Bulk Data Access IG v2): the kick-off, the status URL
and the files.

Each request takes a Bearer token and asks the policy for ``Action.BULK_EXPORT`` afresh, so a
permission revoked mid-export stops the downloads too. A job is its starter's alone: to anyone
else its status URL and files answer 404, one body for both.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from kithkin.accounts.access import in_practice
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.fhir import export
from kithkin.fhir.models import ExportJob
from kithkin.fhir.responses import operation_outcome
from kithkin.fhir.views import refusal

# Seconds a client is asked to wait between polls of a running job.
RETRY_AFTER = 5


def bulk_endpoint(*methods: str):
    """As ``views.fhir_read`` (a Bearer token, the token's rate limit, refusals as
    OperationOutcomes), for the methods given, and only for a holder of the export permission."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            refused = refusal(request, methods)
            if refused is not None:
                return refused
            try:
                # Refusals are audited here; an allowed start, poll or download writes its own.
                in_practice(request, Action.BULK_EXPORT, audited=False)
                return view(request, *args, **kwargs)
            except PermissionDenied:
                return operation_outcome(403, "forbidden", "Not permitted.")
            except Http404:
                return operation_outcome(404, "not-found", "No such export.")

        return wrapped

    return decorator


@bulk_endpoint("GET")
def export_kickoff(request):
    """System-level ``$export``: the token user's whole practice."""
    if "respond-async" not in request.headers.get("Prefer", ""):
        return operation_outcome(400, "invalid", "$export needs the header Prefer: respond-async.")
    try:
        types = export.parse_request(request.GET.dict())
    except export.ExportRequestError as refused:
        return operation_outcome(400, "not-supported", str(refused))
    job = export.export_start(
        user=request.user,
        types=types,
        request_url=request.build_absolute_uri(),
        ip=client_ip(request),
    )
    # The row is committed (export_start is atomic), so a worker can claim it.
    from kithkin.fhir.tasks import export_job

    export_job(job.pk)
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(
        reverse("fhir_export_status", kwargs={"job_id": job.pk})
    )
    return response


def _job(request, job_id: int) -> ExportJob:
    job = ExportJob.objects.filter(pk=job_id, user=request.user).first()
    if job is None or not job.is_live:
        raise Http404
    if job.expires_at <= timezone.now():
        export.export_expire(job=job)
        raise Http404
    return job


@bulk_endpoint("GET", "DELETE")
def export_status(request, job_id: int):
    job = _job(request, job_id)
    if request.method == "DELETE":
        export.export_cancel(job=job, by=request.user, ip=client_ip(request))
        return HttpResponse(status=202)
    if job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = export.progress_text(job)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
    if job.status == ExportJob.Status.FAILED:
        return operation_outcome(500, "exception", job.error or "The export failed.")
    response = JsonResponse(_manifest(request, job))
    response["Expires"] = http_date(job.expires_at.timestamp())
    return response


def _manifest(request, job: ExportJob) -> dict:
    output = [
        {
            "type": resource_type,
            "url": request.build_absolute_uri(
                reverse(
                    "fhir_export_file", kwargs={"job_id": job.pk, "resource_type": resource_type}
                )
            ),
            "count": job.counts[resource_type],
        }
        for resource_type in job.types
        if job.counts.get(resource_type)
    ]
    return {
        "transactionTime": job.started_at.isoformat().replace("+00:00", "Z"),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": output,
        "error": [],
    }


@bulk_endpoint("GET")
def export_file(request, job_id: int, resource_type: str):
    job = _job(request, job_id)
    if job.status != ExportJob.Status.COMPLETED or not job.counts.get(resource_type):
        raise Http404
    try:
        handle = export.file_path(job, resource_type).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    export.export_download_audit(
        job=job, resource_type=resource_type, by=request.user, ip=client_ip(request)
    )
    # Streamed from disk in blocks: a file of the whole practice never sits in memory.
    return FileResponse(handle, content_type=export.NDJSON)
