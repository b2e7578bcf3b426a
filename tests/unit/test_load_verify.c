/*
 * test_load_verify.c: the reconciliation of what clients were told with what the
 * database holds, case by case: a clean run, the unsafe path's lost update (counters
 * low, tables oversold), two confirmations of one last room, a confirmed booking that
 * vanished, a room Confirmed twice at one moment, a booking nobody asked for, a refusal that booked anyway, unknown
 * outcomes either way, and cancellations; the exact count per night once the bookings
 * are known, each booking's stay against the one asked for, two clients told one
 * booking, the slack of dropped records, replays answered with another booking,
 * confirms sent after their hold's expiry, and the evidence kept for each problem.
 */
#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "load/booking/verify.h"

#define RT  5
#define DAY 20500

static struct history_rec ok_rec(int64_t hold, int64_t booking)
{
    return (struct history_rec){ .hold_id = hold,
                                 .booking_id = booking,
                                 .room_type_id = RT,
                                 .check_in = DAY,
                                 .nights = 1,
                                 .quantity = 1,
                                 .outcome = HISTORY_OK,
                                 .confirm_sent = 1 };
}

static struct verify_booking db_booking(int64_t booking, int64_t hold, bool confirmed)
{
    return (struct verify_booking){ .booking_id = booking,
                                    .hold_id = hold,
                                    .room_type_id = RT,
                                    .check_in = DAY,
                                    .nights = 1,
                                    .quantity = 1,
                                    .confirmed = confirmed };
}

static struct verify_night night(int allotment, int booked, int tentative, int details, int held)
{
    return (struct verify_night){ .room_type_id = RT,
                                  .day = DAY,
                                  .allotment = allotment,
                                  .booked_count = booked,
                                  .tentative_count = tentative,
                                  .confirmed_qty = details,
                                  .held_qty = held };
}

static struct verify_result run(const struct history_rec *recs, size_t n, uint64_t dropped,
                                struct verify_booking *b, size_t nb, struct verify_night nt)
{
    struct verify_result r;
    memset(&r, 0, sizeof r);
    verify_reconcile(recs, n, dropped, b, nb, &nt, 1, &r);
    return r;
}

START_TEST(test_clean)
{
    struct history_rec recs[] = { ok_rec(10, 100),
                                  { .room_type_id = RT,
                                    .check_in = DAY,
                                    .nights = 1,
                                    .quantity = 1,
                                    .outcome = HISTORY_REFUSED } };
    struct verify_booking b[] = { db_booking(100, 10, true) };
    struct verify_result r = run(recs, 2, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.overbookings, 0);
    ck_assert_int_eq(r.violations, 0);
    ck_assert_str_eq(r.first, "");
}
END_TEST

START_TEST(test_lost_update_is_caught)
{
    /* two holds granted on a stale read: counters show one, tables hold two */
    struct history_rec recs[] = { ok_rec(10, 100),
                                  { .hold_id = 11,
                                    .room_type_id = RT,
                                    .check_in = DAY,
                                    .nights = 1,
                                    .quantity = 1,
                                    .outcome = HISTORY_UNKNOWN,
                                    .confirm_sent = 1 } };
    struct verify_booking b[] = { db_booking(100, 10, true) };
    struct verify_result r = run(recs, 2, 0, b, 1, night(1, 1, 0, 1, 1));
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.oversold_tables, 1);
    ck_assert_int_eq(r.tentative_mismatch, 1);
    ck_assert_int_eq(r.violations, 1);
    ck_assert_int_eq(r.nevidence, 2);
    ck_assert_str_eq(r.evidence[0].check, "oversold_tables");
    ck_assert_str_eq(r.evidence[0].text, "room type 5 night 2026-02-16: Confirmed details 1 + "
                                         "live holds 1 > allotment 1");
    ck_assert_str_eq(r.first, r.evidence[0].text);
    ck_assert_str_eq(r.evidence[1].check, "tentative_mismatch");
}
END_TEST

/* With the bookings known, an unknown confirm is resolved: the night must hold exactly
 * the rooms of the ok records plus the unknowns that committed. */
