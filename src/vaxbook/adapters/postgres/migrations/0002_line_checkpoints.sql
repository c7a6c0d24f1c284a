-- The waiting room's counters, copied here every second or so by each worker, so that a
-- Redis that lost everything (it runs without persistence) is refilled with them: no new
-- arrival is numbered ahead of people already in line, and nobody admitted is sent back.
CREATE TABLE line_checkpoints (
    line_id text PRIMARY KEY,
    issued bigint NOT NULL CHECK (issued >= 0),
    admitted bigint NOT NULL CHECK (admitted >= 0),
    saved_at timestamptz NOT NULL DEFAULT now()
);
