-- seed.sql: demo data for lastroom: 3 hotels, 4 room types each, and inventory for the
-- 365 nights from today.
--
-- Additive and safe to run again: hotels and room types are matched by name and only
-- created when missing; inventory is added only for the nights after the last night a
-- room type already has (through set_allotment), so existing nights, their allotments
-- and everything booked on them are left alone. Run it in one transaction, as
-- scripts/seed.sh does (its temporary table lives until the commit).

CREATE TEMP TABLE seed_rooms (hotel text, city text, address text, room text,
                              capacity int, price_cents bigint, allotment int) ON COMMIT DROP;
INSERT INTO seed_rooms VALUES
    ('Harbour View Hotel', 'Lisbon',    'Rua do Cais 12',      'Standard Double', 2, 9500,  20),
    ('Harbour View Hotel', 'Lisbon',    'Rua do Cais 12',      'Deluxe Sea View', 2, 15500, 10),
    ('Harbour View Hotel', 'Lisbon',    'Rua do Cais 12',      'Family Room',     4, 18000, 6),
    ('Harbour View Hotel', 'Lisbon',    'Rua do Cais 12',      'Harbour Suite',   3, 32000, 2),
    ('Alpine Lodge',       'Innsbruck', 'Bergweg 4',           'Single',          1, 7000,  12),
    ('Alpine Lodge',       'Innsbruck', 'Bergweg 4',           'Standard Double', 2, 11000, 16),
    ('Alpine Lodge',       'Innsbruck', 'Bergweg 4',           'Chalet Family',   5, 21000, 4),
    ('Alpine Lodge',       'Innsbruck', 'Bergweg 4',           'Summit Suite',    2, 29000, 1),
    ('Canal House',        'Amsterdam', 'Herengracht 210',     'Cosy Single',     1, 8500,  8),
    ('Canal House',        'Amsterdam', 'Herengracht 210',     'Canal Double',    2, 14500, 14),
    ('Canal House',        'Amsterdam', 'Herengracht 210',     'Garden Twin',     2, 12500, 10),
    ('Canal House',        'Amsterdam', 'Herengracht 210',     'Attic Suite',     2, 26000, 3);

INSERT INTO hotels (name, city, address)
SELECT DISTINCT s.hotel, s.city, s.address FROM seed_rooms s
 WHERE NOT EXISTS (SELECT 1 FROM hotels h WHERE h.name = s.hotel);

INSERT INTO room_types (hotel_id, name, capacity, base_price_cents)
SELECT h.hotel_id, s.room, s.capacity, s.price_cents
  FROM seed_rooms s JOIN hotels h ON h.name = s.hotel
 WHERE NOT EXISTS (SELECT 1 FROM room_types r WHERE r.hotel_id = h.hotel_id AND r.name = s.room);

DO $seed$
DECLARE
    r record;
    v_from date;
    v_to date := current_date + 365;
    v_status text;
BEGIN
    FOR r IN SELECT rt.room_type_id, s.allotment,
                    (SELECT max(ri.date) FROM room_inventory ri
                      WHERE ri.room_type_id = rt.room_type_id) AS last_night
               FROM seed_rooms s
               JOIN hotels h ON h.name = s.hotel
               JOIN room_types rt ON rt.hotel_id = h.hotel_id AND rt.name = s.room
              ORDER BY rt.room_type_id
    LOOP
        v_from := greatest(current_date, coalesce(r.last_night + 1, current_date));
        CONTINUE WHEN v_from >= v_to;
        SELECT a.status INTO v_status FROM set_allotment(r.room_type_id, v_from, v_to, r.allotment) a;
        IF v_status <> 'ok' THEN
            RAISE EXCEPTION 'seed: set_allotment(%, %, %) said %', r.room_type_id, v_from, v_to, v_status;
        END IF;
    END LOOP;
END
$seed$;

SELECT h.name AS hotel, count(DISTINCT rt.room_type_id) AS room_types,
       count(ri.date) AS inventory_nights, min(ri.date) AS first_night, max(ri.date) AS last_night
  FROM hotels h JOIN seed_rooms s ON s.hotel = h.name
  JOIN room_types rt ON rt.hotel_id = h.hotel_id AND rt.name = s.room
  LEFT JOIN room_inventory ri ON ri.room_type_id = rt.room_type_id
 GROUP BY h.name ORDER BY h.name;
