-- The ledger's booking transaction exactly as POST /api/bookings runs it
-- (src/vaxbook/adapters/postgres/bookings.py: book): one statement, the vaxbook_book
-- function of migration 0003 (replay check, one-active-booking check, a first-dose place
-- from the group's share, a second-dose place 42 days later, the booking and its key).
-- The first SELECT picks a random first-dose slot and its second-dose slot, as the service
-- reads its second-dose candidates before booking. Variables: :grp, :slots (rows of
-- bench_pgbench_slots, made by the rush before it runs pgbench).
\set k random(1, :slots)
\set n random(1, 1000000000000)
SELECT first_id AS slot, second_id AS second FROM bench_pgbench_slots WHERE k = :k \gset
SELECT * FROM vaxbook_book('pgbench-' || :client_id::text || '-' || :n::text, '홍*동', '1990-01-03', :slot, ARRAY[:grp]::smallint[], true, ARRAY[:second]::bigint[], 'k', 'book:' || :slot::text, now(), 'PG' || :client_id::text || '-' || :n::text);
