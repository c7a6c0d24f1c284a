-- Standby and its offers (issue 11 points 4-5, docs/notifications.md). A held place is counted
-- in its share's booked, under the same CHECK as a booking, so it never shows as free: for
-- every share, booked = active bookings + open offers + leftover doses still pooled.
CREATE TABLE standby (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- the order of joining: the longest wait first
    person_key text PRIMARY KEY,
    grp smallint NOT NULL CHECK (grp BETWEEN 0 AND 9),
    any_share boolean NOT NULL,
    until timestamptz NOT NULL,
    joined_at timestamptz NOT NULL,
    offer_id text
);
CREATE TABLE standby_districts (
    person_key text NOT NULL REFERENCES standby (person_key) ON DELETE CASCADE,
    sido text NOT NULL,
    sigungu text NOT NULL,
    PRIMARY KEY (person_key, sido, sigungu)
);
CREATE INDEX standby_districts_region ON standby_districts (sido, sigungu);

CREATE TABLE offers (
    id text PRIMARY KEY,
    person_key text NOT NULL,
    slot_id bigint NOT NULL,
    share_group smallint NOT NULL,
    leftover boolean NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    state text NOT NULL CHECK (state IN ('open', 'accepted', 'declined', 'lapsed')),
    booking_id text,
    FOREIGN KEY (slot_id, share_group) REFERENCES shares (slot_id, grp)
);
CREATE UNIQUE INDEX one_open_offer_per_person ON offers (person_key) WHERE state = 'open';
CREATE INDEX offers_open_expiry ON offers (expires_at) WHERE state = 'open';

-- Leftover doses a clinic posted for today and not yet offered.
CREATE TABLE leftover_pool (
    slot_id bigint NOT NULL,
    grp smallint NOT NULL,
    pooled integer NOT NULL CHECK (pooled >= 0),
    PRIMARY KEY (slot_id, grp),
    FOREIGN KEY (slot_id, grp) REFERENCES shares (slot_id, grp)
);
