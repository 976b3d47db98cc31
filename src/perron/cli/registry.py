"""Commands of the registry capability; `register(app)` mounts them."""
