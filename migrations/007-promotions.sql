-- SPDX-License-Identifier: GPL-3.0-or-later
-- Coupons, cross-promos between partners and business multiplier campaigns.

CREATE TABLE coupons (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  business_id           uuid NOT NULL REFERENCES businesses (id),
  -- NULL: a campaign coupon anyone eligible may take; else issued to one member.
  member_id             uuid REFERENCES members (id),
  type                  text NOT NULL CHECK (type IN ('discount', 'bonus', 'gift')),
  value_kopecks         bigint NOT NULL CHECK (value_kopecks >= 0),
  description           text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
  conditions            text NOT NULL DEFAULT '' CHECK (length(conditions) <= 1000),
  code                  text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9-]{4,50}$'),
  -- Activation gives a short-lived code to show at the business.
  activation_code       text UNIQUE,
  activated_at          timestamptz,
  activation_valid_until timestamptz,
  redeemed_at           timestamptz,
  redeemed_purchase_id  uuid,        -- purchase_keys(id); foreign key added in 009
  expires_at            timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  created_by            name NOT NULL DEFAULT session_user,
  CHECK ((activation_code IS NULL) = (activated_at IS NULL)),
  CHECK (activated_at IS NULL OR activation_valid_until > activated_at),
  CHECK (redeemed_at IS NULL OR activated_at IS NOT NULL)
);

CREATE INDEX coupons_member_idx ON coupons (member_id, expires_at);
CREATE INDEX coupons_business_idx ON coupons (business_id, created_at);

-- From A to B: a member who bought at A and then buys at B within window_days earns an
-- extra bonus_bp of the purchase at B (DESIGN.md step 5).
CREATE TABLE cross_promos (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  from_business_id uuid NOT NULL REFERENCES businesses (id),
  to_business_id   uuid NOT NULL REFERENCES businesses (id),
  window_days      integer NOT NULL CHECK (window_days BETWEEN 1 AND 365),
  bonus_bp         integer NOT NULL DEFAULT 1000 CHECK (bonus_bp BETWEEN 0 AND 5000),
  title            text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
  valid_from       timestamptz NOT NULL,
  valid_to         timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  created_by       name NOT NULL DEFAULT session_user,
  CHECK (from_business_id <> to_business_id),
  CHECK (valid_to IS NULL OR valid_to > valid_from)
);

-- The pipeline's question: which promos lead to this business now?
CREATE INDEX cross_promos_to_idx ON cross_promos (to_business_id, valid_from);
CREATE INDEX cross_promos_from_idx ON cross_promos (from_business_id);

-- Dated multiplier campaigns ("double bonuses this week"); at most one per business per day.
CREATE TABLE business_campaigns (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  business_id   uuid NOT NULL REFERENCES businesses (id),
  title         text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
  multiplier_bp integer NOT NULL CHECK (multiplier_bp BETWEEN 10000 AND 50000),
  starts_on     date NOT NULL,
  ends_on       date NOT NULL,          -- inclusive, club time zone
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    name NOT NULL DEFAULT session_user,
  CHECK (ends_on >= starts_on),
  EXCLUDE USING gist (business_id WITH =, daterange(starts_on, ends_on, '[]') WITH &&)
);

-- The business's current multiplier: a campaign running on that day (club time zone) wins,
-- else the business's rule cashback.business_multiplier (default x1.0 = 10000).
CREATE FUNCTION business_multiplier_bp (p_business_id uuid,
                                        p_at          timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT coalesce(
    (SELECT c.multiplier_bp::bigint
       FROM public.business_campaigns c
      WHERE c.business_id = p_business_id
        AND (p_at AT TIME ZONE public.club_time_zone())::date BETWEEN c.starts_on AND c.ends_on),
    public.rule_value('cashback.business_multiplier', p_business_id, p_at))
$$;
