"""Probes turn a target (a file, a database, a capture) into evidence. All I/O lives here."""

from lendguard.probes.errors import ProbeError

__all__ = ["ProbeError"]
