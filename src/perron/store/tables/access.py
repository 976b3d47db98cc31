"""Tables of the access capability: agreements, audit trail, erasure log."""
