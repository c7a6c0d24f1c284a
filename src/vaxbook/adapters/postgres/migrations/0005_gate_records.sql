-- What the gate (Redis) must not forget, kept durably: who holds which place in each line, and
-- each person's last verification (device and time). After Redis loses everything, joining
-- again returns the person's place, and a second device or a second verification within the
-- hold is still refused (docs/operations.md, "When something fails").
CREATE TABLE line_places (
    line_id text NOT NULL,
    person_key text NOT NULL,
    number bigint NOT NULL CHECK (number > 0),
    PRIMARY KEY (line_id, person_key)
);

CREATE TABLE verifications (
    person_key text PRIMARY KEY,
    device text NOT NULL,
    verified_at double precision NOT NULL  -- epoch seconds, the service's clock
);
