/*
 * scenario.h: the interface between lastroom-load's engine and its scenarios.
 *
 * A scenario is a table of callbacks (struct lr_scenario). The engine runs them:
 *
 *   setup(env)          once, blocking, before any VU exists: read its options
 *                       (env->argv_extra, only names from its options[]), create the
 *                       test's data through the API, define custom metric series,
 *                       fill env->data.
 *   vu_init(env, vu)    once per VU, before the run (allocation allowed here only):
 *                       set vu->data to the scenario's per-VU state.
 *   step(vu, resp, req) the iteration, as a state machine. The engine calls it with
 *                       resp == NULL to start an iteration, then once per response to
 *                       the request it asked for. It answers with what to do next.
 *   verify(env)         once, after the run: check the database (or the integrity
 *                       endpoint) against what the clients were told; record
 *                       overbookings and inventory_violations.
 *   teardown(env)       once, last; frees env->data.
 *
 * step runs on the VU's event-loop thread. It must not block, allocate or lock: it
 * reads the response, records metrics into vu->shard, writes the next request into
 * the engine-owned *req, and returns. *req does not persist between calls: the engine
 * clears it (method NULL, path "", no body, token NULL, no key, name -1, timeout 0,
 * no expected statuses, no headers, no name_tag, group or tags) before each call.
 */
#ifndef LASTROOM_LOAD_ENGINE_SCENARIO_H
#define LASTROOM_LOAD_ENGINE_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/engine/metrics.h"

/* What step asks the engine to do next. */
enum lr_step {
    LR_STEP_REQUEST, /* send *req on the VU's connection, call step with the response */
    LR_STEP_SLEEP,   /* wait req->sleep_ms (think time), then call step with a response
                         whose outcome is LR_RESP_SLEPT */
    LR_STEP_BARRIER, /* park until every VU of the run reached the barrier, then call step
                         with outcome LR_RESP_RELEASED; all parked VUs are released at once.
                         If step also filled *req (method non-NULL), that request is
                         serialised and its connection opened before parking, and sent
                         the instant of release: step is then called with its response
                         instead of LR_RESP_RELEASED (the tightest burst) */
    LR_STEP_DONE,    /* the iteration ended normally */
    LR_STEP_ABORT    /* the iteration failed (k6: an exception); counted, the VU goes on */
};

#define LR_PATH_MAX  8192       /* request path and query */
#define LR_BODY_MAX  (1u << 20) /* request body (the request buffer is per thread) */
#define LR_TOKEN_MAX 512
#define LR_IDEM_MAX  80

/* A request, written by step into the engine's buffer for that VU. */
struct lr_request {
    const char *method;     /* "GET", "POST", "PUT", "DELETE" (static string) */
    char path[LR_PATH_MAX]; /* "/api/holds?x=1", NUL-terminated */
    char body[LR_BODY_MAX]; /* body_len bytes (0: no body), sent with
                                      Content-Type: application/json unless headers
                                      name a Content-Type */
    size_t body_len;
    const char *token;                 /* bearer token (VU-owned, outlives the request) or NULL */
    char idempotency_key[LR_IDEM_MAX]; /* "" for none */
    int name;                          /* request name index in the scenario's names[], the
                                      tag name:<names[name]> of http_req_* series; -1: none */
    double timeout_ms;                 /* 0: the run's default */
    double sleep_ms;                   /* for LR_STEP_SLEEP */
    int expect_status[4];              /* statuses that are not failures besides 200..399
                                      (e.g. 409 where sold_out is an expected answer);
                                      0 ends the list */
    const char *headers;               /* extra header lines "K: V\r\n..." (at most
                                      HTTPC_EXTRA_MAX bytes, outlives the request), sent
                                      as given; or NULL */
    const char *name_tag;              /* the name tag when name is -1 (e.g. the http
                                      scenario's path template; outlives the request),
                                      or NULL */
    const char *group;                 /* the group tag (k6 groups), NULL: the root group */
    double barrier_timeout_ms;         /* LR_STEP_BARRIER: this long after this VU parked,
                                      release whoever is parked (0: wait for all) */
    const char *const *tags;           /* the request's own tags, "key", "value", ..., NULL;
                                      keys defined in setup with metrics_tag_key (others
                                      are written to --out but match no series);
                                      outlives the request; or NULL */
    int redirects;                     /* redirects followed for this request (k6's params
                                      redirects): 0 the run's --max-redirects, -1 none */
};

