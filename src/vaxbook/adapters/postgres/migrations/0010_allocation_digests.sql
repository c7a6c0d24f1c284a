-- The daily allocation digests (docs/operators.md, "Public figures"): append-only, each
-- chained to the one before by its hash. The unique previous hash forbids a fork (two
-- digests after the same one); the triggers refuse any UPDATE or DELETE.
CREATE TABLE allocation_digests (
    day date PRIMARY KEY,
    made_at timestamptz NOT NULL,
    previous_sha256 text NOT NULL UNIQUE,
    sha256 text NOT NULL UNIQUE,
    body text NOT NULL
);

CREATE FUNCTION allocation_digests_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'allocation_digests is append-only';
END;
$$;

CREATE TRIGGER allocation_digests_no_change BEFORE UPDATE OR DELETE ON allocation_digests
    FOR EACH ROW EXECUTE FUNCTION allocation_digests_append_only();
