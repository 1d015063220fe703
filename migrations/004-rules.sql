-- SPDX-License-Identifier: GPL-3.0-or-later
-- Versioned rules: every rate, multiplier, threshold and window of DESIGN.md is data here, so
-- the club can change it without a release, and the history is kept.
--
-- Units are in the key's row of rule_keys: bp (basis points, 500 = 5 %, a multiplier ×1.5 =
-- 15000), kopecks, days, months, count or weight. A rule is global (business_id NULL) or for
-- one business; rule_value() prefers the business's own rule in force at a time over the
-- global one. Rules are never deleted or rewritten: rule_set() closes the rule in force
-- (sets valid_to) and inserts its successor.

CREATE TABLE rule_keys (
  key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
  unit        text NOT NULL CHECK (unit IN ('bp', 'kopecks', 'days', 'months', 'minutes',
                                            'seconds', 'count', 'weight')),
  min_value   bigint NOT NULL DEFAULT 0,
  max_value   bigint NOT NULL,
  per_business boolean NOT NULL DEFAULT false,
  description text NOT NULL,
  CHECK (min_value <= max_value)
);

CREATE TABLE rules (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key         text NOT NULL REFERENCES rule_keys (key),
  business_id uuid REFERENCES businesses (id),
  value       bigint NOT NULL,
  valid_from  timestamptz NOT NULL DEFAULT now(),
  valid_to    timestamptz,
  changed_by  name NOT NULL DEFAULT session_user,
  changed_at  timestamptz NOT NULL DEFAULT now(),
  note        text NOT NULL DEFAULT '',
  CHECK (valid_to IS NULL OR valid_to > valid_from),
  -- At most one rule in force per key and scope at any moment.
  EXCLUDE USING gist (key WITH =,
                      (coalesce(business_id, '00000000-0000-0000-0000-000000000000'::uuid)) WITH =,
                      tstzrange(valid_from, valid_to) WITH &&)
);

CREATE INDEX rules_lookup_idx ON rules (key, business_id, valid_from);

-- Values stay within their key's bounds.
CREATE FUNCTION rules_check ()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  k public.rule_keys;
BEGIN
  SELECT * INTO k FROM public.rule_keys WHERE key = NEW.key;
  IF NEW.value < k.min_value OR NEW.value > k.max_value THEN
    RAISE EXCEPTION 'rule % = % is outside [%, %] %', NEW.key, NEW.value, k.min_value,
                    k.max_value, k.unit
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.business_id IS NOT NULL AND NOT k.per_business THEN
    RAISE EXCEPTION 'rule % cannot be set per business', NEW.key
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    -- History is kept: the only change is ending a rule earlier, and never in the past
    -- (what was in force stays what was in force).
    IF (NEW.key, NEW.business_id, NEW.value, NEW.valid_from, NEW.changed_by, NEW.changed_at,
        NEW.note) IS DISTINCT FROM
       (OLD.key, OLD.business_id, OLD.value, OLD.valid_from, OLD.changed_by, OLD.changed_at,
        OLD.note)
       OR NEW.valid_to IS NULL
       OR NEW.valid_to < now()
       OR (OLD.valid_to IS NOT NULL AND (OLD.valid_to <= now() OR NEW.valid_to > OLD.valid_to))
    THEN
      RAISE EXCEPTION 'rules are history: a rule may only be ended earlier, from now on'
        USING ERRCODE = 'restrict_violation';
    END IF;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER rules_check
  BEFORE INSERT OR UPDATE ON rules
  FOR EACH ROW EXECUTE FUNCTION rules_check();
