"""Perron: social safety of Dutch railway stations and resilience of the rail network."""

from perron.config import Settings, get_settings

__version__ = "0.1.0"

__all__ = ["Settings", "__version__", "get_settings"]
