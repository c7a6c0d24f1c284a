-- The provider's reference of each person's last verification: the same verification retried
-- (its answer lost to a node killed mid-request, or a 503 after this row was written) is
-- recognised and replayed instead of being refused as a second one within the hold. NULL on
-- the rows written before: they match no retry, as before.
ALTER TABLE verifications ADD COLUMN reference text;
