import pytest


@pytest.fixture
def bearer(db):
    """A fresh token for a user, as the headers the Django test client sends."""
    from kithkin.api.services import token_create

    def headers(user, **options):
        _, secret = token_create(user=user, by=None, **options)
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return headers
