-- 0001_schema: the tables of the booking engine (docs/invariants.md).
--
-- room_inventory carries one row per room type and night. Its CHECK constraint is the
-- last line of defence: whatever a function does, no committed row can show more rooms
-- taken than exist. The functions in db/functions/10_booking.sql keep the counters exact.

CREATE TABLE users (
    user_id        bigserial PRIMARY KEY,
    email          text NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
    password_hash  text NOT NULL,
    full_name      text NOT NULL DEFAULT '' CHECK (length(full_name) <= 200),
    role           text NOT NULL DEFAULT 'guest' CHECK (role IN ('guest', 'admin')),
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hotels (
    hotel_id    bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    city        text NOT NULL DEFAULT '' CHECK (length(city) <= 200),
    address     text NOT NULL DEFAULT '' CHECK (length(address) <= 400),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE room_types (
    room_type_id      bigserial PRIMARY KEY,
    hotel_id          bigint NOT NULL REFERENCES hotels(hotel_id),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    capacity          int NOT NULL DEFAULT 2 CHECK (capacity BETWEEN 1 AND 50),
    base_price_cents  bigint NOT NULL DEFAULT 10000 CHECK (base_price_cents >= 0),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX room_types_hotel_idx ON room_types(hotel_id);

CREATE TABLE room_inventory (
    room_type_id     bigint NOT NULL REFERENCES room_types(room_type_id),
    date             date NOT NULL,
    allotment        int NOT NULL CHECK (allotment >= 0),
    booked_count     int NOT NULL DEFAULT 0,
    tentative_count  int NOT NULL DEFAULT 0,
    PRIMARY KEY (room_type_id, date),
    CONSTRAINT room_inventory_no_oversell CHECK (
        booked_count >= 0 AND tentative_count >= 0
        AND booked_count + tentative_count <= allotment)
);

-- Live holds only: a confirmed, released or expired hold is deleted.
CREATE TABLE booking_holds (
    hold_id       bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(user_id),
    room_type_id  bigint NOT NULL REFERENCES room_types(room_type_id),
    check_in      date NOT NULL,
    check_out     date NOT NULL,
    quantity      int NOT NULL CHECK (quantity BETWEEN 1 AND 10),
    hold_expiry   timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (check_out > check_in)
);
CREATE INDEX booking_holds_expiry_idx ON booking_holds(hold_expiry);
CREATE INDEX booking_holds_user_idx ON booking_holds(user_id);
CREATE INDEX booking_holds_room_idx ON booking_holds(room_type_id, check_in);

CREATE TABLE bookings (
    booking_id    bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(user_id),
    hold_id       bigint NOT NULL UNIQUE,
    room_type_id  bigint NOT NULL REFERENCES room_types(room_type_id),
    check_in      date NOT NULL,
    check_out     date NOT NULL,
    quantity      int NOT NULL CHECK (quantity BETWEEN 1 AND 10),
    status        text NOT NULL CHECK (status IN ('Confirmed', 'Cancelled')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    cancelled_at  timestamptz,
    CHECK (check_out > check_in)
);
CREATE INDEX bookings_user_idx ON bookings(user_id);
CREATE INDEX bookings_room_idx ON bookings(room_type_id, check_in);

CREATE TABLE booking_details (
    booking_detail_id  bigserial PRIMARY KEY,
    booking_id         bigint NOT NULL REFERENCES bookings(booking_id),
    room_type_id       bigint NOT NULL,
    date               date NOT NULL,
    quantity           int NOT NULL CHECK (quantity BETWEEN 1 AND 10),
    FOREIGN KEY (room_type_id, date) REFERENCES room_inventory(room_type_id, date),
    UNIQUE (booking_id, date)
);
CREATE INDEX booking_details_room_date_idx ON booking_details(room_type_id, date);
