"""read: the issue XML → an immutable model (``layout.read.model``)."""

from layout.read.build import read_issue

__all__ = ["read_issue"]
