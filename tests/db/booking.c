/*
 * booking.c: the booking functions of db/functions/10_booking.sql, one flow at a
 * time, against a real PostgreSQL (LASTROOM_TEST_DB).
 *
 * Each test makes its own hotel, room type and guests, then checks the exact status of
 * every call and the exact counters of every night it touched, and ends with the
 * verification queries and integrity_report() for its room type. Concurrency is in
 * race.c.
 */
#include "dbtest.h"

/* A hold raises tentative_count on every night; releasing it gives them back. */
START_TEST(test_hold_and_release)
{
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "release");
    struct dbt_outcome o;

    dbt_allot(c, f.room_type, "2031-03-01", "2031-03-05", 5);
    o = dbt_hold(c, f.user, f.room_type, "2031-03-01", "2031-03-04", 2);
    ck_assert_str_eq(o.status, "held");
    ck_assert_int_eq(dbt_int(c,
                             "SELECT (hold_expiry > now() + interval '14 minutes' AND "
                             "hold_expiry <= now() + interval '15 minutes')::int "
                             "FROM booking_holds WHERE hold_id = %lld",
                             o.id),
                     1);
    dbt_assert_night(c, f.room_type, "2031-03-01", 5, 0, 2);
    dbt_assert_night(c, f.room_type, "2031-03-03", 5, 0, 2);
    dbt_assert_night(c, f.room_type, "2031-03-04", 5, 0, 0);

    ck_assert_str_eq(dbt_call(c, "SELECT * FROM release_hold(%lld, %lld)", f.other, o.id).status,
                     "not_found");
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM release_hold(%lld, %lld)", f.user, o.id).status,
                     "released");
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM release_hold(%lld, %lld)", f.user, o.id).status,
                     "not_found");
    ck_assert_int_eq(dbt_int(c, "SELECT count(*) FROM booking_holds WHERE hold_id = %lld", o.id),
                     0);
    dbt_assert_night(c, f.room_type, "2031-03-01", 5, 0, 0);
    dbt_assert_night(c, f.room_type, "2031-03-03", 5, 0, 0);
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* Confirming moves the rooms to booked_count, writes one detail per night, deletes the
 * hold; confirming again returns the same booking; another user gets not_found. */
