-- inventory-log.sql: a change log of room_inventory, for test databases only.
--
-- Every insert or update of a night's row writes the night's free rooms (allotment -
-- booked - tentative) with clock_timestamp() into inventory_log. The trigger runs
-- while the row is locked by the change, so no hold can read the row between the
-- logged time and the commit: the last entry at or before a moment is what a hold
-- locking the night at that moment read. lastroom-load's verification, given --db,
-- then checks every hold answered sold_out: if each night of the stay had at least
-- the quantity asked free for the whole time between the request and its answer, the
-- refusal was false (check sold_out_while_free, docs/mutants.md).
--
-- It costs one insert per changed night, so it is never part of db/migrations or
-- db/functions: `scripts/mutant.sh log DB_URL` installs it into a scratch database,
-- and dropping the table and the trigger removes it.
CREATE TABLE IF NOT EXISTS inventory_log (
    seq bigserial PRIMARY KEY,
    room_type_id bigint NOT NULL,
    date date NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    free int NOT NULL
);

CREATE OR REPLACE FUNCTION inventory_log_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO inventory_log (room_type_id, date, free)
    VALUES (NEW.room_type_id, NEW.date, NEW.allotment - NEW.booked_count - NEW.tentative_count);
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS inventory_log ON room_inventory;
CREATE TRIGGER inventory_log AFTER INSERT OR UPDATE ON room_inventory
    FOR EACH ROW EXECUTE FUNCTION inventory_log_write();
