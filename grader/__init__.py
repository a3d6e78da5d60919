"""grade: check Docker textbook labs on a real Docker Engine against YAML rubrics."""

__version__ = "0.1.0"