START_TEST(test_exact_night)
{
    struct history_rec recs[] = { ok_rec(10, 100),
                                  { .hold_id = 11,
                                    .room_type_id = RT,
                                    .check_in = DAY,
                                    .nights = 1,
                                    .quantity = 1,
                                    .outcome = HISTORY_UNKNOWN,
                                    .confirm_sent = 1 } };
    struct verify_booking b[] = { db_booking(100, 10, true), db_booking(101, 11, true) };
    /* the unknown committed (booking 101) but the night counts one room: caught */
    struct verify_result r = run(recs, 2, 0, b, 2, night(2, 1, 0, 1, 0));
    ck_assert(r.exact);
    ck_assert_int_eq(r.night_bounds, 1);
    ck_assert_str_eq(r.evidence[0].check, "night_bounds");
    ck_assert(strstr(r.evidence[0].text, "1 rooms Confirmed in the database, the clients' "
                                         "records account for exactly 2")
              != NULL);
    /* without the bookings, the interval [1, 2] lets it pass */
    r = run(recs, 2, 0, NULL, 0, night(2, 1, 0, 1, 0));
    ck_assert(!r.exact);
    ck_assert_int_eq(r.night_bounds, 0);
    /* the counts agree: clean */
    r = run(recs, 2, 0, b, 2, night(2, 2, 0, 2, 0));
    ck_assert_int_eq(r.violations, 0);
}
END_TEST

