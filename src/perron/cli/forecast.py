"""Commands of the forecast capability; `register(app)` mounts them."""
