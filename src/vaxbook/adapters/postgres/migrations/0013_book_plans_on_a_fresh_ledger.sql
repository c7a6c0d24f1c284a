-- vaxbook_book (migration 0011) kept every plan it made on a fresh ledger (issue 9 point 5).
-- PL/pgSQL caches each statement's plan for the life of the connection, and the foreign-key
-- check of the idempotency row caches its own: planned while bookings and idempotency are
-- empty (just created, or analysed empty), the key and active-booking looks and that check
-- are sequential scans, and stay so as the tables grow, until autoanalyze invalidates them
-- (a minute or more into the rush). Every statement here is a keyed look or write, so a
-- sequential scan is never the right plan: the function forbids them for its own
-- statements (and for the foreign-key checks its inserts fire). On the rush's fresh ledger
-- this took vaxbook_book from 1.67-2.31x to 1.02-1.09x the minimal booking in the same
-- pgbench run (docs/benchmarks.md, "The ledger near its limit").
-- The second-dose ranking reads a slot's minutes with date_part (double precision) instead of
-- extract (numeric since PostgreSQL 14): the same order, without numeric arithmetic per
-- candidate. Signature, answers and refusals are those of 0011.
CREATE OR REPLACE FUNCTION vaxbook_book(
    p_person text, p_name text, p_birth date, p_slot bigint, p_groups smallint[],
    p_needs_second boolean, p_seconds bigint[], p_second_day date, p_clinic text, p_vaccine text,
    p_near integer, p_key text, p_fingerprint text, p_at timestamptz, p_id text,
    p_contact text, p_kinds text[], p_doses smallint[], p_due timestamptz[],
    OUT replayed boolean, OUT booking_id text, OUT masked_name text, OUT birth_date date,
    OUT share_group smallint, OUT created_at timestamptz, OUT cancelled_at timestamptz,
    OUT first_slot_id bigint, OUT second_slot_id bigint, OUT second_clinic text, OUT second_day date,
    OUT second_start time, OUT second_end time, OUT second_vaccine text,
    OUT second_first_capacity integer, OUT second_capacity integer
) LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
    v_fingerprint text;
    v_booking text;
    v_try smallint;
    v_candidate bigint;
    v_active boolean;