START_TEST(test_stay_compared)
{
    struct history_rec recs[] = { ok_rec(10, 100) };
    struct verify_booking b[] = { db_booking(100, 10, true) };
    b[0].check_in = DAY + 1; /* stored a night late */
    struct verify_result r = run(recs, 1, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.stay_mismatch, 1);
    ck_assert_str_eq(r.evidence[0].check, "stay_mismatch");
    ck_assert_str_eq(r.evidence[0].text, "booking 100 (hold 10): asked room type 5, 2026-02-16 "
                                         "+ 1 nights, 1 rooms; stored room type 5, 2026-02-17 + "
                                         "1 nights, 1 rooms");
    b[0] = db_booking(100, 10, true);
    b[0].quantity = 2;
    r = run(recs, 1, 0, b, 1, night(2, 1, 0, 1, 0));
    ck_assert_int_eq(r.stay_mismatch, 1);
    b[0] = db_booking(100, 10, true);
    b[0].room_type_id = RT + 1;
    r = run(recs, 1, 0, b, 1, night(2, 1, 0, 1, 0));
    ck_assert_int_eq(r.stay_mismatch, 1);
    b[0] = db_booking(100, 10, true);
    r = run(recs, 1, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.stay_mismatch, 0);
    ck_assert_int_eq(r.violations, 0);
    /* the evidence carries the record's times when it has them */
    b[0].nights = 2;
    recs[0].begun_ms = (int64_t)DAY * 86400000 + 3723004; /* 01:02:03.004 */
    recs[0].settled_ms = recs[0].begun_ms + 150;
    r = run(recs, 1, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_str_eq(r.evidence[0].text, "booking 100 (hold 10): asked room type 5, 2026-02-16 "
                                         "+ 1 nights, 1 rooms; stored room type 5, 2026-02-16 + "
                                         "2 nights, 1 rooms; attempt began 01:02:03.004 UTC, "
                                         "settled after 150 ms");
}
END_TEST

START_TEST(test_duplicate_claim)
{
    struct history_rec recs[] = { ok_rec(10, 100), ok_rec(11, 100), ok_rec(12, 100) };
    struct verify_result r = run(recs, 3, 0, NULL, 0, night(3, 3, 0, -1, -1));
    ck_assert_int_eq(r.duplicate_claim, 1); /* one booking, told three times: once */
    ck_assert_str_eq(r.evidence[0].text, "booking 100 was told to two clients as theirs");
    recs[1].booking_id = 101;
    recs[2].booking_id = 102;
    r = run(recs, 3, 0, NULL, 0, night(3, 3, 0, -1, -1));
    ck_assert_int_eq(r.duplicate_claim, 0);
}
END_TEST

/* A dropped record could account for up to the largest quantity asked, not 10. */
START_TEST(test_slack_is_largest_quantity)
{
    struct history_rec recs[] = { ok_rec(10, 100) };
    recs[0].quantity = 3;
    struct verify_booking b[] = { db_booking(100, 10, true) };
    b[0].quantity = 3;
    struct verify_result r = run(recs, 1, 1, b, 1, night(10, 6, 0, 6, 0));
    ck_assert_int_eq(r.night_bounds, 0); /* 3 told + 3 for the dropped one */
    r = run(recs, 1, 1, b, 1, night(10, 7, 0, 7, 0));
    ck_assert_int_eq(r.night_bounds, 1);
}
END_TEST

START_TEST(test_replay_and_expiry)
{
    struct history_rec recs[] = { ok_rec(10, 100) };
    recs[0].replay = HISTORY_REPLAY_OTHER;
    recs[0].replay_booking_id = 107;
    struct verify_result r = run(recs, 1, 0, NULL, 0, night(1, 1, 0, -1, -1));
    ck_assert_int_eq(r.replay_mismatch, 1);
    ck_assert_str_eq(r.evidence[0].text, "hold 10: a replay of the confirm's Idempotency-Key "
                                         "answered booking 107, not booking 100 told first");
    recs[0].replay = HISTORY_REPLAY_SAME;
    recs[0].hold_expiry_ms = 1000000;
    recs[0].confirm_at_ms = 1000000 + VERIFY_EXPIRY_MARGIN_MS; /* within the margin */
    r = run(recs, 1, 0, NULL, 0, night(1, 1, 0, -1, -1));
    ck_assert_int_eq(r.violations, 0);
    recs[0].confirm_at_ms = 1000000 + VERIFY_EXPIRY_MARGIN_MS + 1;
    r = run(recs, 1, 0, NULL, 0, night(1, 1, 0, -1, -1));
    ck_assert_int_eq(r.confirmed_after_expiry, 1);
    ck_assert_str_eq(r.evidence[0].check, "confirmed_after_expiry");
    recs[0].outcome = HISTORY_FAILED; /* refused after expiry: right */
    r = run(recs, 1, 0, NULL, 0, night(1, 0, 0, -1, -1));
    ck_assert_int_eq(r.violations, 0);
}
END_TEST

/* Past VERIFY_EVIDENCE_MAX problems only the count grows; violations sum every
 * check that is not an overbooking. */
START_TEST(test_evidence_capped)
{
    struct verify_booking b[VERIFY_EVIDENCE_MAX + 4];
    for (int i = 0; i < VERIFY_EVIDENCE_MAX + 4; i++)
        b[i] = db_booking(100 + i, 10 + i, false);
    struct verify_result r = run(NULL, 0, 0, b, VERIFY_EVIDENCE_MAX + 4, night(1, 0, 0, 0, 0));
    ck_assert_int_eq(r.unattributed, VERIFY_EVIDENCE_MAX + 4);
    ck_assert_int_eq(r.nevidence, VERIFY_EVIDENCE_MAX);
    ck_assert_int_eq(r.evidence_dropped, 4);
    ck_assert_int_eq(r.violations, VERIFY_EVIDENCE_MAX + 4);
    int64_t sum = 0;
    for (const struct verify_check *c = verify_checks; c->name; c++)
        sum += c->overbooking ? 0 : verify_check_count(&r, c);
    ck_assert_int_eq(sum, r.violations);
}
END_TEST

START_TEST(test_two_confirmations_of_one_room)
{
    struct history_rec recs[] = { ok_rec(10, 100), ok_rec(11, 101) };
    struct verify_booking b[] = { db_booking(100, 10, true), db_booking(101, 11, true) };
    struct verify_result r = run(recs, 2, 0, b, 2, night(1, 1, 0, 2, 0));
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.oversold_seen, 1);
    ck_assert_int_eq(r.booked_mismatch, 1);
}
END_TEST

