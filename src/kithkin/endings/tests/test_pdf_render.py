"""The demo client's ending review, printed: the PDF of Camila's first episode (closed as
planned, its review signed and shared) is fetched as her therapist fetches it, and rendered to
PNG with Poppler's pdftoppm, which proves the PDF is one a reader can open and draw, not only a
file that starts with "%PDF". pdftotext reads the words back.

Poppler (poppler-utils) is a Debian package, installed by .ci/run. Without it the test is
skipped with a notice, except under CI=true, where it must run.
"""

import os
import shutil
import subprocess

import pytest
from django.urls import reverse
from PIL import Image

from kithkin.demo.builder import load_demo
from kithkin.endings.models import EndingReview

pytestmark = pytest.mark.django_db

# At 50 dots per inch a US Letter or A4 page is about 425 by 550 to 600 pixels.
DPI = 50


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} is missing (apt-get install poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; under CI=true the PDF render test must run")
        pytest.skip(f"NOTICE: PDF render test SKIPPED: {message}")
    return found


def camilas_pdf(client, tmp_path):
    """The PDF of the review of Camila's first episode, as her therapist downloads it."""
    load_demo(password="a demo passphrase")
    review = EndingReview.objects.select_related("episode__relationship__therapist").get(
        episode__relationship__client__given_name="Camila", episode__phase="closed"
    )
    episode = review.episode
    assert (episode.ending_type, review.is_signed, review.is_shared) == ("planned", True, True)
    client.force_login(episode.relationship.therapist)
    response = client.get(
        reverse("ending_review_pdf", args=[episode.relationship.client_id, episode.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "review.pdf"
    pdf.write_bytes(response.content)
    return pdf


def run(tool: str, *args: str) -> str:
    done = subprocess.run([tool, *args], check=True, capture_output=True, text=True, timeout=60)
    return done.stdout


def test_camilas_review_renders_to_drawn_pages_that_say_whose_review_it_is(client, tmp_path):
    # Both tools are looked up first, so a missing one skips before the demo is built.
    pdftoppm, pdftotext = poppler("pdftoppm"), poppler("pdftotext")
    pdf = camilas_pdf(client, tmp_path)

    run(pdftoppm, "-png", "-r", str(DPI), str(pdf), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) > 0
    for png in pages:
        with Image.open(png) as image:
            assert image.format == "PNG"
            width, height = image.size
            assert 350 <= width <= 700 and 450 <= height <= 800, image.size
            # Something is drawn on every page: a blank page is white (255) all over.
            darkest, _ = image.convert("L").getextrema()
            assert darkest < 128
    with Image.open(pages[0]) as first:
        grey = first.convert("L")
        inked = sum(grey.histogram()[:200])
        # The first page carries the heading and the journey: well over 1% of it is ink.
        assert inked > 0.01 * grey.width * grey.height

    text = run(pdftotext, "-layout", str(pdf), "-")
    assert "The road travelled" in text
    assert "The ending review of Camila" in text
    assert "Noticing when low mood turns into withdrawal" in text  # her themes, as written