enum lr_resp_outcome {
    LR_RESP_OK,         /* a complete HTTP response (any status) */
    LR_RESP_TIMEOUT,    /* no complete response in time: outcome unknown */
    LR_RESP_CONN_ERROR, /* connect failed, reset or closed mid-response: outcome unknown
                            when the request may have been sent */
    LR_RESP_SLEPT,      /* after LR_STEP_SLEEP */
    LR_RESP_RELEASED    /* after LR_STEP_BARRIER */
};

/* A response, valid only during the step call. */
struct lr_response {
    enum lr_resp_outcome outcome;
    int status;       /* HTTP status, 0 unless LR_RESP_OK */
    const char *body; /* not NUL-terminated; body_len bytes */
    size_t body_len;
    const char *headers; /* the headers kept, headers_len bytes of
                            "name\0value\0" pairs (httpc_header_next): all
                            of them when the scenario asks (keep_headers) */
    size_t headers_len;
    double duration_ms;       /* http_req_duration of this request */
    bool sent;                /* the request's bytes were all written */
    uint64_t release_gen;     /* the barrier release that let this VU go on (it
                                 parked with LR_STEP_BARRIER); 0: none */
    uint64_t released_ns;     /* that release's instant for this VU: its request
                                 written (clock_mono_ns) */
    uint64_t release_open_ns; /* when that release opened: the barrier complete, or
                                 its timeout (clock_mono_ns) */
    uint64_t answered_ns;     /* when the answer was complete, or the failure seen
                                 (clock_mono_ns) */
    bool barrier_timed_out;   /* that release came from a barrier_timeout_ms */
};

struct lr_scenario_env;
struct lr_part;

/* One virtual user. The engine owns it; the scenario owns data. */
struct lr_vu {
    int id;                      /* unique in the whole test: num, or with an
                                      execution segment the VU's number among all
                                      parts' (k6's idInTest, segment.h) */
    int num;                     /* 0..vus_max-1, this process's numbering */
    int thread;                  /* the event-loop thread it lives on */
    uint64_t iteration;          /* iterations this VU started (k6: __ITER) */
    struct metrics_shard *shard; /* this thread's metrics */
    uint64_t rng;                /* per-VU random state, seeded from --seed and id */
    const struct lr_part *part;  /* the scenario of the run it belongs to (k6's
                                      options.scenarios entry); never NULL in a run */
    void *data;                  /* the scenario's per-VU state */
    struct lr_scenario_env *env;
};

/* The run as a scenario sees it. */
struct seg_plan;

struct lr_scenario_env {
    const char *base_url;       /* "http://127.0.0.1:8080" */
    const char *db_url;         /* --db, or NULL: verify through /api/admin/integrity */
    const char *admin_email;    /* env ADMIN_EMAIL */
    const char *admin_password; /* env ADMIN_PASSWORD */
    const char *profile;        /* "quick", "full" or "mixed" */
    uint64_t seed;
    int vus_max;                 /* VUs the engine will create (all parts) */
    const struct lr_part *parts; /* the run's scenarios, as the run will have them
                                      (the command line's executor options applied) */
    int nparts;
    const struct seg_plan *segment; /* this part's execution segment (segment.h), for
                                      the VUs' numbers in the whole test; NULL: whole */
    int64_t iterations_hint;        /* iterations expected (bounds histories), or -1 */
    bool quiet;
    struct metrics *metrics;       /* define custom series during setup */
    struct metrics_shard *shard;   /* for setup and verify (main thread); merged after verify */
    const char *const *argv_extra; /* scenario-specific options (--method etc.), NULL-ended */
    const char *history_out;       /* --history-out FILE: verify writes the booking
                                      histories there (one JSON line per attempt) and
                                      sets history_written; NULL: none */
    bool history_written;
    const char *setup_out;       /* `setup --setup-out FILE`: setup writes the run's
                                      data (hotel, room types, users, tokens) there */
    const char *setup_data;      /* `run --setup-data FILE`: setup reads it from
                                      there instead of making its own */
    void *data;                  /* the scenario's shared state */
    char verdict[4096];          /* text printed after the k6 summary (verdict block) */
    struct json_t *export_extra; /* verify may set a JSON object (jansson, a new
                                      reference) whose fields main adds to the
                                      summary export's "lastroom" object; main frees it */
    bool violated;               /* verify found an overbooking or a violation: the run
                                      fails (exit 99) whatever the thresholds say */
};

