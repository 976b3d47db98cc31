"""Tables of the live capability."""
