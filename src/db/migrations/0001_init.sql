-- nrfcred factory database, schema version 1 (nrfcred db migrate).
-- Applied in one transaction with its schema_version row; never edited once
-- released: a change is a new file 0002_....sql.

CREATE TABLE stations (
    name        text PRIMARY KEY,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now()
);

-- One run of `nrfcred station` (its uuid is made by the station).
CREATE TABLE runs (
    uuid                uuid PRIMARY KEY,
    station             text NOT NULL REFERENCES stations(name),
    started_at          timestamptz NOT NULL,
    nrfcred_version     text NOT NULL,
    provisioner_sha256  text NOT NULL
);

-- One row per board, pass or fail, as the station's CSV row. The uuid is
-- made by the station, so a row replayed from a spool file is inserted once.
CREATE TABLE boards (
    uuid                uuid PRIMARY KEY,
    run                 uuid NOT NULL REFERENCES runs(uuid),
    station             text NOT NULL REFERENCES stations(name),
    slot                integer NOT NULL,
    probe_serial        text NOT NULL,
    imei                text NOT NULL,
    device_id           text NOT NULL,
    started_at          timestamptz NOT NULL,
    finished_at         timestamptz NOT NULL,
    duration_ms         bigint NOT NULL,
    result              text NOT NULL CHECK (result IN ('pass', 'fail')),
    failed_step         text NOT NULL,
    cause               text NOT NULL,
    part                text NOT NULL,
    modem_fw            text NOT NULL,
    sec_tags            text NOT NULL,
    -- the CSV's cred_sha256 cell: certificate and identity digests; for a
    -- key or PSK a word or an HMAC, never a digest of it
    cred_sha256         text NOT NULL,
    provisioner_sha256  text NOT NULL,
    app_sha256          text NOT NULL,
    nrfcred_version     text NOT NULL,
    delivery            text NOT NULL,
    inserted_at         timestamptz NOT NULL DEFAULT now()
);
-- The factory-wide duplicate guard: one successful row per IMEI.
CREATE UNIQUE INDEX boards_imei_pass ON boards (imei) WHERE result = 'pass';
CREATE INDEX boards_station_time ON boards (station, finished_at);

-- Per-device credential bundles (nrfcred pool import). A bundle is claimed
-- by one board at a time (SELECT ... FOR UPDATE SKIP LOCKED), bound to the
-- IMEI the modem confirmed, returned when nothing reached the modem, burned
-- when a write was attempted and not confirmed.
CREATE TABLE credential_pool (
    id          bigserial PRIMARY KEY,
    pool        text NOT NULL,
    bundle      text NOT NULL,
    state       text NOT NULL DEFAULT 'free'
                CHECK (state IN ('free', 'claimed', 'bound', 'burned')),
    station     text,
    slot        integer,
    imei        text,
    claimed_at  timestamptz,
    bound_at    timestamptz,
    imported_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pool, bundle)
);
CREATE INDEX credential_pool_free ON credential_pool (pool, id) WHERE state = 'free';

-- The items of a bundle. Certificates and PSK identities are public and
-- stored as text with their SHA-256; keys and PSKs only as AES-256-GCM
-- ciphertext (nonce, ciphertext, tag; AAD = pool, bundle, sec_tag, type).
CREATE TABLE credential_pool_items (
    bundle_id   bigint NOT NULL REFERENCES credential_pool(id) ON DELETE CASCADE,
    sec_tag     bigint NOT NULL,
    type        integer NOT NULL,
    secret      boolean NOT NULL,
    content     bytea,
    sha256      text,
    nonce       bytea,
    ciphertext  bytea,
    tag         bytea,
    PRIMARY KEY (bundle_id, sec_tag, type),
    CHECK ((secret AND content IS NULL AND ciphertext IS NOT NULL AND nonce IS NOT NULL
            AND tag IS NOT NULL)
        OR (NOT secret AND content IS NOT NULL AND ciphertext IS NULL))
);
