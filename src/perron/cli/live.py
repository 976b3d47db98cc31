"""Commands of the live capability; `register(app)` mounts them."""
