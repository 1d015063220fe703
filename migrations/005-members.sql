-- SPDX-License-Identifier: GPL-3.0-or-later
-- Members (pseudonymous) and, apart from them, their encrypted personal data; consents,
-- tier history, badges, referrals, devices and premium subscriptions.
--
-- 152-FZ: purchases, the ledger and analytics see only members.id. Name, phone, e-mail and
-- birth date live only in member_personal, encrypted by the application (AES-256-GCM with a
-- per-record data key wrapped by a master key kept outside the database). There is no plain
-- name or phone column anywhere in this schema.

CREATE TABLE members (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Keyed HMAC-SHA-256 of the E.164 phone, computed by the application with a key kept
  -- outside the database, so partner purchases can be matched without storing phones.
  -- NULL once the account is erased.
  phone_hash           bytea UNIQUE CHECK (length(phone_hash) = 32),
  tier                 text NOT NULL DEFAULT 'none' REFERENCES tiers (code),
  tier_changed_at      timestamptz NOT NULL DEFAULT now(),
  joined_at            timestamptz NOT NULL DEFAULT now(),
  -- Inner Circle by an owner's invitation is never revoked by the recompute.
  invited_inner_circle boolean NOT NULL DEFAULT false,
  invited_by           uuid REFERENCES staff_accounts (id),
  invited_at           timestamptz,
  premium_until        timestamptz,
  referral_code        text UNIQUE CHECK (referral_code ~ '^[A-Z0-9]{4,16}$'),
  referred_by          uuid REFERENCES members (id),
  last_seen_at         timestamptz,
  -- Account deleted: personal data erased, anonymous purchase history kept.
  deleted_at           timestamptz,
  CHECK (invited_inner_circle = (invited_at IS NOT NULL)),
  CHECK (deleted_at IS NULL OR phone_hash IS NULL),
  CHECK (referred_by <> id)
);

CREATE INDEX members_tier_idx ON members (tier) WHERE deleted_at IS NULL;
CREATE INDEX members_joined_idx ON members (joined_at);

COMMENT ON COLUMN members.phone_hash IS
  'HMAC-SHA-256(key outside the database, E.164 phone); 32 bytes; never a plain phone.';

-- Encrypted personal data (name, phone, e-mail, birth date, city, avatar URL as one JSON
-- document encrypted by the application). Nobody may SELECT it directly: reads go through
-- member_personal_read(), changes through member_personal_write(), both audited.
CREATE TABLE member_personal (
  member_id   uuid PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
  ciphertext  bytea NOT NULL CHECK (length(ciphertext) >= 16),   -- includes the GCM tag
  nonce       bytea NOT NULL CHECK (length(nonce) = 12),
  wrapped_key bytea NOT NULL CHECK (length(wrapped_key) > 0),    -- data key under the master key
  key_version integer NOT NULL CHECK (key_version > 0),          -- which master key wrapped it
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX member_personal_key_version_idx ON member_personal (key_version);

-- Consents: personal-data processing, marketing; with the text's version, withdrawable.
CREATE TABLE member_consents (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  member_id    uuid NOT NULL REFERENCES members (id),
  kind         text NOT NULL CHECK (kind IN ('personal_data', 'marketing', 'push', 'sms',
                                                 'email')),
  version      text NOT NULL CHECK (version <> ''),
  given_at     timestamptz NOT NULL DEFAULT now(),
  withdrawn_at timestamptz,
  CHECK (withdrawn_at IS NULL OR withdrawn_at >= given_at)
);

-- One consent of a kind in force at a time.
CREATE UNIQUE INDEX member_consents_active_idx
  ON member_consents (member_id, kind) WHERE withdrawn_at IS NULL;

CREATE TABLE tier_history (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  member_id  uuid NOT NULL REFERENCES members (id),
  from_tier  text NOT NULL REFERENCES tiers (code),
  to_tier    text NOT NULL REFERENCES tiers (code),
  reason     text NOT NULL CHECK (reason IN ('recompute', 'premium', 'invitation', 'admin',
                                             'erasure')),
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by name NOT NULL DEFAULT session_user,
  CHECK (from_tier <> to_tier)
);

CREATE INDEX tier_history_member_idx ON tier_history (member_id, changed_at);

CREATE TABLE member_badges (
  member_id  uuid NOT NULL REFERENCES members (id),
  badge_code text NOT NULL REFERENCES badges (code),
  awarded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (member_id, badge_code)
);

-- Who invited whom. A referral counts for Friend of the club once the friend has bought.
CREATE TABLE referrals (
  referred_id  uuid PRIMARY KEY REFERENCES members (id),
  referrer_id  uuid NOT NULL REFERENCES members (id),
  code_used    text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  qualified_at timestamptz,          -- the friend's first purchase
  rewarded_at  timestamptz,
  CHECK (referrer_id <> referred_id),
  CHECK (rewarded_at IS NULL OR qualified_at IS NOT NULL)
);

CREATE INDEX referrals_referrer_idx ON referrals (referrer_id, qualified_at);

-- Push targets of the members' app.
CREATE TABLE member_devices (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  member_id    uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
  platform     text NOT NULL CHECK (platform IN ('ios', 'android', 'web')),
  push_token   text NOT NULL UNIQUE CHECK (length(push_token) BETWEEN 1 AND 4096),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX member_devices_member_idx ON member_devices (member_id);

-- Premium subscription periods (1 990 RUB/month); members.premium_until is the latest end.
CREATE TABLE premium_subscriptions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  member_id       uuid NOT NULL REFERENCES members (id),
  period_start    timestamptz NOT NULL,
  period_end      timestamptz NOT NULL,
  price_kopecks   bigint NOT NULL CHECK (price_kopecks >= 0),
  paid_at         timestamptz,
  payment_ref     text UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (period_end > period_start)
);

CREATE INDEX premium_subscriptions_member_idx ON premium_subscriptions (member_id, period_end);

-- A business's customers: members who have bought there. Row-level security scopes staff
-- to these members; analytics (sources, RFM) start from it. Maintained by record_purchase().
CREATE TABLE business_customers (
  business_id        uuid NOT NULL REFERENCES businesses (id),
  member_id          uuid NOT NULL REFERENCES members (id),
  first_purchase_at  timestamptz NOT NULL,
  last_purchase_at   timestamptz NOT NULL,
  purchases_count    integer NOT NULL DEFAULT 0 CHECK (purchases_count >= 0),
  spent_kopecks      bigint NOT NULL DEFAULT 0,
  -- The partner she bought at just before first coming here (NULL: came directly).
  source_business_id uuid REFERENCES businesses (id),
  PRIMARY KEY (business_id, member_id),
  CHECK (last_purchase_at >= first_purchase_at)
);

CREATE INDEX business_customers_member_idx ON business_customers (member_id);
CREATE INDEX business_customers_last_idx ON business_customers (business_id, last_purchase_at);