CREATE TRIGGER rules_no_delete
  BEFORE DELETE ON rules
  FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- The value of @p_key in force at @p_at for @p_business_id (its own rule first, else the
-- global one). An unknown key or a gap in the history is an error, never a silent zero.
CREATE FUNCTION rule_value (p_key         text,
                            p_business_id uuid DEFAULT NULL,
                            p_at          timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v bigint;
BEGIN
  SELECT r.value INTO v
    FROM public.rules r
   WHERE r.key = p_key
     AND (r.business_id IS NULL OR r.business_id = p_business_id)
     AND r.valid_from <= p_at
     AND (r.valid_to IS NULL OR r.valid_to > p_at)
   ORDER BY r.business_id IS NULL   -- the business's own rule first
   LIMIT 1;

  IF NOT FOUND THEN
    RAISE EXCEPTION 'no rule % in force at % for business %', p_key, p_at,
                    coalesce(p_business_id::text, '(global)')
      USING ERRCODE = 'no_data_found';
  END IF;
  RETURN v;
END
$$;

-- Changes a rule from @p_valid_from (now or later) on, for admins only, keeping the history:
-- the rule in force then ends at @p_valid_from, and the new one lasts until the next change
-- already scheduled, if any. Returns the new rule's id. A business-scoped rule that does not
-- exist yet simply starts at @p_valid_from. The past is never rewritten: purchases already
-- computed with a value keep being explained by it.
CREATE FUNCTION rule_set (p_key         text,
                          p_value       bigint,
                          p_business_id uuid DEFAULT NULL,
                          p_valid_from  timestamptz DEFAULT now(),
                          p_note        text DEFAULT '')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  new_id bigint;
  next_from timestamptz;
BEGIN
  IF NOT public.is_platform_admin() THEN
    RAISE EXCEPTION 'only platform admins change rules' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_valid_from IS NULL OR p_valid_from < now() THEN
    RAISE EXCEPTION 'a rule changes from now on, not in the past'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- Serialise changes of one key so that two admins cannot both end the same rule.
  PERFORM pg_advisory_xact_lock(hashtextextended('rule:' || p_key, 0));

  SELECT min(valid_from) INTO next_from
    FROM public.rules
   WHERE key = p_key
     AND business_id IS NOT DISTINCT FROM p_business_id
     AND valid_from > p_valid_from;

  UPDATE public.rules
     SET valid_to = p_valid_from
   WHERE key = p_key
     AND business_id IS NOT DISTINCT FROM p_business_id
     AND valid_from < p_valid_from
     AND (valid_to IS NULL OR valid_to > p_valid_from);

  INSERT INTO public.rules (key, business_id, value, valid_from, valid_to, note)
  VALUES (p_key, p_business_id, p_value, p_valid_from, next_from, coalesce(p_note, ''))
  RETURNING id INTO new_id;

  PERFORM public.audit_write('rule.set', 'rule', p_key, NULL,
                             jsonb_build_object('value', p_value, 'business_id', p_business_id,
                                                'valid_from', p_valid_from, 'rule_id', new_id));
  RETURN new_id;
END
$$;

-- Seeded defaults (DESIGN.md), in force since the beginning of time so that back-dated
-- purchases find them.
INSERT INTO rule_keys (key, unit, min_value, max_value, per_business, description) VALUES
  ('cashback.rate.insider',          'bp',      0, 5000,   false, 'Cashback rate for Insider'),
  ('cashback.rate.vip',              'bp',      0, 5000,   false, 'Cashback rate for VIP'),
  ('cashback.rate.elite',            'bp',      0, 5000,   false, 'Cashback rate for Elite'),
  ('cashback.rate.inner_circle',     'bp',      0, 5000,   false, 'Cashback rate for Inner Circle'),
  ('cashback.rate.premium_min',      'bp',      0, 5000,   false, 'Minimum cashback rate while a Premium subscription is active'),
  ('cashback.new_category.insider',  'bp',  10000, 50000,  false, 'New-category multiplier for Insider (x1.5 = 15000)'),
  ('cashback.new_category.vip_plus', 'bp',  10000, 50000,  false, 'New-category multiplier for VIP and above (x2 = 20000)'),
  ('cashback.new_category.window_months', 'months', 1, 60, false, 'A category is new when not bought in this many months'),
  ('cashback.business_multiplier',   'bp',  10000, 50000,  true,  'A business''s standing multiplier (campaigns may raise it for dates)'),
  ('cross_bonus.rate',               'bp',      0, 5000,   true,  'Extra bonus at B after buying at A within an active cross-promo'),
  ('cross_bonus.window_days',        'days',    1, 365,    false, 'Default window of a new cross-promo'),
  ('bonus.hold_days',                'days',    0, 90,     false, 'Pending period before bonuses become available (refunds inside cancel them)'),
  ('bonus.expiry_months',            'months',  1, 60,     false, 'Each accrual expires this long after it was earned unless spent'),
  ('events_budget.contribution',     'bp',      0, 1000,   false, 'Share of every purchase going to the events budget'),
  ('events_budget.allocation.open',    'bp',    0, 10000,  false, 'Monthly events budget share for open events'),
  ('events_budget.allocation.vip',     'bp',    0, 10000,  false, 'Monthly events budget share for VIP events'),
  ('events_budget.allocation.elite',   'bp',    0, 10000,  false, 'Monthly events budget share for Elite events'),
  ('events_budget.allocation.reserve', 'bp',    0, 10000,  false, 'Monthly events budget reserve'),
  ('tier.window_months',             'months',  1, 60,     false, 'Rolling window for tier spend and categories'),
  ('tier.vip.min_spend',             'kopecks', 0, 100000000000, false, 'VIP: spend in the window'),
  ('tier.vip.min_categories',        'count',   0, 9,      false, 'VIP: distinct categories in the window'),
  ('tier.elite.min_spend',           'kopecks', 0, 100000000000, false, 'Elite: spend in the window'),
  ('tier.elite.min_categories',      'count',   0, 9,      false, 'Elite: distinct categories in the window'),
  ('tier.elite.top_share',           'bp',      0, 10000,  false, 'Elite: or in this top share of members by spend (1 % = 100)'),
  ('tier.inner_circle.min_spend',    'kopecks', 0, 100000000000, false, 'Inner Circle without invitation: spend in the window'),
  ('tier.inner_circle.min_categories', 'count', 0, 9,      false, 'Inner Circle without invitation: categories (9 = every category)'),
  ('premium.price',                  'kopecks', 0, 10000000, false, 'Premium subscription price per month'),
  ('premium.min_tier_rank',          'count',   0, 4,      false, 'Premium gives at least this tier rank (2 = VIP)'),
  ('vote.weight.insider',            'weight',  0, 100,    false, 'Vote weight of an Insider'),
  ('vote.weight.vip',                'weight',  0, 100,    false, 'Vote weight of a VIP'),
  ('vote.weight.elite',              'weight',  0, 100,    false, 'Vote weight of an Elite member'),
  ('vote.weight.inner_circle',       'weight',  0, 100,    false, 'Vote weight of an Inner Circle member'),
  ('proposal.voting_days',           'days',    1, 90,     false, 'Default voting period of a proposal'),
  ('proposal.monthly_top',           'count',   1, 20,     false, 'Proposals offered to the admins each month'),
  ('commission.phase1.months',       'months',  0, 120,    true,  'Phase 1 lasts while fewer whole months than this have passed since joining (6: months 1-6)'),
  ('commission.phase1.rate',         'bp',      0, 1000,   true,  'Commission on involved purchases in phase 1'),
  ('commission.phase2.months',       'months',  0, 240,    true,  'Phase 2 lasts until this many whole months after joining (17: phase 3 from month 18)'),
  ('commission.phase2.rate',         'bp',      0, 1000,   true,  'Commission on involved purchases in phase 2'),
  ('commission.phase3.rate',         'bp',      0, 1000,   true,  'Commission on involved purchases afterwards (3-5 %, per partner)'),
  ('badge.friend_of_club.referrals', 'count',   1, 1000,   false, 'Referrals who made a purchase for Friend of the club'),
  ('badge.party_goer.events',        'count',   1, 1000,   false, 'Events attended for Party-goer'),
  ('badge.investor.lifetime_spend',  'kopecks', 0, 100000000000, false, 'Lifetime spend for Investor'),
  ('north_star.window_days',         'days',    1, 365,    false, 'Two purchases in different categories within this many days'),
  ('auth.sms_code_ttl',              'seconds', 30, 3600,  false, 'SMS login code lifetime'),
  ('auth.sms_max_attempts',          'count',   1, 20,     false, 'Wrong codes allowed per SMS code'),
  ('auth.sms_per_hour',              'count',   1, 100,    false, 'SMS codes sent per phone per hour'),
  ('auth.access_ttl',                'seconds', 60, 86400, false, 'Access token lifetime'),
  ('auth.refresh_ttl_days',          'days',    1, 365,    false, 'Refresh token lifetime'),
  ('sync.interval_minutes',          'minutes', 1, 1440,   false, 'Default partner sync interval'),
  ('sync.alert_after_failures',      'count',   1, 100,    false, 'Consecutive sync failures before an alert');

INSERT INTO rules (key, value, valid_from, changed_by, note)
SELECT key, value, '-infinity', 'migration', 'DESIGN.md default'
  FROM (VALUES
    ('cashback.rate.insider',                 500),
    ('cashback.rate.vip',                     700),
    ('cashback.rate.elite',                  1000),
    ('cashback.rate.inner_circle',           1000),
    ('cashback.rate.premium_min',            1000),
    ('cashback.new_category.insider',       15000),
    ('cashback.new_category.vip_plus',      20000),
    ('cashback.new_category.window_months',    12),
    ('cashback.business_multiplier',        10000),
    ('cross_bonus.rate',                     1000),
    ('cross_bonus.window_days',                30),
    ('bonus.hold_days',                        14),
    ('bonus.expiry_months',                    12),
    ('events_budget.contribution',            200),
    ('events_budget.allocation.open',        3000),
    ('events_budget.allocation.vip',         4000),
    ('events_budget.allocation.elite',       2000),
    ('events_budget.allocation.reserve',     1000),
    ('tier.window_months',                     12),
    ('tier.vip.min_spend',                3000000),
    ('tier.vip.min_categories',                 3),
    ('tier.elite.min_spend',             10000000),
    ('tier.elite.min_categories',               5),
    ('tier.elite.top_share',                  100),
    ('tier.inner_circle.min_spend',      20000000),
    ('tier.inner_circle.min_categories',        9),
    ('premium.price',                      199000),
    ('premium.min_tier_rank',                   2),
    ('vote.weight.insider',                     1),
    ('vote.weight.vip',                         2),
    ('vote.weight.elite',                       3),
    ('vote.weight.inner_circle',                5),
    ('proposal.voting_days',                   14),
    ('proposal.monthly_top',                    3),
    ('commission.phase1.months',                6),
    ('commission.phase1.rate',                  0),
    ('commission.phase2.months',               17),
    ('commission.phase2.rate',                200),
    ('commission.phase3.rate',                300),
    ('badge.friend_of_club.referrals',          3),
    ('badge.party_goer.events',                10),
    ('badge.investor.lifetime_spend',    25000000),
    ('north_star.window_days',                 60),
    ('auth.sms_code_ttl',                     300),
    ('auth.sms_max_attempts',                   5),
    ('auth.sms_per_hour',                       5),
    ('auth.access_ttl',                       900),
    ('auth.refresh_ttl_days',                  30),
    ('sync.interval_minutes',                  15),
    ('sync.alert_after_failures',               3)
  ) AS d (key, value);

-- Every key has a default: a key added to rule_keys without a seeded rule would make
-- rule_value() fail at run time, so fail here instead.
DO $check$
BEGIN
  IF EXISTS (SELECT FROM rule_keys k
              WHERE NOT EXISTS (SELECT FROM rules r
                                 WHERE r.key = k.key AND r.business_id IS NULL)) THEN
    RAISE EXCEPTION 'a rule key has no global default';
  END IF;
END
$check$;

-- The commission rate on involved purchases of @p_business_id at @p_at, by partner phase,
-- counting whole months since joining: fewer than commission.phase1.months (6: months 1-6)
-- -> phase1.rate (0 %); fewer than phase2.months (17: months 7-17) -> phase2.rate (2 %);
-- afterwards phase3.rate (3 %, per partner up to 5 %).
CREATE FUNCTION business_commission_bp (p_business_id uuid,
                                        p_at          timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  joined date;
  months integer;
BEGIN
  SELECT joined_on INTO joined FROM public.businesses WHERE id = p_business_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown business %', p_business_id USING ERRCODE = 'no_data_found';
  END IF;
  months := (extract(year FROM age((p_at AT TIME ZONE public.club_time_zone())::date, joined)) * 12
             + extract(month FROM age((p_at AT TIME ZONE public.club_time_zone())::date, joined)))::integer;
  IF months < public.rule_value('commission.phase1.months', p_business_id, p_at) THEN
    RETURN public.rule_value('commission.phase1.rate', p_business_id, p_at);
  ELSIF months < public.rule_value('commission.phase2.months', p_business_id, p_at) THEN
    RETURN public.rule_value('commission.phase2.rate', p_business_id, p_at);
  END IF;
  RETURN public.rule_value('commission.phase3.rate', p_business_id, p_at);
END
$$;
