-- vaxbook_book (migration 0011) kept the plans it made on a fresh ledger (issue 9 point 5).
-- PL/pgSQL caches each statement's plan for the life of the connection, and the foreign-key
-- check of the idempotency row caches its own. Planned while bookings and idempotency are
-- empty (just created, or analysed empty, as the rush's ledger is at its opening), the key
-- look, the active-booking look and that check are sequential scans, and stay so while the
-- tables grow, until autoanalyze invalidates them (a minute or more into the rush). Every
-- statement of the function is a keyed look or write, so a sequential scan is never the
-- right plan there: the function forbids them for its own statements and for the checks its
-- inserts fire (planned inside it when it is the first to fire them on a connection, as at
-- a rush's opening). On the rush's fresh ledger this took vaxbook_book from up to 2.31x to
-- 1.02-1.14x the minimal booking in the same pgbench run (docs/benchmarks.md, "The ledger
-- near its limit"). The function itself, its answers and refusals are 0011's.
ALTER FUNCTION vaxbook_book(text, text, date, bigint, smallint[], boolean, bigint[], date, text, text,
                            integer, text, text, timestamptz, text, text, text[], smallint[],
                            timestamptz[])
    SET enable_seqscan = off;
