-- mutant room-type-leak: a counter update loses its room-type filter
-- replaces: booking_shift_nights
-- scenario: smoke
-- profile: mixed
-- caught-by: tentative_mismatch
--
-- The UPDATE that moves rooms between booked_count and tentative_count filters on the
-- dates only: every room type with inventory on those nights is changed, not only the
-- one booked (and the other types' rows are written without the lock order). With one
-- room type, as in most runs, nothing shows. The mixed profile books two room types
-- on the same dates, and every check runs for every room type the run created: the
-- other type's counters no longer match its holds and bookings. A lone hold raises the
-- other type's tentative_count, a lone confirm and a release lower it, and nothing
-- holds those rooms there. Caught by tentative_mismatch. (booked_mismatch fires too in
-- most runs, but not all: booked_count leaks only through lone confirms (+) and
-- cancels (-), which can even out, since batched holds and confirms do not call this
-- function; 6 of 8 seeds.)
CREATE OR REPLACE FUNCTION booking_shift_nights(p_rt bigint, p_in date, p_out date,
                                     p_booked int, p_tentative int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM booking_lock_nights(p_rt, p_in, p_out);
    UPDATE room_inventory ri
       SET booked_count = ri.booked_count + p_booked,
           tentative_count = ri.tentative_count + p_tentative
     WHERE ri.date >= p_in AND ri.date < p_out;   -- BUG: AND ri.room_type_id = p_rt is gone
END
$$;
