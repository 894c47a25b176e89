"""The sample environment: seeded through the sandbox's HTTP API, and the configs that point at it."""
