import pytest

from config import health


@pytest.fixture(autouse=True)
def _fresh_readiness():
    """Each test's /readyz checks the parts as that test set them."""
    health.forget_readiness()
    yield
    health.forget_readiness()
