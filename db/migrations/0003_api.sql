-- 0003_api: the table lastroomd needs beside the booking tables of 0001 (its functions
-- are in db/functions/40_api.sql).
--
-- Idempotency keys: POST /api/holds and POST /api/bookings may carry a key. The key's
-- row is inserted in the same transaction as the booking operation and records its
-- outcome, so either both commit or neither does. A concurrent second request with the
-- same key waits on the first one's row (unique index) and then replays its outcome.

CREATE TABLE idempotency_keys (
    user_id      bigint NOT NULL REFERENCES users(user_id),
    idem_key     text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 200),
    fingerprint  text NOT NULL,
    resp_result  text,
    resp_body    jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys(created_at);
