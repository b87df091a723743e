"""The PII engine: entity specs, the scanner, column classification and display masking.
Shared by every probe, by `protect` and by the Spark entry points."""

from lendguard.detect.entities import BY_NAME, ENTITIES, EntitySpec
from lendguard.detect.mask import mask_text, mask_value
from lendguard.detect.scanner import Match, Scanner

__all__ = ["BY_NAME", "ENTITIES", "EntitySpec", "Match", "Scanner", "mask_text", "mask_value"]
