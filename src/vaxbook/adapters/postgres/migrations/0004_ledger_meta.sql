-- Facts the ledger is bound to, such as the fingerprint of the pepper of its person keys:
-- a server started with another pepper would see every booked person as new.
CREATE TABLE ledger_meta (
    name text PRIMARY KEY,
    value text NOT NULL
);
