"""The privacy-policy probe: read a policy (text, HTML, PDF or inside an APK) into clauses."""

from lendguard.probes.policy.probe import probe_policy, segment

__all__ = ["probe_policy", "segment"]
