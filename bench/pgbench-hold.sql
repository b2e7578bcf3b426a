-- pgbench-hold.sql: one hold per transaction through the project's own booking function,
-- with no HTTP in the way: the ceiling that POST /api/holds is compared with.
--
-- Variables (pgbench -D): uid (an existing user), rt0 (the first room type), nrt (how
-- many room types), ndays (how many nights from 2031-01-01), ttl_s (hold lifetime in
-- seconds). Each call holds one room for one night drawn at random. With nrt = ndays = 1
-- every call queues on the same inventory row (the hot row); otherwise the calls spread
-- over nrt * ndays rows. The allotments are large, so every call must come back 'held'
-- (bench/run.sh checks that the holds in the table match the transactions).
\set rt :rt0 + random(0, :nrt - 1)
\set d random(0, :ndays - 1)
SELECT status FROM create_booking_hold(:uid, :rt, date '2031-01-01' + :d::int,
                                       date '2031-01-01' + :d::int + 1, 1,
                                       :ttl_s::int * interval '1 second');