START_TEST(test_confirm)
{
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "confirm");
    struct dbt_outcome h, b, again;

    dbt_allot(c, f.room_type, "2031-04-01", "2031-04-03", 3);
    h = dbt_hold(c, f.user, f.room_type, "2031-04-01", "2031-04-03", 2);
    ck_assert_str_eq(h.status, "held");
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM confirm_booking(%lld, %lld)", f.other, h.id).status,
                     "not_found");
    b = dbt_call(c, "SELECT * FROM confirm_booking(%lld, %lld)", f.user, h.id);
    ck_assert_str_eq(b.status, "confirmed");
    ck_assert_int_gt(b.id, 0);
    dbt_assert_night(c, f.room_type, "2031-04-01", 3, 2, 0);
    dbt_assert_night(c, f.room_type, "2031-04-02", 3, 2, 0);
    ck_assert_int_eq(dbt_int(c, "SELECT count(*) FROM booking_holds WHERE hold_id = %lld", h.id),
                     0);
    ck_assert_int_eq(dbt_int(c,
                             "SELECT count(*) FROM booking_details WHERE booking_id = %lld "
                             "AND quantity = 2 AND date IN ('2031-04-01', '2031-04-02')",
                             b.id),
                     2);
    ck_assert_int_eq(dbt_int(c,
                             "SELECT count(*) FROM bookings WHERE booking_id = %lld AND "
                             "status = 'Confirmed' AND hold_id = %lld AND user_id = %lld AND "
                             "quantity = 2",
                             b.id, h.id, f.user),
                     1);

    again = dbt_call(c, "SELECT * FROM confirm_booking(%lld, %lld)", f.user, h.id);
    ck_assert_str_eq(again.status, "already_confirmed");
    ck_assert_int_eq(again.id, b.id);
    again = dbt_call(c, "SELECT * FROM confirm_booking(NULL, %lld)", h.id);
    ck_assert_str_eq(again.status, "already_confirmed");
    ck_assert_int_eq(again.id, b.id);
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM confirm_booking(%lld, %lld)", f.other, h.id).status,
                     "not_found");
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM confirm_booking(%lld, -1)", f.user).status,
                     "not_found");
    dbt_assert_night(c, f.room_type, "2031-04-01", 3, 2, 0);
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* Cancelling gives the booked rooms back; its details stay; a second cancel says so. */
START_TEST(test_cancel)
{
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "cancel");
    struct dbt_outcome h, b;

    dbt_allot(c, f.room_type, "2031-05-01", "2031-05-04", 1);
    h = dbt_hold(c, f.user, f.room_type, "2031-05-01", "2031-05-04", 1);
    b = dbt_call(c, "SELECT * FROM confirm_booking(%lld, %lld)", f.user, h.id);
    ck_assert_str_eq(b.status, "confirmed");
    ck_assert_str_eq(dbt_hold(c, f.other, f.room_type, "2031-05-02", "2031-05-03", 1).status,
                     "sold_out");

    ck_assert_str_eq(dbt_call(c, "SELECT * FROM cancel_booking(%lld, %lld)", f.other, b.id).status,
                     "not_found");
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM cancel_booking(%lld, %lld)", f.user, b.id).status,
                     "cancelled");
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM cancel_booking(%lld, %lld)", f.user, b.id).status,
                     "already_cancelled");
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM cancel_booking(NULL, -1)").status, "not_found");
    dbt_assert_night(c, f.room_type, "2031-05-01", 1, 0, 0);
    dbt_assert_night(c, f.room_type, "2031-05-03", 1, 0, 0);
    ck_assert_int_eq(dbt_int(c,
                             "SELECT count(*) FROM bookings WHERE booking_id = %lld AND "
                             "status = 'Cancelled' AND cancelled_at IS NOT NULL",
                             b.id),
                     1);
    ck_assert_int_eq(
        dbt_int(c, "SELECT count(*) FROM booking_details WHERE booking_id = %lld", b.id), 3);
    ck_assert_str_eq(dbt_hold(c, f.other, f.room_type, "2031-05-02", "2031-05-03", 1).status,
                     "held");
    dbt_assert_night(c, f.room_type, "2031-05-02", 1, 0, 1);
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* A stay that crosses one full night takes nothing on the other nights. */
START_TEST(test_all_or_nothing)
{
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "allornothing");

    dbt_allot(c, f.room_type, "2031-06-01", "2031-06-06", 1);
    ck_assert_str_eq(dbt_hold(c, f.other, f.room_type, "2031-06-03", "2031-06-04", 1).status,
                     "held");
    ck_assert_str_eq(dbt_hold(c, f.user, f.room_type, "2031-06-01", "2031-06-06", 1).status,
                     "sold_out");
    dbt_assert_night(c, f.room_type, "2031-06-01", 1, 0, 0);
    dbt_assert_night(c, f.room_type, "2031-06-02", 1, 0, 0);
    dbt_assert_night(c, f.room_type, "2031-06-03", 1, 0, 1);
    dbt_assert_night(c, f.room_type, "2031-06-04", 1, 0, 0);
    dbt_assert_night(c, f.room_type, "2031-06-05", 1, 0, 0);
    ck_assert_int_eq(dbt_int(c, "SELECT count(*) FROM booking_holds WHERE user_id = %lld", f.user),
                     0);
    /* The night before and the night after are free, as two stays. */
    ck_assert_str_eq(dbt_hold(c, f.user, f.room_type, "2031-06-01", "2031-06-03", 1).status,
                     "held");
    ck_assert_str_eq(dbt_hold(c, f.user, f.room_type, "2031-06-04", "2031-06-06", 1).status,
                     "held");
    dbt_assert_night(c, f.room_type, "2031-06-05", 1, 0, 1);
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* Quantity takes that many rooms on each night; one more than is left is sold out. */
START_TEST(test_quantity)
{
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "quantity");
    const char *hold = "SELECT status, hold_id FROM create_booking_hold(%lld, %lld, "
                       "'2031-07-01', '2031-07-03', %d)";

    dbt_allot(c, f.room_type, "2031-07-01", "2031-07-03", 3);
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, 2).status, "held");
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, 2).status, "sold_out");
    dbt_assert_night(c, f.room_type, "2031-07-01", 3, 0, 2);
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, 1).status, "held");
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, 1).status, "sold_out");
    dbt_assert_night(c, f.room_type, "2031-07-01", 3, 0, 3);
    dbt_assert_night(c, f.room_type, "2031-07-02", 3, 0, 3);
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* Missing nights, unknown room types and bad arguments are statuses, not errors. */
START_TEST(test_refusals)
{
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "refusals");
    const char *hold =
        "SELECT status, hold_id FROM create_booking_hold(%lld, %lld, '%s', '%s', %d)";

    dbt_allot(c, f.room_type, "2031-08-01", "2031-08-05", 2);
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, "2031-08-03", "2031-08-07", 1).status,
                     "no_inventory");
    ck_assert_str_eq(dbt_call(c, hold, f.user, -1LL, "2031-08-01", "2031-08-02", 1).status,
                     "no_inventory");
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, "2031-08-02", "2031-08-02", 1).status,
                     "invalid");
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, "2031-08-03", "2031-08-01", 1).status,
                     "invalid");
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, "2031-08-01", "2031-08-02", 0).status,
                     "invalid");
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, "2031-08-01", "2031-08-02", 11).status,
                     "invalid");
    ck_assert_str_eq(dbt_call(c, hold, f.user, f.room_type, "2031-08-01", "2031-09-01", 1).status,
                     "invalid");
    ck_assert_str_eq(dbt_call(c, hold, -1LL, f.room_type, "2031-08-01", "2031-08-02", 1).status,
                     "invalid");
    dbt_assert_night(c, f.room_type, "2031-08-03", 2, 0, 0);
    ck_assert_int_eq(
        dbt_int(c, "SELECT count(*) FROM booking_holds WHERE room_type_id = %lld", f.room_type), 0);
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* An expired hold cannot be confirmed; the sweeper frees it, in batches, and leaves
 * live holds alone. */
