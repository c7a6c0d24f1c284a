-- The ledger's booking transaction, statement for statement as
-- src/vaxbook/adapters/postgres/bookings.py runs it for POST /api/bookings:
-- idempotency replay check, one-active-booking check, a first-dose place from the
-- group's share, a second-dose place 42 days later, the booking, its key, and the
-- booking read back. Variables: :grp (the open group), :slots (rows of bench_pgbench_slots).
\set k random(1, :slots)
\set n random(1, 1000000000000)
SELECT first_id AS slot, second_id AS second FROM bench_pgbench_slots WHERE k = :k \gset
BEGIN;
SELECT fingerprint, booking_id FROM idempotency WHERE person_key = 'pgbench-' || :client_id::text || '-' || :n::text AND key = 'k';
SELECT id FROM bookings WHERE person_key = 'pgbench-' || :client_id::text || '-' || :n::text AND cancelled_at IS NULL;
UPDATE shares SET booked = booked + 1 WHERE slot_id = :slot AND grp = :grp AND booked < capacity RETURNING grp;
UPDATE slots SET second_booked = second_booked + 1 WHERE id = :second AND second_booked < second_capacity RETURNING id;
INSERT INTO bookings (id, person_key, masked_name, birth_date, first_slot_id, share_group, second_slot_id, created_at) VALUES ('PG' || :client_id::text || '-' || :n::text, 'pgbench-' || :client_id::text || '-' || :n::text, '홍*동', '1990-01-03', :slot, :grp, :second, now());
INSERT INTO idempotency (person_key, key, fingerprint, booking_id) VALUES ('pgbench-' || :client_id::text || '-' || :n::text, 'k', 'book:' || :slot::text, 'PG' || :client_id::text || '-' || :n::text);
SELECT b.id, b.person_key, b.masked_name, b.birth_date, b.share_group, b.created_at, b.cancelled_at, f.id, f.clinic_id, f.day, f.start, f."end", f.vaccine_id, f.first_capacity, f.second_capacity, s.id, s.clinic_id, s.day, s.start, s."end", s.vaccine_id, s.first_capacity, s.second_capacity, c.id, c.name, c.sido, c.sigungu, c.address FROM bookings b JOIN slots f ON f.id = b.first_slot_id LEFT JOIN slots s ON s.id = b.second_slot_id JOIN clinics c ON c.id = f.clinic_id WHERE b.id = 'PG' || :client_id::text || '-' || :n::text;
COMMIT;
