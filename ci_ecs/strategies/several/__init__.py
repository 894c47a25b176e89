"""`services:`: several services from one release in one job, each by its own technique."""
