-- Operators of the console (issue 10): argon2 hashes, never passwords.
CREATE TABLE operators (
    name text PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('viewer', 'operator')),
    password_hash text NOT NULL
);

-- Server-side sessions, kept as a hash of the cookie's value: a copy of the table signs no one in.
CREATE TABLE operator_sessions (
    id_hash text PRIMARY KEY,
    name text NOT NULL REFERENCES operators (name) ON DELETE CASCADE,
    expires_at double precision NOT NULL
);
CREATE INDEX operator_sessions_name ON operator_sessions (name);

-- Every operator action, append-only: who, what, on what, before, after, when.
CREATE TABLE audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    operator text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    before jsonb,
    after jsonb
);
CREATE INDEX audit_target ON audit (target, id);

-- No code path updates or deletes an audit row, and the database refuses it too, whoever asks
-- (a REVOKE binds only roles other than the owner; the trigger binds the owner as well).
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
REVOKE UPDATE, DELETE ON audit FROM PUBLIC;
