"""Strategic and regulatory watch of the priority markets: indicators, alerts, digest."""