START_TEST(test_confirmed_booking_missing)
{
    struct history_rec recs[] = { ok_rec(10, 100) };
    struct verify_result r = run(recs, 1, 0, NULL, 0, night(1, 0, 0, 0, 0));
    ck_assert_int_eq(r.missing_confirmed, 0); /* no bookings list: not checked */
    ck_assert_int_eq(r.night_bounds, 1);
    struct verify_booking b[] = { db_booking(100, 10, false) };
    r = run(recs, 1, 0, b, 1, night(1, 0, 0, 0, 0));
    ck_assert_int_eq(r.missing_confirmed, 1);
    ck_assert_int_eq(r.violations, 2);
}
END_TEST

START_TEST(test_unattributed_booking)
{
    struct verify_booking b[] = { db_booking(100, 99, true) };
    struct verify_result r = run(NULL, 0, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.unattributed, 1);
    ck_assert_int_eq(r.night_bounds, 1);
    ck_assert_int_eq(r.overbookings, 0);
    r = run(NULL, 0, 1, b, 1, night(1, 1, 0, 1, 0)); /* one attempt went unrecorded */
    ck_assert_int_eq(r.unattributed, 0);
    ck_assert_int_eq(r.violations, 0);
}
END_TEST

START_TEST(test_refused_but_booked)
{
    struct history_rec recs[] = { { .hold_id = 10,
                                    .room_type_id = RT,
                                    .check_in = DAY,
                                    .nights = 1,
                                    .quantity = 1,
                                    .outcome = HISTORY_FAILED,
                                    .confirm_sent = 1 } };
    struct verify_booking b[] = { db_booking(100, 10, true) };
    struct verify_result r = run(recs, 1, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.refused_but_booked, 1);
    ck_assert_int_eq(r.night_bounds, 1);
}
END_TEST

START_TEST(test_unknown_outcome_either_way)
{
    struct history_rec recs[] = { { .hold_id = 10,
                                    .room_type_id = RT,
                                    .check_in = DAY,
                                    .nights = 1,
                                    .quantity = 1,
                                    .outcome = HISTORY_UNKNOWN,
                                    .confirm_sent = 1 } };
    struct verify_booking b[] = { db_booking(100, 10, true) };
    struct verify_result r = run(recs, 1, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.violations, 0);
    ck_assert_int_eq(r.unknown_confirms, 1);
    ck_assert_int_eq(r.unknown_booked, 1); /* resolved: the database booked it */
    r = run(recs, 1, 0, NULL, 0, night(1, 0, 1, 0, 1));
    ck_assert_int_eq(r.violations, 0);
    ck_assert_int_eq(r.unknown_confirms, 1);
    ck_assert_int_eq(r.unknown_booked, 0);
}
END_TEST

START_TEST(test_cancellations)
{
    struct history_rec recs[] = { ok_rec(10, 100) };
    recs[0].cancel = HISTORY_CANCEL_OK;
    struct verify_booking b[] = { db_booking(100, 10, false) };
    struct verify_result r = run(recs, 1, 0, b, 1, night(1, 0, 0, 0, 0));
    ck_assert_int_eq(r.violations, 0);
    b[0].confirmed = true;
    r = run(recs, 1, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.cancel_lost, 1);
    ck_assert_int_eq(r.night_bounds, 1);
    recs[0].cancel = HISTORY_CANCEL_UNKNOWN; /* either state is then fine */
    r = run(recs, 1, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.violations, 0);
    b[0].confirmed = false;
    r = run(recs, 1, 0, b, 1, night(1, 0, 0, 0, 0));
    ck_assert_int_eq(r.violations, 0);
    /* the unknown cancel resolved by the bookings table: Cancelled, so the night must
     * hold none; without the bookings, 0 or 1 */
    r = run(recs, 1, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.night_bounds, 1);
    ck_assert_str_eq(r.evidence[0].text, "room type 5 night 2026-02-16: 1 rooms Confirmed in the "
                                         "database, the clients' records account for exactly 0 "
                                         "(+0 dropped)");
    r = run(recs, 1, 0, NULL, 0, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.violations, 0);
}
END_TEST

/* Two VUs cancelled one booking at once: one "cancelled" and one "already cancelled"
 * is right, and the partner's answer counts as the booking's cancel; two "cancelled"
 * is double_cancel, with its evidence. */
