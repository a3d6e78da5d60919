"""Renderers of the one result model: terminal, JSON, JUnit."""
