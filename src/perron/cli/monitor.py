"""Commands of the monitor capability; `register(app)` mounts them."""
