"""Page modules, one per capability."""
