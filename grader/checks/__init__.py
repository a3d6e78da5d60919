"""Check kinds, one small module each, registered by name. To add a kind: write a module with a
`Check` subclass decorated with `@register`, import it here, regenerate rubrics/schema.json."""
from . import all_of, container, image, image_base, image_commit, image_config, image_file, image_history, run  # noqa: F401  # noqa: F401
from .base import KINDS, Check, Fail

__all__ = ["KINDS", "Check", "Fail"]
