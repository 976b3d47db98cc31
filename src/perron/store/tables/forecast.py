"""Tables of the forecast capability."""