/* xorshift64* on vu->rng: a uniform integer in [0, n). */
uint64_t lr_rand(struct lr_vu *vu, uint64_t n);

/* The executor and its options, with k6's names and meanings (durations in seconds). */
enum lr_executor {
    LR_EXEC_SHARED_ITERATIONS,
    LR_EXEC_PER_VU_ITERATIONS,
    LR_EXEC_CONSTANT_VUS,
    LR_EXEC_RAMPING_VUS,
    LR_EXEC_CONSTANT_ARRIVAL_RATE,
    LR_EXEC_RAMPING_ARRIVAL_RATE
};

#define LR_MAX_STAGES 32
struct lr_stage {
    double duration_s;
    double target;
};

struct lr_exec_config {
    enum lr_executor type;
    int vus;                        /* shared/per-vu iterations, constant-vus */
    int64_t iterations;             /* shared: total; per-vu: per VU */
    double duration_s;              /* constant-vus, constant-arrival-rate */
    double max_duration_s;          /* iteration executors (k6 default 10m) */
    int start_vus;                  /* ramping-vus */
    double start_rate;              /* ramping-arrival-rate */
    double rate;                    /* constant-arrival-rate: iterations per time_unit */
    double time_unit_s;             /* arrival-rate executors (default 1s) */
    int pre_allocated_vus, max_vus; /* arrival-rate executors */
    double graceful_stop_s;         /* default 30s */
    double graceful_ramp_down_s;    /* ramping-vus, default 30s */
    struct lr_stage stages[LR_MAX_STAGES];
    int nstages;
};

/* One of the scenarios a run runs at once (k6's options.scenarios: name = { ... }): its
 * name, its executor and its start. A compiled scenario's run has one, named after it. */
#define LR_MAX_PARTS 16
struct lr_part {
    const char *name; /* the tag scenario:<name> of every sample of its VUs */
    struct lr_exec_config exec;
    double start_s;          /* k6's startTime: seconds after the run's start */
    const char *const *tags; /* k6's scenario tags: "key", "value", ..., NULL (keys made
                                with metrics_tag_key before the run); or NULL */
    int index;               /* its place in the run's parts (set by the runner) */
};

struct lr_threshold_spec {
    const char *series;
    const char *expr;
    bool abort_on_fail;
};

/* A profile: the executor and thresholds a scenario runs with by default. */
struct lr_profile {
    const char *name; /* "quick", "full" or "mixed" */
    struct lr_exec_config exec;
    const struct lr_threshold_spec *thresholds; /* ends with series == NULL */
    const char *const *nemesis;                 /* default fault schedule, KIND@START[:DURATION]
                                      (nemesis.h), NULL-ended; NULL: none. Kinds the
                                      environment cannot inject are left out */
    const double *threshold_delays; /* delayAbortEval (s) of each threshold, or NULL: 0 */
    const struct lr_part *parts;    /* several scenarios at once (a script's
                                      options.scenarios), parts[0..nparts); NULL: one,
                                      named after the scenario, with exec. With one part,
                                      its exec is exec's and the command line's executor
                                      options change it; with several they replace them
                                      all by one part "default" built from exec */
    int nparts;
};

/* setup's answer to a bad value of one of its options (err says which): a usage
 * error, given before setup sent any request. */
#define LR_SETUP_USAGE (-2)

struct lr_scenario {
    const char *name;           /* "last-room" */
    const char *description;    /* one line for `lastroom-load list` */
    const char *const *names;   /* request names for the name: tag, NULL-ended */
    const char *const *options; /* the options it accepts ("--users"), NULL-ended;
                                      NULL: none. Any other is a usage error */
    const struct lr_profile *quick, *full;
    const struct lr_profile *mixed; /* the booking scenarios' wider workload; NULL: none */
    bool keep_headers;              /* its steps read lr_response.headers: every header is
                                      kept (else only Location and Set-Cookie, which the
                                      client itself reads) */
    int (*setup)(struct lr_scenario_env *env, char *err, size_t errlen); /* 0, -1, or
                                      LR_SETUP_USAGE */
    int (*vu_init)(struct lr_scenario_env *env, struct lr_vu *vu);       /* 0 or -1 */
    enum lr_step (*step)(struct lr_vu *vu, const struct lr_response *resp, struct lr_request *req);
    int (*verify)(struct lr_scenario_env *env, char *err,
                  size_t errlen); /* 0, or -1: could not verify */
    void (*teardown)(struct lr_scenario_env *env);
};

#endif
