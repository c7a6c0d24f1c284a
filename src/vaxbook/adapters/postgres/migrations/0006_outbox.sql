-- The outbox and the kept contacts (issue 11, docs/notifications.md).
-- A message is written in the transaction of the change it announces; dispatchers claim
-- due rows with FOR UPDATE SKIP LOCKED and a lease, so no two hold one message at once.
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL,
    person_key text NOT NULL,
    booking_id text,
    offer_id text,
    dose smallint,
    due_at timestamptz NOT NULL,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead', 'void')),
    attempts integer NOT NULL DEFAULT 0,
    lease_until timestamptz,
    claim text,
    last_error text,
    created_at timestamptz NOT NULL,
    sent_at timestamptz
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'pending';
CREATE INDEX outbox_booking ON outbox (booking_id) WHERE state = 'pending';

-- AES-GCM sealed with a key kept outside the database (VAXBOOK_CONTACT_KEYS).
CREATE TABLE contacts (
    person_key text PRIMARY KEY,
    sealed text NOT NULL,
    updated_at timestamptz NOT NULL
);

-- vaxbook_book, and in the same statement (so the same transaction) the booking's messages
-- and the person's sealed contact. A replay writes nothing: its first run wrote them.
CREATE FUNCTION vaxbook_book_announced(
    p_person text, p_name text, p_birth date, p_slot bigint, p_groups smallint[],
    p_needs_second boolean, p_seconds bigint[], p_key text, p_fingerprint text,
    p_at timestamptz, p_id text, p_contact text, p_kinds text[], p_doses smallint[],
    p_due timestamptz[]
) RETURNS TABLE (replayed boolean, booking_id text, share_group smallint, second_slot_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_row record;
BEGIN
    SELECT * INTO v_row FROM vaxbook_book(p_person, p_name, p_birth, p_slot, p_groups,
        p_needs_second, p_seconds, p_key, p_fingerprint, p_at, p_id) AS b;
    IF NOT v_row.replayed THEN
        INSERT INTO outbox (kind, person_key, booking_id, dose, due_at, created_at)
            SELECT k, p_person, p_id, d, t, p_at FROM unnest(p_kinds, p_doses, p_due) AS n (k, d, t);
        IF p_contact <> '' THEN
            INSERT INTO contacts (person_key, sealed, updated_at) VALUES (p_person, p_contact, p_at)
                ON CONFLICT (person_key) DO UPDATE SET sealed = excluded.sealed,
                                                       updated_at = excluded.updated_at;
        END IF;
    END IF;
    RETURN QUERY SELECT v_row.replayed, v_row.booking_id, v_row.share_group, v_row.second_slot_id;
END;
$$;
