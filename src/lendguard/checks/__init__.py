"""Checks: pure functions evidence -> findings, registered per rule with @check("RULE-ID")."""

from lendguard.checks.registry import CheckContext, RegisteredCheck, check, registered_checks

__all__ = ["CheckContext", "RegisteredCheck", "check", "registered_checks"]
