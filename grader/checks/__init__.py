"""Check kinds, one small module each, registered by name. To add a kind: write a module with a
`Check` subclass decorated with `@register`, import it here, regenerate rubrics/schema.json."""
from . import (  # noqa: F401
    all_of,
    container,
    container_file,
    container_mount,
    container_port,
    http,
    image,
    image_base,
    image_commit,
    image_config,
    image_file,
    image_history,
    image_size,
    registry,
    run,
    volume,
)
from .base import KINDS, Check, Fail

__all__ = ["KINDS", "Check", "Fail"]
