"""Business rules, one module per domain. Plain functions; no Flask request objects."""
