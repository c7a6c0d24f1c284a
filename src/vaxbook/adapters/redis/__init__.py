"""The cluster gate: Redis through redis-py asyncio (hiredis parser), shared by every worker."""
