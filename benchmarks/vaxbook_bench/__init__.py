"""The rush benchmark: load generator, database ceiling, correctness checker, report, capacity model."""
