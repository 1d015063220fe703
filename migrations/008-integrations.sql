-- SPDX-License-Identifier: GPL-3.0-or-later
-- Partner integrations (one per connected partner system) and their sync log.

CREATE TABLE partner_integrations (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  business_id          uuid NOT NULL REFERENCES businesses (id),
  system               text NOT NULL CHECK (system IN ('yclients', 'onec', 'iiko', 'amocrm',
                                                       'bitrix24', 'renovatio', 'csv')),
  -- The partner's account or company id; part of the idempotency namespace (connectors
  -- prefix external ids with system and account so two systems of one business never clash).
  account_id           text NOT NULL DEFAULT '' CHECK (length(account_id) <= 200),
  -- API credentials as one encrypted JSON document (AES-256-GCM envelope by the application).
  credentials_enc      bytea,
  credentials_nonce    bytea CHECK (credentials_nonce IS NULL OR length(credentials_nonce) = 12),
  credentials_key      bytea,          -- data key wrapped by the master key
  credentials_key_version integer CHECK (credentials_key_version > 0),
  -- Times without an offset (1C, iiko, Renovatio) are in this zone.
  time_zone            text NOT NULL DEFAULT 'Europe/Moscow',
  sync_interval        interval NOT NULL DEFAULT '15 minutes'
                       CHECK (sync_interval >= '1 minute' AND sync_interval <= '1 day'),
  -- Where the next incremental fetch starts (a timestamp, page token or change id).
  sync_cursor          text,
  enabled              boolean NOT NULL DEFAULT true,
  consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  next_sync_at         timestamptz NOT NULL DEFAULT now(),
  last_success_at      timestamptz,
  last_failure_at      timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  created_by           name NOT NULL DEFAULT session_user,
  UNIQUE (business_id, system, account_id),
  CHECK ((credentials_enc IS NULL) = (credentials_nonce IS NULL)
         AND (credentials_enc IS NULL) = (credentials_key IS NULL)
         AND (credentials_enc IS NULL) = (credentials_key_version IS NULL))
);

-- The scheduler's question: which enabled integrations are due?
CREATE INDEX partner_integrations_due_idx ON partner_integrations (next_sync_at) WHERE enabled;

-- One row per sync run. error is a short technical reason: never a payload, a phone, a
-- name or any medical detail.
CREATE TABLE sync_log (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  integration_id bigint NOT NULL REFERENCES partner_integrations (id),
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  fetched        integer NOT NULL DEFAULT 0 CHECK (fetched >= 0),
  recorded       integer NOT NULL DEFAULT 0 CHECK (recorded >= 0),
  duplicates     integer NOT NULL DEFAULT 0 CHECK (duplicates >= 0),
  unmatched      integer NOT NULL DEFAULT 0 CHECK (unmatched >= 0),
  skipped        integer NOT NULL DEFAULT 0 CHECK (skipped >= 0),
  error          text CHECK (length(error) <= 2000),
  CHECK (finished_at IS NULL OR finished_at >= started_at),
  CHECK (recorded + duplicates + unmatched + skipped <= fetched)
);

CREATE INDEX sync_log_integration_idx ON sync_log (integration_id, started_at DESC);
