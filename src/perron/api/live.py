"""API of the live capability."""