START_TEST(test_expired)
{
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "expired");
    const char *hold = "SELECT status, hold_id FROM create_booking_hold(%lld, %lld, '2031-09-01', "
                       "'2031-09-03', %d, '%s')";
    struct dbt_outcome e1, e2, live;

    dbt_allot(c, f.room_type, "2031-09-01", "2031-09-03", 10);
    dbt_drain_expired(c);
    e1 = dbt_call(c, hold, f.user, f.room_type, 2, "-1 second");
    e2 = dbt_call(c, hold, f.user, f.room_type, 3, "0 seconds");
    live = dbt_call(c, hold, f.user, f.room_type, 1, "1 hour");
    ck_assert_str_eq(e1.status, "held");
    ck_assert_str_eq(e2.status, "held");
    ck_assert_str_eq(live.status, "held");
    dbt_assert_night(c, f.room_type, "2031-09-01", 10, 0, 6);

    ck_assert_str_eq(dbt_call(c, "SELECT * FROM confirm_booking(%lld, %lld)", f.user, e1.id).status,
                     "expired");
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM confirm_booking(%lld, %lld)", f.user, e2.id).status,
                     "expired");
    ck_assert_int_eq(
        dbt_int(c, "SELECT count(*) FROM bookings WHERE hold_id IN (%lld, %lld)", e1.id, e2.id), 0);
    dbt_assert_night(c, f.room_type, "2031-09-02", 10, 0, 6);

    ck_assert_int_eq(dbt_int(c, "SELECT release_expired_holds(0)"), 0);
    ck_assert_int_eq(dbt_int(c, "SELECT release_expired_holds(1)"), 1);
    ck_assert_int_eq(dbt_int(c, "SELECT release_expired_holds(1)"), 1);
    ck_assert_int_eq(dbt_int(c, "SELECT release_expired_holds(1)"), 0);
    dbt_assert_night(c, f.room_type, "2031-09-01", 10, 0, 1);
    dbt_assert_night(c, f.room_type, "2031-09-02", 10, 0, 1);
    ck_assert_int_eq(
        dbt_int(c, "SELECT count(*) FROM booking_holds WHERE room_type_id = %lld", f.room_type), 1);
    ck_assert_str_eq(dbt_call(c, "SELECT * FROM confirm_booking(%lld, %lld)", f.user, e1.id).status,
                     "not_found");
    ck_assert_str_eq(
        dbt_call(c, "SELECT * FROM confirm_booking(%lld, %lld)", f.user, live.id).status,
        "confirmed");
    dbt_assert_night(c, f.room_type, "2031-09-01", 10, 1, 0);
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* set_allotment creates and updates nights, and refuses to go below what is taken. */
START_TEST(test_set_allotment)
{
    PGconn *c = dbt_connect();
    struct dbt_fixture f = dbt_fixture_make(c, "allotment");
    const char *set = "SELECT status, nights, bad_date FROM set_allotment(%lld, '%s', '%s', %d)";
    PGresult *r;

    dbt_allot(c, f.room_type, "2031-10-01", "2031-10-04", 2);
    ck_assert_str_eq(dbt_hold(c, f.user, f.room_type, "2031-10-02", "2031-10-03", 2).status,
                     "held");
    r = dbt_exec(c, set, f.room_type, "2031-10-01", "2031-10-06", 1);
    ck_assert_str_eq(PQgetvalue(r, 0, 0), "below_committed");
    ck_assert_str_eq(PQgetvalue(r, 0, 2), "2031-10-02");
    PQclear(r);
    dbt_assert_night(c, f.room_type, "2031-10-01", 2, 0, 0);
    dbt_assert_night(c, f.room_type, "2031-10-02", 2, 0, 2);
    dbt_assert_night(c, f.room_type, "2031-10-03", 2, 0, 0);
    ck_assert_int_eq(
        dbt_int(c, "SELECT count(*) FROM room_inventory WHERE room_type_id = %lld", f.room_type),
        3);

    r = dbt_exec(c, set, f.room_type, "2031-10-02", "2031-10-06", 4);
    ck_assert_str_eq(PQgetvalue(r, 0, 0), "ok");
    ck_assert_str_eq(PQgetvalue(r, 0, 1), "4");
    PQclear(r);
    dbt_assert_night(c, f.room_type, "2031-10-01", 2, 0, 0);
    dbt_assert_night(c, f.room_type, "2031-10-02", 4, 0, 2);
    dbt_assert_night(c, f.room_type, "2031-10-05", 4, 0, 0);
    ck_assert_int_eq(dbt_call(c, set, f.room_type, "2031-10-02", "2031-10-03", 2).id, 1);

    ck_assert_str_eq(dbt_call(c, set, -1LL, "2031-10-01", "2031-10-02", 1).status, "not_found");
    ck_assert_str_eq(dbt_call(c, set, f.room_type, "2031-10-02", "2031-10-02", 1).status,
                     "invalid");
    ck_assert_str_eq(dbt_call(c, set, f.room_type, "2031-10-01", "2031-10-02", -1).status,
                     "invalid");
    dbt_assert_night(c, f.room_type, "2031-10-02", 2, 0, 2);
    dbt_assert_healthy(c, f.room_type);
    PQfinish(c);
}
END_TEST

/* integrity_report has the six checks of the contract, in order. */
START_TEST(test_integrity_report_shape)
{
    PGconn *c = dbt_connect();
    const char *names[6] = { "oversold_counters",         "oversold_from_tables",
                             "booked_mismatch",           "tentative_mismatch",
                             "confirmed_without_details", "expired_holds_lingering" };
    PGresult *r = dbt_exec(c, "SELECT check_name, violations FROM integrity_report()");
    int i;

    ck_assert_int_eq(PQntuples(r), 6);
    for (i = 0; i < 6; i++)
        ck_assert_str_eq(PQgetvalue(r, i, 0), names[i]);
    PQclear(r);
    PQfinish(c);
}
END_TEST

static Suite *booking_suite(void)
{
    Suite *s = suite_create("booking");
    TCase *tc = tcase_create("flows");
    tcase_add_test(tc, test_hold_and_release);
    tcase_add_test(tc, test_confirm);
    tcase_add_test(tc, test_cancel);
    tcase_add_test(tc, test_all_or_nothing);
    tcase_add_test(tc, test_quantity);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_expired);
    tcase_add_test(tc, test_set_allotment);
    tcase_add_test(tc, test_integrity_report_shape);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run_suite(booking_suite());
}
