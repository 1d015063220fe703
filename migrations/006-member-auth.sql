-- SPDX-License-Identifier: GPL-3.0-or-later
-- The member API's login state: SMS codes and rotating refresh tokens. Only hashes are
-- stored, so a copy of the database does not let anyone log in. The service keeps no state
-- of its own (DESIGN.md), so rate limits live here too.

-- One row per SMS code sent. The code itself is never stored: code_hash is a keyed hash
-- computed by the service. A code expires after auth.sms_code_ttl (5 minutes) and allows
-- auth.sms_max_attempts wrong tries.
CREATE TABLE sms_login_codes (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone_hash  bytea NOT NULL CHECK (length(phone_hash) = 32),
  code_hash   bytea NOT NULL CHECK (length(code_hash) >= 16),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0 AND attempts <= 100),
  consumed_at timestamptz,
  CHECK (expires_at > created_at),
  CHECK (consumed_at IS NULL OR consumed_at >= created_at)
);

-- The latest code of a phone, and the per-phone-per-hour rate limit count.
CREATE INDEX sms_login_codes_phone_idx ON sms_login_codes (phone_hash, created_at DESC);
-- Purging expired codes.
CREATE INDEX sms_login_codes_expires_idx ON sms_login_codes (expires_at);

-- Rotating refresh tokens. Each use marks the token used and issues a child in the same
-- family; presenting a used token again is reuse, and the whole family is revoked.
CREATE TABLE refresh_tokens (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  member_id      uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  family_id      uuid NOT NULL,
  parent_id      uuid REFERENCES refresh_tokens (id) ON DELETE CASCADE,
  token_hash     bytea NOT NULL UNIQUE CHECK (length(token_hash) >= 32),
  issued_at      timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  used_at        timestamptz,
  revoked_at     timestamptz,
  revoked_reason text CHECK (revoked_reason IN ('logout', 'reuse', 'erasure', 'admin',
                                                'expired')),
  CHECK (expires_at > issued_at),
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_member_idx ON refresh_tokens (member_id) WHERE revoked_at IS NULL;
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Fixed-window request counters per client key (a hash of IP or member id, never raw).
CREATE TABLE rate_limits (
  bucket       text NOT NULL CHECK (length(bucket) BETWEEN 1 AND 200),
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL DEFAULT 0 CHECK (hits >= 0),
  PRIMARY KEY (bucket, window_start)
);

CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);
