-- mutant room-type-leak: a counter update loses its room-type filter
-- replaces: booking_shift_nights
-- scenario: smoke
-- profile: mixed
-- caught-by: booked_mismatch
--
-- The UPDATE that moves rooms between booked_count and tentative_count filters on the
-- dates only: every room type with inventory on those nights is changed, not only the
-- one booked (and the other types' rows are written without the lock order). With one
-- room type, as in most runs, nothing shows. The mixed profile books two room types
-- on the same dates, and every check runs for every room type the run created: the
-- other type's counters no longer match its holds and bookings (a hold and its confirm
-- leave the other type's tentative_count as it was, but add to its booked_count).
-- Caught by booked_mismatch.
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
