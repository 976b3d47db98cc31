"""API of the monitor capability."""
