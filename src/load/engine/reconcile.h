/*
 * reconcile.h: does what a system stores agree with what its clients were told?
 *
 * Generic over any booking API. The clients' side is a list of attempts, one per key
 * an attempt touched (a multi-night stay is one attempt under several keys, sharing
 * its id): book or cancel, a quantity, and the outcome the client saw: ok (told it
 * happened), fail (told it did not) or unknown (no answer), with the times the request
 * was sent and answered. The system's side is, per key, its capacity, the quantity it
 * stores and optionally the booking ids it stores with their quantities.
 *
 * Per key, with quantities summed (b: book, c: cancel; OK, F, U: ok, fail, unknown):
 *   lost acknowledged booking   S < OKb - OKc - Uc
 *   phantom                     S > OKb + Ub - OKc
 *   overbooking                 S > C, or at some moment the quantity acknowledged
 *                               (book ok, from its answer) and not yet sent a cancel
 *                               (ok or unknown cancel, from its send) exceeds C
 *   with ids                    every ok booking id not cancelled ok is stored with
 *                               its quantity; no failed booking id is stored
 *   a key the clients touched that the system's answer lacks is a violation.
 * Overbookings count keys oversold; violations count every other finding.
 */
#ifndef LASTROOM_LOAD_ENGINE_RECONCILE_H
#define LASTROOM_LOAD_ENGINE_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rec_op { REC_BOOK, REC_CANCEL };
enum rec_outcome { REC_OK, REC_FAIL, REC_UNKNOWN };

struct rec_attempt {
    const char *key; /* "R1/2027-01-05" (not copied) */
    const char *id;  /* booking id, or NULL */
    int64_t qty;
    enum rec_op op;
    enum rec_outcome outcome;
    uint64_t t_send, t_answer; /* CLOCK_MONOTONIC ns; t_answer 0 when unanswered */
    int vu;
};

struct rec_id {
    const char *id;
    int64_t qty;
};

struct rec_key {
    const char *key; /* not copied */
    int64_t capacity, stored;
    const struct rec_id *ids; /* NULL: ids not reported */
    size_t nids;
};

enum rec_kind {
    REC_OVERSOLD,
    REC_OVERSOLD_IN_TIME,
    REC_LOST,
    REC_PHANTOM,
    REC_ID_MISSING,
    REC_ID_QTY,
    REC_ID_FAILED_STORED,
    REC_KEY_MISSING,
    REC_KINDS
};

#define REC_FINDINGS_MAX 16

struct rec_finding {
    enum rec_kind kind;
    const char *key, *id;  /* point into the inputs */
    int64_t expected, got; /* the bound and the value that broke it */
    uint64_t at;           /* REC_OVERSOLD_IN_TIME: when (ns, the attempts' clock) */
};

struct rec_result {
    int64_t overbookings; /* keys oversold (REC_OVERSOLD or REC_OVERSOLD_IN_TIME) */
    int64_t violations;   /* every other finding */
    int64_t by_kind[REC_KINDS];
    size_t nfindings; /* kept: the first REC_FINDINGS_MAX */
    struct rec_finding findings[REC_FINDINGS_MAX];
};

/* rec_kind_name: "lost acknowledged booking", ... */
const char *rec_kind_name(enum rec_kind k);

/* rec_reconcile: judge attempts against keys; fills *r (zeroed first). attempts and
 * keys are reordered (by key). Returns 0, or -1 when out of memory (*r incomplete). */
int rec_reconcile(struct rec_attempt *attempts, size_t na, struct rec_key *keys, size_t nk,
                  struct rec_result *r);

/* rec_evidence: write the findings of r, each with the key's attempts (at most a few,
 * times relative to t0), into buf (NUL-terminated). attempts as rec_reconcile left them. */
void rec_evidence(const struct rec_result *r, const struct rec_attempt *attempts, size_t na,
                  uint64_t t0, char *buf, size_t len);

#endif
