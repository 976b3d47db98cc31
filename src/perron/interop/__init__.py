"""Exchange formats: CAP 1.2 (OASIS Common Alerting Protocol) and the NGSI-LD ``Alert`` entity."""
