"""Live sensing and alerts: events from sensors, correlation rules, alerts and their lifecycle."""
