"""API of the registry capability."""
