"""Tables of the monitor capability."""
