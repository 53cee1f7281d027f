"""Failures the update pipeline distinguishes."""

from services.common.errors import DependencyUnavailable

__all__ = ["DependencyUnavailable"]
