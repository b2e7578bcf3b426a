-- 0005_sweeper_quarantine: a hold that the sweeper cannot give back is marked, not
-- retried for ever (db/functions/20_sweeper.sql says why and how).

ALTER TABLE booking_holds ADD COLUMN quarantined boolean NOT NULL DEFAULT false;
