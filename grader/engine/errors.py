"""Errors an engine raises, and what the runtime says when a student's object is at fault."""
from __future__ import annotations

import re

from ..text import Text


class EngineError(Exception):
    """The engine could not be reached or failed: never the student's fault."""

    def __init__(self, message: Text, address: str = ""):
        super().__init__(str(message))
        self.message = message
        self.address = address


class EngineUnavailable(EngineError):
    """Could not connect at all."""


class ObjectError(Exception):
    """One student object (an image, a container) could not be used: a probe of it cannot start,
    its logs or files cannot be read. The engine answered, so this is evidence for the check that
    asked (failed, or that candidate skipped), never an engine fault."""

    def __init__(self, message: Text):
        super().__init__(str(message))
        self.message = message


# What the runtime says when a student's image or container, not the engine, is at fault.
OBJECT_FAULTS = re.compile(
    r"executable file not found|no such file or directory|unable to find (user|group)|"
    r"no matching entries in (passwd|group)|permission denied|exec format error|not a directory|"
    r"is a directory|does not support reading|logging driver|cannot (read|open)|invalid argument",
    re.I)

