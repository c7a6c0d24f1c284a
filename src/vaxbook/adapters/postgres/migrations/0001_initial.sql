-- The ledger's first schema. Constraints, not code, forbid overbooking and double booking.

CREATE TABLE clinics (
    id text PRIMARY KEY,
    name text NOT NULL,
    sido text NOT NULL,
    sigungu text NOT NULL,
    address text NOT NULL,
    key_hash text NOT NULL
);
CREATE INDEX clinics_region ON clinics (sido, sigungu);

CREATE TABLE slots (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clinic_id text NOT NULL REFERENCES clinics (id),
    day date NOT NULL,
    start time NOT NULL,
    "end" time NOT NULL,
    vaccine_id text NOT NULL,
    first_capacity integer NOT NULL CHECK (first_capacity >= 0),
    second_capacity integer NOT NULL CHECK (second_capacity >= 0),
    second_booked integer NOT NULL DEFAULT 0,
    CONSTRAINT second_dose_within_capacity CHECK (second_booked BETWEEN 0 AND second_capacity)
);
CREATE INDEX slots_clinic_day ON slots (clinic_id, day, vaccine_id);

-- One row per slot and group: the group's share of the slot's first doses.
CREATE TABLE shares (
    slot_id bigint NOT NULL REFERENCES slots (id),
    grp smallint NOT NULL CHECK (grp BETWEEN 0 AND 9),
    capacity integer NOT NULL CHECK (capacity >= 0),
    booked integer NOT NULL DEFAULT 0,
    PRIMARY KEY (slot_id, grp),
    CONSTRAINT share_within_capacity CHECK (booked BETWEEN 0 AND capacity)
);
CREATE INDEX shares_group ON shares (grp, slot_id);

CREATE TABLE bookings (
    id text PRIMARY KEY,
    person_key text NOT NULL,
    masked_name text NOT NULL,
    birth_date date NOT NULL,
    first_slot_id bigint NOT NULL,
    share_group smallint NOT NULL,
    second_slot_id bigint REFERENCES slots (id),
    created_at timestamptz NOT NULL,
    cancelled_at timestamptz,
    FOREIGN KEY (first_slot_id, share_group) REFERENCES shares (slot_id, grp)
);
CREATE UNIQUE INDEX one_active_booking_per_person ON bookings (person_key) WHERE cancelled_at IS NULL;
CREATE INDEX bookings_first_slot ON bookings (first_slot_id);
CREATE INDEX bookings_second_slot ON bookings (second_slot_id);

CREATE TABLE idempotency (
    person_key text NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    booking_id text NOT NULL REFERENCES bookings (id),
    PRIMARY KEY (person_key, key)
);
