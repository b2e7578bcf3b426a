-- pgbench-hold.sql: one hold per transaction through the project's own booking function,
-- with no HTTP in the way: the ceiling that POST /api/holds is compared with.
--
-- Variables (pgbench -D): uid (an existing user), rt0 (first room type), nrt (room
-- types), ndays (nights from day0 on), ttl_s (hold lifetime in seconds). With nrt = ndays = 1 every
-- call queues on the same inventory row (the hot row); otherwise the calls spread over
-- nrt * ndays rows. Allotments are large, so every call must come back 'held'.
\set rt :rt0 + random(0, :nrt - 1)
\set d random(0, :ndays - 1)
SELECT status FROM create_booking_hold(:uid, :rt, date '2031-01-01' + :d::int,
                                       date '2031-01-01' + :d::int + 1, 1, :ttl_s::int * interval '1 second');
