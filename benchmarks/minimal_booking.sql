-- The least a booking can be (issue 9 point 5): two conditional updates (a first-dose place
-- from the group's share, a second-dose place) and one insert (the booking), in one
-- transaction, with no replay, active-booking or idempotency checks. pgbench runs it beside
-- booking.sql (vaxbook_book) in the same run, on the same slots: the ratio of the two is
-- what the ledger's own function costs beyond the bare writes.
\set k random(1, :slots)
\set n random(1, 1000000000000)
SELECT first_id AS slot, second_id AS second FROM bench_pgbench_slots WHERE k = :k \gset
BEGIN;
UPDATE shares SET booked = booked + 1 WHERE slot_id = :slot AND grp = :grp AND booked < capacity;
UPDATE slots SET second_booked = second_booked + 1 WHERE id = :second AND second_booked < second_capacity;
INSERT INTO bookings (id, person_key, masked_name, birth_date, first_slot_id, share_group, second_slot_id, created_at) VALUES ('PM' || :client_id::text || '-' || :n::text, 'pgbench-m' || :client_id::text || '-' || :n::text, '홍*동', '1990-01-03', :slot, :grp, :second, now());
COMMIT;
