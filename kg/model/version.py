"""The package version, in one place (the store header records it)."""

__version__ = "0.1.0"
