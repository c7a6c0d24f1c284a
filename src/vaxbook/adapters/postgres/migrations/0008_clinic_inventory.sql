-- Issue 10, points 1 and 2: clinic phone numbers (imported from the clinics file), and what
-- a clinic recorded for each booked dose on the day.
ALTER TABLE clinics ADD COLUMN phone text NOT NULL DEFAULT '';

CREATE TABLE dose_outcomes (
    booking_id text NOT NULL REFERENCES bookings (id),
    dose smallint NOT NULL CHECK (dose IN (1, 2)),
    outcome text NOT NULL CHECK (outcome IN ('vaccinated', 'no_show')),
    marked_at timestamptz NOT NULL,
    PRIMARY KEY (booking_id, dose)
);
