/*
 * reconcile.h: does what a system stores agree with what its clients were told?
 *
 * Generic over any booking API; lastroom-load's scripts (verify()) and the built-in
 * lastroomd verification (booking/verify.c) both judge through it. The clients' side
 * is a list of attempts, one per key an attempt touched (a multi-night stay is one
 * attempt under several keys, sharing its id): book or cancel, a quantity, and the
 * outcome the client saw: ok (told it happened), fail (told it did not) or unknown (no
 * answer), with the times the request was sent and answered. The system's side is,
 * per key, its capacity, the quantity it stores, optionally the booking ids it stores
 * with their quantities, what it holds tentatively, and its own ledger of the key.
 *
 * Per key, with quantities summed (b: book, c: cancel; OK, F, U: ok, fail, unknown):
 *   lost acknowledged booking   S < OKb - OKc - Uc
 *   phantom                     S > OKb + Ub - OKc + slack
 *     (an unknown attempt the caller resolved afterwards, from the system's own
 *     records, counts in these two bounds as ok when it happened, as fail when not)
 *   overbooking                 S + held > C; or at some moment the quantity
 *                               acknowledged (book ok, from its answer) and not yet
 *                               sent a cancel (ok or unknown cancel, from its send)
 *                               exceeds C (attempts without times count at one
 *                               instant, cancels first: the acknowledged end count);
 *                               or the ledger's counters or its peak exceed C
 *   ledger                      its running counters equal S and held
 *   with ids                    every ok booking id not cancelled ok is stored with
 *                               its quantity; no failed booking id is stored
 *   a key the clients touched that the system's answer lacks is a violation.
 * Overbookings count keys oversold; violations count every other finding. Each key's
 * figures (rec_key_result) are returned beside the findings.
 */
#ifndef LASTROOM_LOAD_ENGINE_RECONCILE_H
#define LASTROOM_LOAD_ENGINE_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rec_op { REC_BOOK, REC_CANCEL };
enum rec_outcome { REC_OK, REC_FAIL, REC_UNKNOWN };
/* What an unknown outcome turned out to be, learned after the run (0: not known). */
enum rec_resolved { REC_UNRESOLVED, REC_HAPPENED, REC_NOT_HAPPENED };

struct rec_attempt {
    const char *key; /* "R1/2027-01-05" (not copied) */
    const char *id;  /* booking id, or NULL */
    int64_t qty;
    enum rec_op op;
    enum rec_outcome outcome;
    uint64_t t_send, t_answer; /* CLOCK_MONOTONIC ns; t_answer 0 when unanswered */
    int vu;
    enum rec_resolved resolved; /* for an unknown outcome; ignored otherwise */
};

struct rec_id {
    const char *id;
    int64_t qty;
};

/* What a system may keep about a key beside its stored records: running counters of
 * the stored and the held quantity (which must equal them), and the most it stored at
 * one moment by its own history. */
struct rec_ledger {
    int64_t stored, held;
    int64_t peak; /* -1: not kept */
};

struct rec_key {
    const char *key; /* not copied */
    int64_t capacity, stored;
    const struct rec_id *ids; /* NULL: ids not reported */
    size_t nids;
    int64_t held;                    /* taken but not booked (e.g. live holds, expired or
                                        not): counts against the capacity only */
    int64_t slack;                   /* what unrecorded attempts may account for: widens
                                        the phantom bound */
    const struct rec_ledger *ledger; /* NULL: none kept */
};

/* The kinds of finding: the overbookings first, up to REC_OVERSOLD_LEDGER_PEAK. */
enum rec_kind {
    REC_OVERSOLD,
    REC_OVERSOLD_IN_TIME,
    REC_OVERSOLD_LEDGER,
    REC_OVERSOLD_LEDGER_PEAK,
    REC_LOST,
    REC_PHANTOM,
    REC_ID_MISSING,
    REC_ID_QTY,
    REC_ID_FAILED_STORED,
    REC_KEY_MISSING,
    REC_LEDGER_STORED,
    REC_LEDGER_HELD,
    REC_KINDS
};

#define REC_FINDINGS_MAX 16

struct rec_finding {
    enum rec_kind kind;
    const char *key, *id;  /* point into the inputs */
    int64_t expected, got; /* the bound and the value that broke it */
    uint64_t at;           /* REC_OVERSOLD_IN_TIME: when (ns, the attempts' clock) */
};

/* One key's figures. */
struct rec_key_result {
    const char *key;
    int64_t capacity, stored, held;
    int64_t acked;     /* acknowledged and not sent a cancel: OKb - OKc - Uc */
    int64_t low, high; /* the bounds S must lie in (resolved unknowns counted as
                          resolved; high includes the slack) */
    int64_t peak;      /* the most acknowledged at one moment, at peak_at (ns) */
    uint64_t peak_at;
    int64_t excess; /* how far over C by the worst measure; 0 when not */
    int64_t drift;  /* S - high when above, S - low when below, else 0 */
    uint32_t fired; /* 1u << kind for each kind found at the key */
};

struct rec_result {
    int64_t overbookings; /* keys oversold (any REC_OVERSOLD* kind) */
    int64_t violations;   /* every other finding */
    int64_t by_kind[REC_KINDS];
    size_t nfindings; /* kept: the first REC_FINDINGS_MAX */
    struct rec_finding findings[REC_FINDINGS_MAX];
};

/* rec_kind_name: "lost acknowledged booking", ... */
const char *rec_kind_name(enum rec_kind k);

/* rec_reconcile: judge attempts against keys; fills *r (zeroed first) and, when out is
 * not NULL, out[i] with the figures of keys[i]. attempts are reordered (by key, then
 * send time); keys are not. Returns 0, or -1 when out of memory (*r and out
 * incomplete). */
int rec_reconcile(struct rec_attempt *attempts, size_t na, const struct rec_key *keys, size_t nk,
                  struct rec_key_result *out, struct rec_result *r);

/* rec_evidence: write the findings of r, each with the key's attempts (at most a few,
 * times relative to t0), into buf (NUL-terminated). attempts as rec_reconcile left them. */
void rec_evidence(const struct rec_result *r, const struct rec_attempt *attempts, size_t na,
                  uint64_t t0, char *buf, size_t len);

#endif