BEGIN
    -- Both first looks in one statement: the key's earlier booking, and any active booking.
    SELECT i.fingerprint, i.booking_id, EXISTS (SELECT 1 FROM bookings b WHERE b.person_key = p_person
                                                                        AND b.cancelled_at IS NULL)
        INTO v_fingerprint, v_booking, v_active
        FROM (SELECT) AS one LEFT JOIN idempotency i ON i.person_key = p_person AND i.key = p_key;
    IF v_booking IS NULL AND v_active THEN
        -- The booking found may be this very key's, committed by a concurrent retry since
        -- the first look (this statement sees it): replay it rather than refuse.
        SELECT i.fingerprint, i.booking_id INTO v_fingerprint, v_booking
            FROM idempotency i WHERE i.person_key = p_person AND i.key = p_key;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'already_booked';
        END IF;
    END IF;
    IF v_booking IS NOT NULL THEN
        IF v_fingerprint <> p_fingerprint THEN
            RAISE EXCEPTION 'idempotency_key_reused';
        END IF;
        replayed := true;
        SELECT * INTO booking_id, masked_name, birth_date, share_group, created_at, cancelled_at,
                      first_slot_id, second_slot_id, second_clinic, second_day, second_start,
                      second_end, second_vaccine, second_first_capacity, second_capacity
            FROM vaxbook_booking_row(v_booking);
        RETURN;
    END IF;

    FOREACH v_try IN ARRAY p_groups LOOP
        UPDATE shares SET booked = booked + 1
            WHERE slot_id = p_slot AND grp = v_try AND booked < capacity;
        IF FOUND THEN
            share_group := v_try;
            EXIT;
        END IF;
    END LOOP;
    IF share_group IS NULL THEN
        RAISE EXCEPTION 'slot_full';
    END IF;

    IF p_needs_second THEN
        IF p_second_day IS NOT NULL THEN
            -- The first candidate with room, in one statement; the UPDATE checks again on the row
            -- as committed, and if a concurrent booking took its last place, the loop below
            -- tries every candidate in turn.
            UPDATE slots s SET second_booked = s.second_booked + 1
                WHERE s.id = (SELECT c.id FROM slots c
                               WHERE c.clinic_id = p_clinic AND c.day = p_second_day
                                 AND c.vaccine_id = p_vaccine AND c.second_booked < c.second_capacity
                               ORDER BY abs(date_part('hour', c.start) * 60 + date_part('minute', c.start) - p_near),
                                        c.start, c.id
                               LIMIT 1)
                  AND s.second_booked < s.second_capacity
                RETURNING s.id, s.clinic_id, s.day, s.start, s."end", s.vaccine_id,
                          s.first_capacity, s.second_capacity
                INTO second_slot_id, second_clinic, second_day, second_start, second_end,
                     second_vaccine, second_first_capacity, second_capacity;
            IF second_slot_id IS NULL THEN
                FOR v_candidate IN
                    SELECT s.id FROM slots s
                     WHERE s.clinic_id = p_clinic AND s.day = p_second_day AND s.vaccine_id = p_vaccine
                       AND s.second_booked < s.second_capacity
                     ORDER BY abs(date_part('hour', s.start) * 60 + date_part('minute', s.start) - p_near), s.start, s.id
                LOOP
                    UPDATE slots s SET second_booked = s.second_booked + 1
                        WHERE s.id = v_candidate AND s.second_booked < s.second_capacity
                        RETURNING s.id, s.clinic_id, s.day, s.start, s."end", s.vaccine_id,
                                  s.first_capacity, s.second_capacity
                        INTO second_slot_id, second_clinic, second_day, second_start, second_end,
                             second_vaccine, second_first_capacity, second_capacity;
                    EXIT WHEN FOUND;
                END LOOP;
            END IF;
        ELSE
            FOREACH v_candidate IN ARRAY p_seconds LOOP
                UPDATE slots s SET second_booked = s.second_booked + 1
                    WHERE s.id = v_candidate AND s.second_booked < s.second_capacity
                    RETURNING s.id, s.clinic_id, s.day, s.start, s."end", s.vaccine_id,
                              s.first_capacity, s.second_capacity
                    INTO second_slot_id, second_clinic, second_day, second_start, second_end,
                         second_vaccine, second_first_capacity, second_capacity;
                EXIT WHEN FOUND;
            END LOOP;
        END IF;
        IF second_slot_id IS NULL THEN
            RAISE EXCEPTION 'second_dose_unavailable';
        END IF;
    END IF;

    INSERT INTO bookings (id, person_key, masked_name, birth_date, first_slot_id, share_group,
                          second_slot_id, created_at)
        VALUES (p_id, p_person, p_name, p_birth, p_slot, share_group, second_slot_id, p_at);
    INSERT INTO idempotency (person_key, key, fingerprint, booking_id)
        VALUES (p_person, p_key, p_fingerprint, p_id);
    IF cardinality(p_kinds) > 0 THEN
        INSERT INTO outbox (kind, person_key, booking_id, dose, due_at, created_at)
            SELECT k, p_person, p_id, d, t, p_at FROM unnest(p_kinds, p_doses, p_due) AS n (k, d, t);
    END IF;
    IF p_contact <> '' THEN
        INSERT INTO contacts (person_key, sealed, updated_at) VALUES (p_person, p_contact, p_at)
            ON CONFLICT (person_key) DO UPDATE SET sealed = excluded.sealed,
                                                   updated_at = excluded.updated_at;
    END IF;
    replayed := false;
    booking_id := p_id;
    masked_name := p_name;
    birth_date := p_birth;
    created_at := p_at;
    first_slot_id := p_slot;
END;
$$;
