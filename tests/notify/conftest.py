"""The notification tests use the services fixture of tests/services."""

from tests.services.conftest import services

__all__ = ["services"]
