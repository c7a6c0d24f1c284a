-- The ledger's booking transaction exactly as POST /api/bookings runs it
-- (src/vaxbook/adapters/postgres/bookings.py: book): one statement, the vaxbook_book
-- function of migrations 0011 and 0013 (replay check, one-active-booking check, a first-dose place
-- from the group's share, the second-dose candidates of the same clinic and vaccine 42 days
-- later and a place in the nearest with room, the booking, its key, its three messages and
-- the sealed contact). The first SELECT picks a random first-dose slot with what the service
-- knows of it from its cache (clinic, vaccine, start in minutes, second-dose day).
-- Variables: :grp, :slots (rows of bench_pgbench_slots, made by the rush before pgbench).
\set k random(1, :slots)
\set n random(1, 1000000000000)
SELECT first_id AS slot, second_day AS day2, clinic_id AS clinic, vaccine_id AS vaccine, near AS near FROM bench_pgbench_slots WHERE k = :k \gset
SELECT * FROM vaxbook_book('pgbench-' || :client_id::text || '-' || :n::text, '홍*동', '1990-01-03', :slot, ARRAY[:grp]::smallint[], true, '{}'::bigint[], :day2, :clinic, :vaccine, :near, 'k', 'book:' || :slot::text, now(), 'PG' || :client_id::text || '-' || :n::text, 'v1.sealed-contact-of-about-this-length-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ARRAY['booked', 'reminder', 'reminder'], ARRAY[NULL, 1, 2]::smallint[], ARRAY[now(), now() + interval '1 day', now() + interval '43 days']);
