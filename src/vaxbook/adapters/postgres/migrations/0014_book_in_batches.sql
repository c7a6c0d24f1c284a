-- Group commit (issue 9 point 5): several bookings of one worker in one round trip and one
-- transaction. Each item is vaxbook_book (0011, 0013) in a subtransaction of its own, so a
-- refusal (slot_full, already_booked, ...) rolls back that booking alone and is answered as
-- that item's `refusal`; the others commit together. A unique violation (a concurrent request of
-- the same person committed first) is answered as 'conflict': the caller runs that booking again
-- on its own, where its retries see the other booking. Any other error (a deadlock, the lock
-- timeout below) aborts the whole batch, and the caller runs each booking on its own
-- (adapters/postgres/book_batches.py).
--
-- p_items: a JSON array of objects, one per booking, with vaxbook_book's parameters by name
-- (the array parameters as PostgreSQL array literals). Items are answered in order, numbered
-- from 1; the columns after `refusal` are vaxbook_book's, NULL for a refused item.
CREATE FUNCTION vaxbook_book_many(p_items jsonb)
RETURNS TABLE (
    item integer, refusal text,
    replayed boolean, booking_id text, masked_name text, birth_date date,
    share_group smallint, created_at timestamptz, cancelled_at timestamptz,
    first_slot_id bigint, second_slot_id bigint, second_clinic text, second_day date,
    second_start time, second_end time, second_vaccine text,
    second_first_capacity integer, second_capacity integer
) LANGUAGE plpgsql
-- A batch that waits on one row lock for this long (a deadlock with another batch, which
-- PostgreSQL would detect only after deadlock_timeout, 1 s by default; a long transaction of
-- someone else's) fails whole, and its bookings run on their own, without this bound.
SET lock_timeout = '500ms'
AS $$
DECLARE
    v jsonb;
    n integer := 0;
BEGIN
    FOR v IN SELECT value FROM jsonb_array_elements(p_items) LOOP
        n := n + 1;
        BEGIN
            RETURN QUERY SELECT n, NULL::text, b.* FROM vaxbook_book(
                v->>'person', v->>'name', (v->>'birth')::date, (v->>'slot')::bigint,
                (v->>'groups')::smallint[], (v->>'needs_second')::boolean, (v->>'seconds')::bigint[],
                (v->>'second_day')::date, v->>'clinic', v->>'vaccine', (v->>'near')::integer,
                v->>'key', v->>'fingerprint', (v->>'at')::timestamptz, v->>'id', v->>'contact',
                (v->>'kinds')::text[], (v->>'doses')::smallint[], (v->>'due')::timestamptz[]) AS b;
        EXCEPTION
            WHEN raise_exception THEN
                RETURN QUERY SELECT n, SQLERRM, NULL::boolean, NULL::text, NULL::text, NULL::date,
                    NULL::smallint, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::bigint,
                    NULL::text, NULL::date, NULL::time, NULL::time, NULL::text, NULL::integer,
                    NULL::integer;
            WHEN unique_violation THEN
                RETURN QUERY SELECT n, 'conflict'::text, NULL::boolean, NULL::text, NULL::text,
                    NULL::date, NULL::smallint, NULL::timestamptz, NULL::timestamptz, NULL::bigint,
                    NULL::bigint, NULL::text, NULL::date, NULL::time, NULL::time, NULL::text,
                    NULL::integer, NULL::integer;
        END;
    END LOOP;
END;
$$;
