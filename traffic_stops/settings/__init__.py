"""Settings package: ``base`` plus one overlay per environment (dev, test, production)."""
