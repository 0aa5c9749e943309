-- nrfcred factory database, schema version 2: `nrfcred station --reprovision`.
-- A board provisioned again on purpose keeps its earlier pass row, and its
-- new pass row says reprovisioned = true; the duplicate guard's unique index
-- covers only the rows that were not, so one IMEI has at most one ordinary
-- pass and any number of deliberate ones.

ALTER TABLE boards ADD COLUMN reprovisioned boolean NOT NULL DEFAULT false;
DROP INDEX boards_imei_pass;
CREATE UNIQUE INDEX boards_imei_pass ON boards (imei) WHERE result = 'pass' AND NOT reprovisioned;
CREATE INDEX boards_imei ON boards (imei);
