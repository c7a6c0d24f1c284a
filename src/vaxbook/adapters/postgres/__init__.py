"""The cluster ledger: PostgreSQL through asyncpg, shared by every worker."""
