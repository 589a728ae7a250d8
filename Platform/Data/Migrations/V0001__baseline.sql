-- Extensions the platform relies on; both are "trusted", so the database owner can create them,
-- and both are on Azure PostgreSQL Flexible Server's allow-list.
CREATE EXTENSION IF NOT EXISTS pgcrypto;   -- gen_random_uuid(), digests for hash chains
CREATE EXTENSION IF NOT EXISTS pg_trgm;    -- fuzzy search over names and documents
