"""API of the forecast capability."""
