-- A booking in one round trip: the whole transaction of bookings.book as one function.
-- Each statement inside still sees the latest commits (READ COMMITTED takes a snapshot per
-- statement), and a refusal raises, so the places taken before it are rolled back.
CREATE FUNCTION vaxbook_book(
    p_person text, p_name text, p_birth date, p_slot bigint, p_groups smallint[],
    p_needs_second boolean, p_seconds bigint[], p_key text, p_fingerprint text,
    p_at timestamptz, p_id text
) RETURNS TABLE (replayed boolean, booking_id text, share_group smallint, second_slot_id bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_fingerprint text;
    v_booking text;
    v_group smallint;
    v_second bigint;
    v_candidate bigint;
    v_try smallint;
BEGIN
    SELECT i.fingerprint, i.booking_id INTO v_fingerprint, v_booking
        FROM idempotency i WHERE i.person_key = p_person AND i.key = p_key;
    IF FOUND THEN
        IF v_fingerprint <> p_fingerprint THEN
            RAISE EXCEPTION 'idempotency_key_reused';
        END IF;
        RETURN QUERY SELECT true, v_booking, NULL::smallint, NULL::bigint;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM bookings b WHERE b.person_key = p_person AND b.cancelled_at IS NULL) THEN
        -- The booking found may be this very key's, committed by a concurrent retry since
        -- the first look (this statement sees it): replay it rather than refuse.
        SELECT i.fingerprint, i.booking_id INTO v_fingerprint, v_booking
            FROM idempotency i WHERE i.person_key = p_person AND i.key = p_key;
        IF FOUND AND v_fingerprint = p_fingerprint THEN
            RETURN QUERY SELECT true, v_booking, NULL::smallint, NULL::bigint;
            RETURN;
        END IF;
        RAISE EXCEPTION 'already_booked';
    END IF;
    FOREACH v_try IN ARRAY p_groups LOOP
        UPDATE shares SET booked = booked + 1
            WHERE slot_id = p_slot AND grp = v_try AND booked < capacity RETURNING grp INTO v_group;
        EXIT WHEN v_group IS NOT NULL;
    END LOOP;
    IF v_group IS NULL THEN
        RAISE EXCEPTION 'slot_full';
    END IF;
    IF p_needs_second THEN
        FOREACH v_candidate IN ARRAY p_seconds LOOP
            UPDATE slots SET second_booked = second_booked + 1
                WHERE id = v_candidate AND second_booked < second_capacity RETURNING id INTO v_second;
            EXIT WHEN v_second IS NOT NULL;
        END LOOP;
        IF v_second IS NULL THEN
            RAISE EXCEPTION 'second_dose_unavailable';
        END IF;
    END IF;
    INSERT INTO bookings (id, person_key, masked_name, birth_date, first_slot_id, share_group,
                          second_slot_id, created_at)
        VALUES (p_id, p_person, p_name, p_birth, p_slot, v_group, v_second, p_at);
    INSERT INTO idempotency (person_key, key, fingerprint, booking_id)
        VALUES (p_person, p_key, p_fingerprint, p_id);
    RETURN QUERY SELECT false, p_id, v_group, v_second;
END;
$$;
