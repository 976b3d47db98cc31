"""Users, roles, parties, agreements, pseudonymisation, retention and the audit trail."""
