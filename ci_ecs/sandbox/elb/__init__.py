"""Elastic Load Balancing: target health, weighted listener rules, simulated traffic and its ALB metrics."""
