"""The PII engine's display side: masking values before anything is shown or written."""

from lendguard.detect.mask import mask_text

__all__ = ["mask_text"]