START_TEST(test_concurrent_cancels)
{
    struct history_rec recs[] = { ok_rec(10, 100) };
    recs[0].cancel = HISTORY_CANCEL_OK;
    recs[0].cancels = 1;
    recs[0].cancel_wins = 1;
    recs[0].co_cancel = HISTORY_CO_ALREADY;
    struct verify_booking b[] = { db_booking(100, 10, false) };
    struct verify_result r = run(recs, 1, 0, b, 1, night(1, 0, 0, 0, 0));
    ck_assert_int_eq(r.violations, 0);
    recs[0].cancel = HISTORY_CANCEL_UNKNOWN; /* its own cancel unanswered, */
    recs[0].cancel_wins = 0;
    recs[0].co_cancel = HISTORY_CO_CANCELLED; /* the partner's told cancelled */
    r = run(recs, 1, 0, b, 1, night(1, 0, 0, 0, 0));
    ck_assert_int_eq(r.violations, 0);
    b[0].confirmed = true; /* ... yet still Confirmed */
    r = run(recs, 1, 0, b, 1, night(1, 1, 0, 1, 0));
    ck_assert_int_eq(r.cancel_lost, 1);
    b[0].confirmed = false;
    recs[0].cancel = HISTORY_CANCEL_OK;
    recs[0].cancel_wins = 1; /* both told cancelled */
    r = run(recs, 1, 0, b, 1, night(1, 0, 0, 0, 0));
    ck_assert_int_eq(r.double_cancel, 1);
    ck_assert_int_eq(r.violations, 1);
    ck_assert_str_eq(r.evidence[0].check, "double_cancel");
    ck_assert_ptr_nonnull(strstr(r.evidence[0].text, "booking 100: told \"cancelled\" 2 times"));
    recs[0].co_cancel = HISTORY_CO_NONE; /* or by its own repeated cancel */
    recs[0].cancels = 2;
    recs[0].cancel_wins = 2;
    r = run(recs, 1, 0, b, 1, night(1, 0, 0, 0, 0));
    ck_assert_int_eq(r.double_cancel, 1);
}
END_TEST

START_TEST(test_sold_twice_then_cancelled)
{
    /* two bookings Confirmed at the same moment, one cancelled before the end */
    struct verify_night nt = night(1, 1, 0, 1, 0);
    nt.peak_confirmed = 2;
    struct verify_result r = run(NULL, 0, 2, NULL, 0, nt);
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.oversold_in_time, 1);
    nt.peak_confirmed = -1; /* history not known: not judged */
    r = run(NULL, 0, 2, NULL, 0, nt);
    ck_assert_int_eq(r.overbookings, 0);
}
END_TEST

START_TEST(test_counters_oversold)
{
    struct verify_result r = run(NULL, 0, 0, NULL, 0, night(2, 2, 1, -1, -1));
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.booked_mismatch, 0); /* tables unknown: not compared */
    ck_assert_int_eq(r.oversold_tables, 0);
    ck_assert_str_eq(r.evidence[0].check, "oversold_counters");
    ck_assert_str_eq(r.evidence[0].text, "room type 5 night 2026-02-16: booked_count 2 + "
                                         "tentative_count 1 > allotment 2");
    /* with the tables, the counters are their ledger: the same excess, one overbooking */
    r = run(NULL, 0, 2, NULL, 0, night(2, 2, 1, 2, 1));
    ck_assert_int_eq(r.overbookings, 1);
    ck_assert_int_eq(r.oversold_tables, 1);
    ck_assert_str_eq(r.evidence[0].check, "oversold_counters");
    ck_assert_str_eq(r.evidence[1].check, "oversold_tables");
}
END_TEST

UNIT_MAIN("reconcile", test_clean, test_lost_update_is_caught, test_two_confirmations_of_one_room,
          test_confirmed_booking_missing, test_unattributed_booking, test_refused_but_booked,
          test_unknown_outcome_either_way, test_cancellations, test_sold_twice_then_cancelled,
          test_counters_oversold, test_exact_night, test_stay_compared, test_duplicate_claim,
          test_slack_is_largest_quantity, test_replay_and_expiry, test_evidence_capped,
          test_concurrent_cancels)
