"""Who may do what: the table lives in domain/roles.py, shared with the workstation (which only
hides what a role cannot do); the platform checks every request against it."""
from __future__ import annotations

from domain.roles import ALL, PERMISSIONS, Role, allowed

__all__ = ["ALL", "PERMISSIONS", "Role", "allowed"]
