"""Tables of the registry capability."""
