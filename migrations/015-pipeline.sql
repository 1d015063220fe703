-- SPDX-License-Identifier: GPL-3.0-or-later
-- The purchase pipeline (DESIGN.md steps 1-9): one idempotent, set-based path for every
-- purchase, single or batch, and the ledger jobs around it.
--
-- Shape: record_purchase() and record_purchase_batch() put their rows into a temporary
-- staging table and call pipeline_process(), which works on all rows at once. A member's
-- purchases in one batch are taken in "rounds" (her 1st purchase by time in round 1, her
-- 2nd in round 2, ...): each round is a handful of set-based statements over every member
-- at once, and a later round sees what the earlier ones did (her tier, her categories, the
-- purchase at A that gives a cross-bonus at B). Refunds are rare and are reversed one by one
-- inside their round.
--
-- Every rate, multiplier, threshold and window is read from the rules in force at the
-- purchase's occurred_at (rules are joined once per batch, not called per row).

INSERT INTO rule_keys (key, unit, min_value, max_value, per_business, description) VALUES
  ('referral.reward',            'kopecks', 0, 10000000, false, 'Gift to the referrer when the invited member''s first purchase is recorded'),
  ('badge.collector.categories', 'count',   1, 9,        false, 'Distinct categories (lifetime) for Collector');
INSERT INTO rules (key, value, valid_from, changed_by, note) VALUES
  ('referral.reward',             50000, '-infinity', 'migration', 'pipeline default: 500 RUB'),
  ('badge.collector.categories',      9, '-infinity', 'migration', 'DESIGN.md default');

-- The latest club-wide ranking by rolling spend, refreshed by jobs_run(); the per-purchase
-- tier recompute reads her rank from here (top 1 % needs the whole club).
CREATE TABLE member_spend_ranking (
  member_id   uuid PRIMARY KEY REFERENCES members (id),
  spend_12m   bigint NOT NULL CHECK (spend_12m > 0),
  spend_rank  integer NOT NULL CHECK (spend_rank > 0),
  n_ranked    integer NOT NULL CHECK (n_ranked >= spend_rank),
  computed_at timestamptz NOT NULL
);

-- spend() idempotency: a replayed key returns the first call's result.
CREATE TABLE bonus_spends (
  idempotency_key text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  member_id       uuid NOT NULL REFERENCES members (id),
  business_id     uuid REFERENCES businesses (id),
  amount          bigint NOT NULL CHECK (amount > 0),
  outcome         text NOT NULL CHECK (outcome IN ('spent', 'insufficient')),
  spent           bigint NOT NULL CHECK (spent >= 0),
  available_after bigint NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- Each accrual (earned or gift) with what is left of it: its settlements (became_available,
-- spent, expired, reversed, debt_repaid) name it in accrual_id, so the remainders of all her
-- lots add up to her pending and available balances.
CREATE VIEW bonus_lots AS
  SELECT a.member_id, a.id AS accrual_id, a.kind, a.reason, a.purchase_id, a.created_at,
         a.available_at, a.expires_at, a.amount,
         (a.pending_delta + coalesce(sum(s.pending_delta), 0))::bigint AS pending_left,
         (a.available_delta + coalesce(sum(s.available_delta), 0))::bigint AS available_left
    FROM bonus_ledger a
    LEFT JOIN bonus_ledger s ON s.accrual_id = a.id AND s.member_id = a.member_id
   WHERE a.kind IN ('earned', 'gift')
   GROUP BY a.member_id, a.id, a.kind, a.reason, a.purchase_id, a.created_at, a.available_at,
            a.expires_at, a.amount, a.pending_delta, a.available_delta;

-- The tier from her figures (src/core/sk-tier.c sk_tier_compute), as a rank 0-4. Inlined
-- by the planner: one expression, no lookups.
CREATE FUNCTION tier_rank_from_figures (p_spend bigint, p_cats bigint, p_n bigint,
                                        p_rank bigint, p_n_ranked bigint,
                                        p_invited boolean, p_premium boolean,
                                        p_vip_spend bigint, p_vip_cats bigint,
                                        p_elite_spend bigint, p_elite_cats bigint,
                                        p_top_share bigint,
                                        p_ic_spend bigint, p_ic_cats bigint,
                                        p_premium_rank bigint)
RETURNS integer
LANGUAGE sql IMMUTABLE
AS $$
  SELECT CASE WHEN p_invited THEN 4 ELSE
    greatest(
      CASE
        WHEN p_n <= 0 THEN 0
        WHEN p_spend >= p_ic_spend AND p_cats >= p_ic_cats THEN 4
        WHEN (p_spend >= p_elite_spend AND p_cats >= p_elite_cats)
             OR (p_spend > 0 AND p_rank > 0 AND p_rank <= p_n_ranked AND p_top_share > 0
                 AND p_rank * 10000 <= p_n_ranked * p_top_share) THEN 3
        WHEN p_spend >= p_vip_spend AND p_cats >= p_vip_cats THEN 2
        ELSE 1
      END,
      CASE WHEN p_premium THEN least(greatest(p_premium_rank, 0), 4)::integer ELSE 0 END)
  END
$$;

-- The staging table of one call, private to the session and emptied at commit. Created by
-- the definer functions (the schema's owner may create temporary tables; staff may not, so
-- nobody can plant a look-alike in pg_temp).
CREATE FUNCTION pipeline_stage ()
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF to_regclass('pg_temp.sk_pipe') IS NULL THEN
    CREATE TEMP TABLE sk_pipe (
      ord            integer PRIMARY KEY,
      business_id    uuid,
      external_id    text,
      amount         bigint,
      occurred_at    timestamptz,
      source         text,
      phone_hash     bytea,
      member_in      uuid,
      category_in    text,
      involved_via   text,
      original_ext   text,
      integration_id bigint,
      coupon_code    text,
      coupon_id_in   uuid,
      outcome        text,
      sqlstate       text,
      reason         text,
      purchase_id    uuid,
      member_id      uuid,
      category       text,
      counted        text,
      orig_id        uuid,
      orig_amount    bigint,
      orig_ord       integer,
      coupon_id      uuid,
      round          integer,
      tier_before    text,
      premium        boolean,
      invited        boolean,
      rate_bp        bigint,
      newcat         boolean,
      newcat_bp      bigint,
      biz_bp         bigint,
      bonus          bigint NOT NULL DEFAULT 0,
      cross_bp       bigint,
      cross_bonus    bigint NOT NULL DEFAULT 0,
      budget         bigint NOT NULL DEFAULT 0,
      new_tier       text,
      badges         text[],
      -- The rules in force at occurred_at for this business.
      r jsonb
    ) ON COMMIT DELETE ROWS;
  ELSE
    TRUNCATE pg_temp.sk_pipe;
  END IF;
END
$$;

-- Debt repayment (refund policy, README "Rules decided here"): whatever is available pays
-- her debt back, FIFO over her lots (first to expire first). Called after anything that
-- makes bonuses available or creates debt.
CREATE FUNCTION ledger_repay_debt (p_members uuid[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  -- Internal: no group has EXECUTE; the pipeline and jobs_run() call it.
  WITH need AS (
    SELECT bb.member_id, least(bb.debt, bb.available) AS need
      FROM public.bonus_balances bb
     WHERE bb.member_id = ANY (p_members) AND bb.debt > 0 AND bb.available > 0
       FOR UPDATE
  ), lots AS (
    SELECT l.member_id, l.accrual_id, l.available_left, n.need,
           sum(l.available_left) OVER (PARTITION BY l.member_id
                                       ORDER BY l.expires_at, l.created_at, l.accrual_id) AS cum
      FROM public.bonus_lots l
      JOIN need n ON n.member_id = l.member_id
     WHERE l.available_left > 0
  )
  INSERT INTO public.bonus_ledger (member_id, kind, available_delta, debt_delta, accrual_id,
                                   reason)
  SELECT member_id, 'debt_repaid', -x, -x, accrual_id, 'refund_debt'
    FROM (SELECT member_id, accrual_id,
                 least(available_left, need - (cum - available_left)) AS x
            FROM lots
           WHERE cum - available_left < need) t
   WHERE x > 0;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;

-- Reverses the bonuses of one refund row of sk_pipe (step 9): for each accrual of the
-- original (cashback, cross-bonus) the cumulative proportional share
-- (src/core/sk-ledger.c sk_ledger_reversal), from that accrual's pending part first, then
-- its available part; what was already spent becomes debt, repaid from her available bonus
-- now and from later bonuses as they become available. The budget contribution is reversed
-- the same way.
CREATE FUNCTION pipeline_reverse (p_ord integer)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  x record;
  before bigint;
  acc record;
  rev bigint;
  from_p bigint;
  from_a bigint;
  contrib bigint;
BEGIN
  SELECT * INTO x FROM pg_temp.sk_pipe WHERE ord = p_ord;
  -- Earlier refunds of the same original (this one is already stored).
  SELECT coalesce(-sum(p.amount), 0) INTO before
    FROM public.purchases p
   WHERE p.original_purchase_id = x.orig_id AND p.id <> x.purchase_id;

  PERFORM 1 FROM public.bonus_balances WHERE member_id = x.member_id FOR UPDATE;

  FOR acc IN
    SELECT l.* FROM public.bonus_lots l
     WHERE l.purchase_id = x.orig_id AND l.member_id = x.member_id AND l.kind = 'earned'
     ORDER BY l.accrual_id
  LOOP
    rev := round(acc.amount::numeric * (before - x.amount) / x.orig_amount)
           - round(acc.amount::numeric * before / x.orig_amount);
    CONTINUE WHEN rev <= 0;
    from_p := least(rev, greatest(acc.pending_left, 0));
    from_a := least(rev - from_p, greatest(acc.available_left, 0));
    INSERT INTO public.bonus_ledger (member_id, kind, pending_delta, available_delta,
                                     debt_delta, purchase_id, accrual_id, reason)
    VALUES (x.member_id, 'reversed', -from_p, -from_a, rev - from_p - from_a,
            x.purchase_id, acc.accrual_id, acc.reason);
    IF acc.reason = 'cross_bonus' THEN
      UPDATE pg_temp.sk_pipe SET cross_bonus = cross_bonus - rev WHERE ord = p_ord;
    ELSE
      UPDATE pg_temp.sk_pipe SET bonus = bonus - rev WHERE ord = p_ord;
    END IF;
  END LOOP;

  SELECT c.amount_kopecks INTO contrib
    FROM public.events_budget_contributions c WHERE c.purchase_id = x.orig_id;
  IF contrib IS NOT NULL THEN
    rev := round(contrib::numeric * (before - x.amount) / x.orig_amount)
           - round(contrib::numeric * before / x.orig_amount);
    IF rev <> 0 THEN
      INSERT INTO public.events_budget_contributions (purchase_id, business_id, member_id,
                                                      amount_kopecks, month)
      VALUES (x.purchase_id, x.business_id, x.member_id, -rev,
              date_trunc('month', x.occurred_at AT TIME ZONE public.club_time_zone())::date);
      UPDATE pg_temp.sk_pipe SET budget = -rev WHERE ord = p_ord;
    END IF;
  END IF;

  PERFORM public.ledger_repay_debt(ARRAY[x.member_id]);
END
$$;

-- Steps 1-9 over every row of pg_temp.sk_pipe. Rows that cannot be recorded get outcome
-- 'rejected' with a SQLSTATE and a reason, and nothing of them is stored.
CREATE FUNCTION pipeline_process ()
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  tz text := public.club_time_zone();
  staff_business uuid;
  max_round integer;
  rnd integer;
  refund_ord integer;
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    staff_business := public.current_staff_business();
    IF staff_business IS NULL OR EXISTS (SELECT FROM pg_temp.sk_pipe
                                          WHERE business_id IS DISTINCT FROM staff_business) THEN
      RAISE EXCEPTION 'you may record purchases only for your own business'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;

  -- Validation, first reason wins.
  UPDATE pg_temp.sk_pipe x SET outcome = 'rejected', sqlstate = v.st, reason = v.why
    FROM (SELECT s.ord,
                 CASE
                   WHEN b.id IS NULL THEN '23503'
                   WHEN b.status = 'left' THEN '55000'
                   WHEN s.occurred_at IS NULL OR s.occurred_at > now() + interval '1 hour' THEN '22023'
                   WHEN s.amount IS NULL OR s.amount = 0 THEN '23514'
                   WHEN s.external_id IS NULL OR length(s.external_id) NOT BETWEEN 1 AND 200 THEN '23514'
                   WHEN s.source IS NULL OR s.source NOT IN ('partner', 'csv', 'manual', 'qr') THEN '23514'
                   WHEN s.involved_via NOT IN ('none', 'promo', 'cross_bonus', 'app_booking') THEN '23514'
                   WHEN (s.amount < 0) <> (s.original_ext IS NOT NULL) THEN '23514'
                   WHEN s.category_in IS NOT NULL
                        AND NOT EXISTS (SELECT FROM public.categories c WHERE c.code = s.category_in) THEN '23503'
                   WHEN s.member_in IS NOT NULL
                        AND NOT EXISTS (SELECT FROM public.members m
                                         WHERE m.id = s.member_in AND m.deleted_at IS NULL) THEN '23503'
                   WHEN s.amount < 0 AND s.coupon_code IS NOT NULL THEN '23514'
                 END AS st,
                 CASE
                   WHEN b.id IS NULL THEN 'unknown business'
                   WHEN b.status = 'left' THEN 'the business has left the club'
                   WHEN s.occurred_at IS NULL OR s.occurred_at > now() + interval '1 hour' THEN 'a purchase cannot be dated in the future'
                   WHEN s.amount IS NULL OR s.amount = 0 THEN 'the amount cannot be zero'
                   WHEN s.external_id IS NULL OR length(s.external_id) NOT BETWEEN 1 AND 200 THEN 'bad external id'
                   WHEN s.source IS NULL OR s.source NOT IN ('partner', 'csv', 'manual', 'qr') THEN 'unknown source'
                   WHEN s.involved_via NOT IN ('none', 'promo', 'cross_bonus', 'app_booking') THEN 'unknown involved-via'
                   WHEN (s.amount < 0) <> (s.original_ext IS NOT NULL) THEN 'a refund is negative and names its original'
                   WHEN s.category_in IS NOT NULL
                        AND NOT EXISTS (SELECT FROM public.categories c WHERE c.code = s.category_in) THEN 'unknown category'
                   WHEN s.member_in IS NOT NULL
                        AND NOT EXISTS (SELECT FROM public.members m
                                         WHERE m.id = s.member_in AND m.deleted_at IS NULL) THEN 'unknown member'
                   WHEN s.amount < 0 AND s.coupon_code IS NOT NULL THEN 'a refund cannot redeem a coupon'
                 END AS why
            FROM pg_temp.sk_pipe s
            LEFT JOIN public.businesses b ON b.id = s.business_id) v
   WHERE x.ord = v.ord AND v.st IS NOT NULL;

  -- 1. Idempotency: seen before, or earlier in this batch.
  UPDATE pg_temp.sk_pipe x SET outcome = 'duplicate', purchase_id = k.id
    FROM public.purchase_keys k
   WHERE x.outcome IS NULL AND k.business_id = x.business_id AND k.external_id = x.external_id;
  UPDATE pg_temp.sk_pipe x SET outcome = 'duplicate', orig_ord = f.first_ord
    FROM (SELECT business_id, external_id, min(ord) AS first_ord
            FROM pg_temp.sk_pipe WHERE outcome IS NULL
           GROUP BY business_id, external_id HAVING count(*) > 1) f
   WHERE x.outcome IS NULL AND x.business_id = f.business_id
     AND x.external_id = f.external_id AND x.ord > f.first_ord;

  -- Refunds: the original, stored or earlier in this batch.
  UPDATE pg_temp.sk_pipe x SET orig_id = p.id, orig_amount = p.amount, member_id = p.member_id
    FROM public.purchase_keys k
    JOIN public.purchases p ON p.id = k.id AND p.occurred_at = k.occurred_at
   WHERE x.outcome IS NULL AND x.amount < 0
     AND k.business_id = x.business_id AND k.external_id = x.original_ext;
  UPDATE pg_temp.sk_pipe x SET orig_ord = o.ord, orig_amount = o.amount
    FROM pg_temp.sk_pipe o
   WHERE x.outcome IS NULL AND x.amount < 0 AND x.orig_id IS NULL
     AND o.outcome IS NULL AND o.business_id = x.business_id AND o.external_id = x.original_ext
     AND o.ord < x.ord;
  UPDATE pg_temp.sk_pipe x
     SET outcome = 'rejected',
         sqlstate = CASE WHEN x.orig_amount IS NULL THEN '23503' ELSE '23514' END,
         reason = CASE WHEN x.orig_amount IS NULL THEN 'refund of an unknown purchase'
                       ELSE 'a refund cannot be refunded' END
   WHERE x.outcome IS NULL AND x.amount < 0 AND (x.orig_amount IS NULL OR x.orig_amount < 0);
  -- Refunds never exceed the original, counting earlier ones in this batch.
  PERFORM 1 FROM public.purchase_keys k
   WHERE k.id IN (SELECT orig_id FROM pg_temp.sk_pipe WHERE outcome IS NULL AND orig_id IS NOT NULL)
   ORDER BY k.id FOR UPDATE;
  UPDATE pg_temp.sk_pipe x SET outcome = 'rejected', sqlstate = '23514',
         reason = 'refunds would exceed the original purchase'
    FROM (SELECT s.ord,
                 s.orig_amount
                 + coalesce((SELECT sum(p.amount) FROM public.purchases p
                              WHERE s.orig_id IS NOT NULL AND p.original_purchase_id = s.orig_id), 0)
                 + sum(s.amount) OVER (PARTITION BY coalesce(s.orig_id::text, s.orig_ord::text)
                                       ORDER BY s.ord) AS left_after
            FROM pg_temp.sk_pipe s
           WHERE s.outcome IS NULL AND s.amount < 0) v
   WHERE x.ord = v.ord AND v.left_after < 0;

  -- 2. Who bought it: member id, else phone hash; a refund belongs to the original's buyer.
  UPDATE pg_temp.sk_pipe x SET member_id = coalesce(x.member_in, m.id)
    FROM (SELECT s.ord, m.id FROM pg_temp.sk_pipe s
            LEFT JOIN public.members m ON m.phone_hash = s.phone_hash AND m.deleted_at IS NULL
           WHERE s.outcome IS NULL AND s.amount > 0) m
   WHERE x.ord = m.ord;
  UPDATE pg_temp.sk_pipe x SET member_id = o.member_id
    FROM pg_temp.sk_pipe o
   WHERE x.outcome IS NULL AND x.amount < 0 AND x.orig_ord = o.ord;

  -- Coupons: by code, at this business, activated, not redeemed, before expiry, hers.
  UPDATE pg_temp.sk_pipe x
     SET coupon_id = c.id,
         outcome = CASE WHEN c.why IS NOT NULL THEN 'rejected' END,
         sqlstate = CASE WHEN c.why IS NOT NULL THEN c.st END,
         reason = c.why
    FROM (SELECT s.ord, cp.id,
                 CASE WHEN cp.id IS NULL OR cp.business_id <> s.business_id THEN '23503'
                      ELSE '55000' END AS st,
                 CASE
                   WHEN cp.id IS NULL OR cp.business_id <> s.business_id THEN 'unknown coupon'
                   WHEN cp.redeemed_at IS NOT NULL
                        OR row_number() OVER (PARTITION BY cp.id ORDER BY s.ord) > 1
                     THEN 'coupon already redeemed'
                   WHEN cp.expires_at IS NOT NULL AND s.occurred_at >= cp.expires_at THEN 'coupon expired'
                   WHEN cp.activated_at IS NULL THEN 'coupon not activated'
                   WHEN cp.member_id IS NOT NULL AND cp.member_id IS DISTINCT FROM s.member_id
                     THEN 'coupon issued to someone else'
                 END AS why
            FROM pg_temp.sk_pipe s
            LEFT JOIN public.coupons cp ON cp.code = s.coupon_code
           WHERE s.outcome IS NULL AND s.coupon_code IS NOT NULL) c
   WHERE x.ord = c.ord;
  -- A rejected original takes its batch refunds with it.
  UPDATE pg_temp.sk_pipe x SET outcome = 'rejected', sqlstate = '23503',
         reason = 'refund of an unknown purchase'
    FROM pg_temp.sk_pipe o
   WHERE x.outcome IS NULL AND x.orig_ord = o.ord AND o.outcome = 'rejected';

  -- Store the keys; a concurrent writer of the same key makes this row a duplicate.
  WITH k AS (
    INSERT INTO public.purchase_keys (business_id, external_id, occurred_at)
    SELECT business_id, external_id, occurred_at FROM pg_temp.sk_pipe
     WHERE outcome IS NULL ORDER BY ord
    ON CONFLICT (business_id, external_id) DO NOTHING
    RETURNING id, business_id, external_id
  )
  UPDATE pg_temp.sk_pipe x SET purchase_id = k.id
    FROM k WHERE x.outcome IS NULL AND x.business_id = k.business_id
     AND x.external_id = k.external_id;
  UPDATE pg_temp.sk_pipe x SET outcome = 'duplicate', purchase_id = k.id
    FROM public.purchase_keys k
   WHERE x.outcome IS NULL AND x.purchase_id IS NULL
     AND k.business_id = x.business_id AND k.external_id = x.external_id;
  UPDATE pg_temp.sk_pipe x SET purchase_id = o.purchase_id
    FROM pg_temp.sk_pipe o
   WHERE x.outcome = 'duplicate' AND x.purchase_id IS NULL AND x.orig_ord = o.ord;
  UPDATE pg_temp.sk_pipe x SET orig_id = o.purchase_id
    FROM pg_temp.sk_pipe o
   WHERE x.outcome IS NULL AND x.amount < 0 AND x.orig_id IS NULL AND x.orig_ord = o.ord;

  -- 3. What it is, and the rules in force at its time for its business.
  UPDATE pg_temp.sk_pipe x
     SET outcome = CASE WHEN x.member_id IS NULL THEN 'unmatched' ELSE 'recorded' END,
         category = CASE WHEN b.is_medical THEN 'medical_service'
                         ELSE coalesce(x.category_in, b.category) END,
         counted = b.category,
         involved_via = CASE WHEN x.coupon_id IS NOT NULL THEN 'promo'
                             ELSE coalesce(x.involved_via, 'none') END,
         phone_hash = CASE WHEN x.member_id IS NULL THEN x.phone_hash END
    FROM public.businesses b
   WHERE x.outcome IS NULL AND b.id = x.business_id;

  UPDATE pg_temp.sk_pipe x SET r = v.r
    FROM (SELECT ord, jsonb_object_agg(key, value) AS r
            FROM (SELECT DISTINCT ON (s.ord, ru.key) s.ord, ru.key, ru.value
                    FROM pg_temp.sk_pipe s
                    JOIN public.rules ru
                      ON ru.valid_from <= s.occurred_at
                     AND (ru.valid_to IS NULL OR ru.valid_to > s.occurred_at)
                     AND (ru.business_id IS NULL OR ru.business_id = s.business_id)
                   WHERE s.outcome = 'recorded'
                     AND (ru.key LIKE 'cashback.%' OR ru.key LIKE 'bonus.%'
                          OR ru.key LIKE 'tier.%' OR ru.key LIKE 'badge.%'
                          OR ru.key IN ('events_budget.contribution', 'premium.min_tier_rank',
                                        'referral.reward'))
                   ORDER BY s.ord, ru.key, ru.business_id IS NULL) t
           GROUP BY ord) v
   WHERE x.ord = v.ord;
  IF EXISTS (SELECT FROM pg_temp.sk_pipe WHERE outcome = 'recorded'
              AND (r IS NULL OR NOT r ?& ARRAY['cashback.rate.insider', 'cashback.rate.vip',
                   'cashback.rate.elite', 'cashback.rate.inner_circle',
                   'cashback.rate.premium_min', 'cashback.new_category.insider',
                   'cashback.new_category.vip_plus', 'cashback.new_category.window_months',
                   'cashback.business_multiplier', 'bonus.hold_days', 'bonus.expiry_months',
                   'tier.window_months', 'tier.vip.min_spend', 'tier.vip.min_categories',
                   'tier.elite.min_spend', 'tier.elite.min_categories', 'tier.elite.top_share',
                   'tier.inner_circle.min_spend', 'tier.inner_circle.min_categories',
                   'badge.collector.categories', 'badge.investor.lifetime_spend',
                   'badge.friend_of_club.referrals', 'events_budget.contribution',
                   'premium.min_tier_rank', 'referral.reward'])) THEN
    RAISE EXCEPTION 'a pipeline rule is not in force at a purchase''s time'
      USING ERRCODE = 'no_data_found';
  END IF;

  -- Her purchases in time order, one per round; unmatched ones all in round 1.
  UPDATE pg_temp.sk_pipe x SET round = v.rn
    FROM (SELECT ord, row_number() OVER (PARTITION BY coalesce(member_id, purchase_id)
                                         ORDER BY occurred_at, ord) AS rn
            FROM pg_temp.sk_pipe WHERE outcome IN ('recorded', 'unmatched')) v
   WHERE x.ord = v.ord;
  SELECT coalesce(max(round), 0) INTO max_round FROM pg_temp.sk_pipe;

  FOR rnd IN 1 .. max_round LOOP
    INSERT INTO public.purchases (id, occurred_at, business_id, member_id, customer_phone_hash,
                                  amount, original_purchase_id, category, source, involved_via,
                                  coupon_id, status, external_id, integration_id)
    SELECT purchase_id, occurred_at, business_id, member_id, phone_hash, amount, orig_id,
           category, source, involved_via, coupon_id, outcome, external_id, integration_id
      FROM pg_temp.sk_pipe
     WHERE round = rnd
     ORDER BY ord;

    UPDATE public.coupons c SET redeemed_at = now(), redeemed_purchase_id = x.purchase_id
      FROM pg_temp.sk_pipe x
     WHERE x.round = rnd AND x.coupon_id = c.id;

    -- Where she bought last before this business, for "customer sources".
    INSERT INTO public.business_customers AS bc
           (business_id, member_id, first_purchase_at, last_purchase_at, purchases_count,
            spent_kopecks, source_business_id)
    SELECT x.business_id, x.member_id, x.occurred_at, x.occurred_at,
           CASE WHEN x.amount > 0 THEN 1 ELSE 0 END, x.amount,
           (SELECT p.business_id FROM public.purchases p
             WHERE p.member_id = x.member_id AND p.business_id <> x.business_id
               AND p.occurred_at < x.occurred_at AND p.amount > 0
             ORDER BY p.occurred_at DESC LIMIT 1)
      FROM pg_temp.sk_pipe x
     WHERE x.round = rnd AND x.outcome = 'recorded'
    ON CONFLICT (business_id, member_id) DO UPDATE
       SET first_purchase_at = CASE WHEN EXCLUDED.spent_kopecks > 0
                                    THEN least(bc.first_purchase_at, EXCLUDED.first_purchase_at)
                                    ELSE bc.first_purchase_at END,
           last_purchase_at = CASE WHEN EXCLUDED.spent_kopecks > 0
                                   THEN greatest(bc.last_purchase_at, EXCLUDED.last_purchase_at)
                                   ELSE bc.last_purchase_at END,
           purchases_count = bc.purchases_count + EXCLUDED.purchases_count,
           spent_kopecks = bc.spent_kopecks + EXCLUDED.spent_kopecks;

    -- 4. Cashback at the tier in force before this purchase.
    UPDATE pg_temp.sk_pipe x
       SET tier_before = m.tier,
           invited = m.invited_inner_circle,
           premium = coalesce(m.premium_until > x.occurred_at, false),
           newcat = NOT EXISTS (
             SELECT FROM public.purchases p
               JOIN public.businesses pb ON pb.id = p.business_id
              WHERE p.member_id = x.member_id AND p.amount > 0 AND p.id <> x.purchase_id
                AND pb.category = x.counted
                AND p.occurred_at <= x.occurred_at
                AND (p.occurred_at AT TIME ZONE tz)
                    + make_interval(months => (x.r->>'cashback.new_category.window_months')::int)
                    > (x.occurred_at AT TIME ZONE tz)),
           biz_bp = coalesce(
             (SELECT c.multiplier_bp::bigint FROM public.business_campaigns c
               WHERE c.business_id = x.business_id
                 AND (x.occurred_at AT TIME ZONE tz)::date BETWEEN c.starts_on AND c.ends_on),
             (x.r->>'cashback.business_multiplier')::bigint),
           cross_bp = (
             SELECT max(cp.bonus_bp) FROM public.cross_promos cp
              WHERE cp.to_business_id = x.business_id
                AND cp.valid_from <= x.occurred_at
                AND (cp.valid_to IS NULL OR cp.valid_to > x.occurred_at)
                AND EXISTS (SELECT FROM public.purchases pa
                             WHERE pa.member_id = x.member_id
                               AND pa.business_id = cp.from_business_id AND pa.amount > 0
                               AND pa.occurred_at < x.occurred_at
                               AND pa.occurred_at >= x.occurred_at
                                                     - make_interval(days => cp.window_days)))
      FROM public.members m
     WHERE x.round = rnd AND x.outcome = 'recorded' AND x.amount > 0 AND m.id = x.member_id;

    UPDATE pg_temp.sk_pipe x
       SET rate_bp = v.rate, newcat_bp = v.nc,
           bonus = round(x.amount::numeric * v.rate * v.nc * x.biz_bp / 1000000000000)::bigint,
           cross_bonus = coalesce(round(x.amount::numeric * x.cross_bp / 10000)::bigint, 0),
           budget = round(x.amount::numeric * (x.r->>'events_budget.contribution')::bigint / 10000)::bigint
      FROM (SELECT s.ord,
                   CASE WHEN s.premium
                        THEN greatest(t.rate, (s.r->>'cashback.rate.premium_min')::bigint)
                        ELSE t.rate END AS rate,
                   CASE WHEN NOT s.newcat THEN 10000
                        WHEN t.eff >= 2 THEN (s.r->>'cashback.new_category.vip_plus')::bigint
                        ELSE (s.r->>'cashback.new_category.insider')::bigint END AS nc
              FROM pg_temp.sk_pipe s
              CROSS JOIN LATERAL (
                SELECT e.eff,
                       CASE e.eff
                         WHEN 2 THEN (s.r->>'cashback.rate.vip')::bigint
                         WHEN 3 THEN (s.r->>'cashback.rate.elite')::bigint
                         WHEN 4 THEN (s.r->>'cashback.rate.inner_circle')::bigint
                         ELSE (s.r->>'cashback.rate.insider')::bigint
                       END AS rate
                  FROM (SELECT greatest(tr.rank, 1,
                                        CASE WHEN s.premium
                                             THEN least((s.r->>'premium.min_tier_rank')::int, 4)
                                             ELSE 0 END) AS eff
                          FROM public.tiers tr WHERE tr.code = s.tier_before) e) t
             WHERE s.round = rnd AND s.outcome = 'recorded' AND s.amount > 0) v
     WHERE x.ord = v.ord;

    -- 5./6. Pending accruals, available after the hold, expiring a year after the purchase.
    INSERT INTO public.bonus_ledger (member_id, kind, pending_delta, purchase_id, available_at,
                                     expires_at, reason)
    SELECT x.member_id, 'earned', b.amt, x.purchase_id,
           ((x.occurred_at AT TIME ZONE tz)
             + make_interval(days => (x.r->>'bonus.hold_days')::int)) AT TIME ZONE tz,
           ((x.occurred_at AT TIME ZONE tz)
             + make_interval(months => (x.r->>'bonus.expiry_months')::int)) AT TIME ZONE tz,
           b.why
      FROM pg_temp.sk_pipe x
      CROSS JOIN LATERAL (VALUES (x.bonus, CASE WHEN x.newcat THEN 'new_category'
                                                ELSE 'cashback' END),
                                 (x.cross_bonus, 'cross_bonus')) b (amt, why)
     WHERE x.round = rnd AND x.outcome = 'recorded' AND x.amount > 0 AND b.amt > 0
     ORDER BY x.ord, b.why = 'cross_bonus';

    UPDATE public.purchases p SET involved_via = 'cross_bonus'
      FROM pg_temp.sk_pipe x
     WHERE x.round = rnd AND x.cross_bonus > 0 AND x.involved_via = 'none'
       AND p.id = x.purchase_id AND p.occurred_at = x.occurred_at;

    -- 7. Events budget.
    INSERT INTO public.events_budget_contributions (purchase_id, business_id, member_id,
                                                    amount_kopecks, month)
    SELECT purchase_id, business_id, member_id, budget,
           date_trunc('month', occurred_at AT TIME ZONE tz)::date
      FROM pg_temp.sk_pipe
     WHERE round = rnd AND outcome = 'recorded' AND amount > 0 AND budget <> 0;

    -- 9. Refunds of this round, one by one.
    FOR refund_ord IN SELECT ord FROM pg_temp.sk_pipe
                       WHERE round = rnd AND outcome = 'recorded' AND amount < 0 ORDER BY ord
    LOOP
      PERFORM public.pipeline_reverse(refund_ord);
    END LOOP;

    -- 8. Her tier after this purchase, from her window up to its time. A purchase only ever
    -- raises a tier; lowering is the daily recompute's (jobs_run), which sees the whole
    -- window at once.
    WITH fig AS (
      SELECT x.ord, x.member_id, x.r,
             coalesce(sum(p.amount) FILTER (WHERE p.occurred_at > w.since), 0)::bigint AS spend,
             count(DISTINCT pb.category) FILTER (WHERE p.occurred_at > w.since AND p.amount > 0
                                                 AND pb.category <> 'medical_service') AS cats,
             count(*) FILTER (WHERE p.amount > 0) AS n
        FROM pg_temp.sk_pipe x
        CROSS JOIN LATERAL (SELECT ((x.occurred_at AT TIME ZONE tz)
                                    - make_interval(months => (x.r->>'tier.window_months')::int))
                                   AT TIME ZONE tz AS since) w
        JOIN public.purchases p ON p.member_id = x.member_id AND p.occurred_at <= x.occurred_at
        JOIN public.businesses pb ON pb.id = p.business_id
       WHERE x.round = rnd AND x.outcome = 'recorded' AND x.amount > 0
       GROUP BY x.ord, x.member_id, x.r
    ), calc AS (
      SELECT f.ord, f.member_id, m.tier AS cur,
             (SELECT t.code FROM public.tiers t
               WHERE t.rank = greatest(cur_t.rank, public.tier_rank_from_figures(
                 f.spend, f.cats, f.n, coalesce(rk.spend_rank, 0), coalesce(rk.n_ranked, 0),
                 m.invited_inner_circle, coalesce(m.premium_until > now(), false),
                 (f.r->>'tier.vip.min_spend')::bigint, (f.r->>'tier.vip.min_categories')::bigint,
                 (f.r->>'tier.elite.min_spend')::bigint, (f.r->>'tier.elite.min_categories')::bigint,
                 (f.r->>'tier.elite.top_share')::bigint,
                 (f.r->>'tier.inner_circle.min_spend')::bigint,
                 (f.r->>'tier.inner_circle.min_categories')::bigint,
                 (f.r->>'premium.min_tier_rank')::bigint))) AS new
        FROM fig f
        JOIN public.members m ON m.id = f.member_id
        JOIN public.tiers cur_t ON cur_t.code = m.tier
        LEFT JOIN public.member_spend_ranking rk ON rk.member_id = f.member_id
    ), upd AS (
      UPDATE public.members m SET tier = c.new, tier_changed_at = now()
        FROM calc c
       WHERE m.id = c.member_id AND c.new <> c.cur
      RETURNING m.id, c.cur, c.new, c.ord
    ), hist AS (
      INSERT INTO public.tier_history (member_id, from_tier, to_tier, reason)
      SELECT id, cur, new, 'recompute' FROM upd
    )
    UPDATE pg_temp.sk_pipe x SET new_tier = u.new FROM upd u WHERE x.ord = u.ord;
  END LOOP;

  -- Referral reward: the referrer's gift when the invited member's first purchase is recorded.
  WITH firsts AS (
    SELECT DISTINCT ON (x.member_id) x.member_id, x.occurred_at, x.r
      FROM pg_temp.sk_pipe x
     WHERE x.outcome = 'recorded' AND x.amount > 0
     ORDER BY x.member_id, x.round
  ), q AS (
    UPDATE public.referrals rf SET qualified_at = f.occurred_at, rewarded_at = now()
      FROM firsts f
     WHERE rf.referred_id = f.member_id AND rf.qualified_at IS NULL
    RETURNING rf.referrer_id, rf.referred_id, (f.r->>'referral.reward')::bigint AS reward,
              (f.r->>'bonus.expiry_months')::int AS months
  )
  INSERT INTO public.bonus_ledger (member_id, kind, available_delta, expires_at, reason)
  SELECT referrer_id, 'gift', reward, now() + make_interval(months => months), 'referral'
    FROM q WHERE reward > 0;
  PERFORM public.ledger_repay_debt(array_agg(DISTINCT rf.referrer_id))
     FROM public.referrals rf
     JOIN pg_temp.sk_pipe x ON x.member_id = rf.referred_id AND x.outcome = 'recorded'
    WHERE rf.rewarded_at = now();

  -- Badges she has now (src/core/sk-badges.c), stored once, reported on her last row.
  WITH who AS (
    SELECT DISTINCT ON (x.member_id) x.member_id, x.ord, x.r
      FROM pg_temp.sk_pipe x WHERE x.outcome = 'recorded'
     ORDER BY x.member_id, x.round DESC
  ), referrers AS (
    SELECT DISTINCT rf.referrer_id AS member_id, NULL::integer AS ord, w.r
      FROM public.referrals rf JOIN who w ON w.member_id = rf.referred_id
     WHERE rf.qualified_at IS NOT NULL
  ), life AS (
    SELECT w.member_id, w.ord, w.r,
           array_agg(DISTINCT pb.category) FILTER (WHERE p.amount > 0) AS cats,
           coalesce(sum(p.amount), 0) AS spend
      FROM who w
      JOIN public.purchases p ON p.member_id = w.member_id
      JOIN public.businesses pb ON pb.id = p.business_id
     GROUP BY w.member_id, w.ord, w.r
  ), want AS (
    SELECT l.member_id, l.ord, 'category:' || c AS badge
      FROM life l CROSS JOIN LATERAL unnest(l.cats) c
    UNION ALL
    SELECT l.member_id, l.ord, 'collector' FROM life l
     WHERE cardinality(l.cats) >= (l.r->>'badge.collector.categories')::int
    UNION ALL
    SELECT l.member_id, l.ord, 'investor' FROM life l
     WHERE l.spend >= (l.r->>'badge.investor.lifetime_spend')::bigint
    UNION ALL
    SELECT r.member_id, NULL, 'friend_of_club' FROM referrers r
     WHERE (SELECT count(*) FROM public.referrals q
             WHERE q.referrer_id = r.member_id AND q.qualified_at IS NOT NULL)
           >= (r.r->>'badge.friend_of_club.referrals')::int
  ), ins AS (
    INSERT INTO public.member_badges (member_id, badge_code)
    SELECT DISTINCT member_id, badge FROM want
    ON CONFLICT DO NOTHING
    RETURNING member_id, badge_code
  )
  UPDATE pg_temp.sk_pipe x SET badges = v.b
    FROM (SELECT w.ord, array_agg(i.badge_code ORDER BY i.badge_code) AS b
            FROM ins i JOIN who w ON w.member_id = i.member_id
           GROUP BY w.ord) v
   WHERE x.ord = v.ord;

  -- Tell her (the outbox worker sends it; ids and figures only).
  INSERT INTO public.notification_outbox (member_id, channel, template, payload, dedup_key)
  SELECT member_id, 'push',
         CASE WHEN amount > 0 THEN 'purchase.recorded' ELSE 'purchase.refunded' END,
         jsonb_strip_nulls(jsonb_build_object('purchase_id', purchase_id, 'business_id', business_id,
                                              'bonus', bonus, 'cross_bonus', cross_bonus,
                                              'new_tier', new_tier, 'badges', badges)),
         'purchase:' || purchase_id
    FROM pg_temp.sk_pipe
   WHERE outcome = 'recorded'
  ON CONFLICT (dedup_key) DO NOTHING;
END
$$;

-- One purchase or refund (replaces the first version of 013-functions.sql, same parameters
-- plus p_coupon_code; the first two result columns are unchanged). A row that cannot be
-- recorded raises its SQLSTATE, as before; nothing of it is stored.
DROP FUNCTION record_purchase (uuid, text, bigint, timestamptz, text, bytea, uuid, text, text,
                               text, bigint, uuid);

CREATE FUNCTION record_purchase (p_business_id          uuid,
                                 p_external_id          text,
                                 p_amount               bigint,
                                 p_occurred_at          timestamptz,
                                 p_source               text,
                                 p_phone_hash           bytea DEFAULT NULL,
                                 p_member_id            uuid DEFAULT NULL,
                                 p_category             text DEFAULT NULL,
                                 p_involved_via         text DEFAULT 'none',
                                 p_original_external_id text DEFAULT NULL,
                                 p_integration_id       bigint DEFAULT NULL,
                                 p_coupon_id            uuid DEFAULT NULL,
                                 p_coupon_code          text DEFAULT NULL,
                                 OUT outcome            text,
                                 OUT purchase_id        uuid,
                                 OUT bonus              bigint,
                                 OUT cross_bonus        bigint,
                                 OUT budget             bigint,
                                 OUT new_tier           text,
                                 OUT badges             text[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  x record;
BEGIN
  PERFORM public.pipeline_stage();
  INSERT INTO pg_temp.sk_pipe (ord, business_id, external_id, amount, occurred_at, source,
                               phone_hash, member_in, category_in, involved_via, original_ext,
                               integration_id, coupon_code)
  VALUES (1, p_business_id, p_external_id, p_amount, p_occurred_at, p_source, p_phone_hash,
          p_member_id, p_category, coalesce(p_involved_via, 'none'), p_original_external_id,
          p_integration_id,
          coalesce(p_coupon_code, (SELECT c.code FROM public.coupons c WHERE c.id = p_coupon_id)));
  PERFORM public.pipeline_process();
  SELECT * INTO x FROM pg_temp.sk_pipe WHERE ord = 1;
  IF x.outcome = 'rejected' THEN
    RAISE EXCEPTION '%', x.reason USING ERRCODE = x.sqlstate;
  END IF;
  outcome := x.outcome;
  purchase_id := x.purchase_id;
  bonus := x.bonus;
  cross_bonus := x.cross_bonus;
  budget := x.budget;
  new_tier := x.new_tier;
  badges := coalesce(x.badges, '{}');
  TRUNCATE pg_temp.sk_pipe;
END
$$;

-- Many purchases at once, set-based (connectors, CSV). @p_rows is a JSON array of objects
-- with the keys of record_purchase's parameters without "p_": business_id, external_id,
-- amount, occurred_at, source, phone_hash (hex, 64 digits), member_id, category,
-- involved_via, original_external_id, integration_id, coupon_code. One result row per input
-- row, in input order (ord is the 1-based position); a bad row is 'rejected' with its
-- SQLSTATE and reason and does not stop the others.
CREATE FUNCTION record_purchase_batch (p_rows jsonb)
RETURNS TABLE (ord          integer,
               outcome      text,
               purchase_id  uuid,
               bonus        bigint,
               cross_bonus  bigint,
               budget       bigint,
               new_tier     text,
               badges       text[],
               sqlstate     text,
               reason       text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  IF p_rows IS NULL OR jsonb_typeof(p_rows) <> 'array' THEN
    RAISE EXCEPTION 'rows must be a JSON array' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM public.pipeline_stage();
  INSERT INTO pg_temp.sk_pipe (ord, business_id, external_id, amount, occurred_at, source,
                               phone_hash, member_in, category_in, involved_via, original_ext,
                               integration_id, coupon_code)
  SELECT t.n::integer, j.business_id, j.external_id, j.amount, j.occurred_at, j.source,
         CASE WHEN j.phone_hash ~ '^[0-9a-fA-F]{64}$' THEN decode(j.phone_hash, 'hex') END,
         j.member_id, j.category, coalesce(j.involved_via, 'none'), j.original_external_id,
         j.integration_id, j.coupon_code
    FROM jsonb_array_elements(p_rows) WITH ORDINALITY AS t (e, n)
    CROSS JOIN LATERAL jsonb_to_record(t.e) AS j (business_id uuid, external_id text,
                                                  amount bigint, occurred_at timestamptz,
                                                  source text, phone_hash text, member_id uuid,
                                                  category text, involved_via text,
                                                  original_external_id text,
                                                  integration_id bigint, coupon_code text);
  PERFORM public.pipeline_process();
  RETURN QUERY
    SELECT s.ord, s.outcome, s.purchase_id, s.bonus, s.cross_bonus, s.budget, s.new_tier,
           coalesce(s.badges, '{}'), s.sqlstate, s.reason
      FROM pg_temp.sk_pipe s ORDER BY s.ord;
  TRUNCATE pg_temp.sk_pipe;
END
$$;

-- Spends @p_amount of her available bonuses at @p_business_id, FIFO over her accruals (the
-- first to expire first). Never below zero: her balance row is locked, so concurrent spends
-- of one member queue up and each sees what the previous left. A replayed key returns the
-- first call's result and changes nothing. 'insufficient' spends nothing (and is kept as
-- the key's result too).
CREATE FUNCTION spend (p_member_id       uuid,
                       p_amount          bigint,
                       p_business_id     uuid,
                       p_idempotency_key text,
                       OUT outcome         text,
                       OUT spent           bigint,
                       OUT available_after bigint,
                       OUT replayed        boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  prev public.bonus_spends;
  live bigint;
  inserted text;
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    IF public.current_staff_business() IS DISTINCT FROM p_business_id THEN
      RAISE EXCEPTION 'bonuses are spent only at your own business'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF p_amount IS NULL OR p_amount <= 0 THEN
    RAISE EXCEPTION 'the amount to spend must be positive' USING ERRCODE = 'check_violation';
  END IF;
  IF p_idempotency_key IS NULL THEN
    RAISE EXCEPTION 'a spend needs an idempotency key' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  PERFORM 1 FROM public.bonus_balances WHERE member_id = p_member_id FOR UPDATE;

  SELECT * INTO prev FROM public.bonus_spends WHERE idempotency_key = p_idempotency_key;
  IF FOUND THEN
    IF prev.member_id <> p_member_id OR prev.amount <> p_amount THEN
      RAISE EXCEPTION 'idempotency key reused for another spend'
        USING ERRCODE = 'unique_violation';
    END IF;
    outcome := prev.outcome; spent := prev.spent;
    available_after := prev.available_after; replayed := true;
    RETURN;
  END IF;

  SELECT coalesce(sum(l.available_left), 0) INTO live
    FROM public.bonus_lots l
   WHERE l.member_id = p_member_id AND l.available_left > 0 AND l.expires_at > now();

  IF live < p_amount THEN
    outcome := 'insufficient';
    spent := 0;
  ELSE
    INSERT INTO public.bonus_ledger (member_id, kind, available_delta, accrual_id, reason)
    SELECT p_member_id, 'spent', -x, accrual_id, 'spend'
      FROM (SELECT accrual_id,
                   least(available_left, p_amount - (cum - available_left)) AS x
              FROM (SELECT l.accrual_id, l.available_left,
                           sum(l.available_left) OVER (ORDER BY l.expires_at, l.created_at,
                                                       l.accrual_id) AS cum
                      FROM public.bonus_lots l
                     WHERE l.member_id = p_member_id AND l.available_left > 0
                       AND l.expires_at > now()) c
             WHERE cum - available_left < p_amount) t
     WHERE x > 0
     ORDER BY accrual_id;
    outcome := 'spent';
    spent := p_amount;
  END IF;

  SELECT coalesce((SELECT available FROM public.bonus_balances WHERE member_id = p_member_id), 0)
    INTO available_after;
  replayed := false;

  INSERT INTO public.bonus_spends (idempotency_key, member_id, business_id, amount, outcome,
                                   spent, available_after)
  VALUES (p_idempotency_key, p_member_id, p_business_id, p_amount, outcome, spent,
          available_after)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING idempotency_key INTO inserted;
  IF inserted IS NULL THEN
    -- A concurrent call with the same key won (she had no balance row to queue on).
    RAISE EXCEPTION 'concurrent spend with the same key; retry' USING ERRCODE = 'serialization_failure';
  END IF;
END
$$;

-- Her accruals expiring within @p_within of @p_now, with what is left of each.
CREATE FUNCTION bonus_expiring_soon (p_member_id uuid,
                                     p_within    interval DEFAULT '30 days',
                                     p_now       timestamptz DEFAULT now())
RETURNS TABLE (accrual_id bigint, amount_left bigint, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT l.accrual_id, l.pending_left + l.available_left, l.expires_at
    FROM public.bonus_lots l
   WHERE l.member_id = p_member_id
     AND l.pending_left + l.available_left > 0
     AND l.expires_at > p_now AND l.expires_at <= p_now + p_within
   ORDER BY l.expires_at, l.accrual_id
$$;

-- The periodic ledger and tier work, as of @p_now (the service's scheduler and
-- `svoikrugd jobs run-once`): release accruals whose hold is over, expire the unspent rest
-- of accruals a year old, repay refund debt from what became available, refresh the
-- club-wide spend ranking and recompute every member's tier (which may lower it, except an
-- invitation; Premium keeps at least VIP).
CREATE FUNCTION jobs_run (p_now timestamptz DEFAULT now(),
                          OUT released      bigint,
                          OUT expired       bigint,
                          OUT debt_repaid   bigint,
                          OUT tiers_changed bigint,
                          OUT ranked        bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  tz text := public.club_time_zone();
  since timestamptz;
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    RAISE EXCEPTION 'only the service and admins run jobs' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- One run at a time across every svoikrugd instance.
  PERFORM pg_advisory_xact_lock(hashtextextended('svoikrug:jobs_run', 0));

  INSERT INTO public.bonus_ledger (member_id, kind, pending_delta, available_delta, accrual_id,
                                   reason)
  SELECT l.member_id, 'became_available', -l.pending_left, l.pending_left, l.accrual_id, l.reason
    FROM public.bonus_lots l
   WHERE l.kind = 'earned' AND l.available_at <= p_now AND l.pending_left > 0
   ORDER BY l.member_id, l.accrual_id;
  GET DIAGNOSTICS released = ROW_COUNT;

  INSERT INTO public.bonus_ledger (member_id, kind, available_delta, accrual_id, reason)
  SELECT l.member_id, 'expired', -l.available_left, l.accrual_id, l.reason
    FROM public.bonus_lots l
   WHERE l.expires_at <= p_now AND l.available_left > 0
   ORDER BY l.member_id, l.accrual_id;
  GET DIAGNOSTICS expired = ROW_COUNT;

  debt_repaid := public.ledger_repay_debt(
    ARRAY(SELECT member_id FROM public.bonus_balances WHERE debt > 0 AND available > 0));

  since := ((p_now AT TIME ZONE tz)
            - make_interval(months => public.rule_value('tier.window_months', NULL, p_now)::int))
           AT TIME ZONE tz;

  DELETE FROM public.member_spend_ranking;
  INSERT INTO public.member_spend_ranking (member_id, spend_12m, spend_rank, n_ranked, computed_at)
  SELECT member_id, spend::bigint, rank() OVER (ORDER BY spend DESC), count(*) OVER (), p_now
    FROM (SELECT p.member_id, sum(p.amount) AS spend
            FROM public.purchases p
           WHERE p.member_id IS NOT NULL AND p.occurred_at > since AND p.occurred_at <= p_now
           GROUP BY p.member_id) s
   WHERE spend > 0;
  GET DIAGNOSTICS ranked = ROW_COUNT;

  WITH fig AS (
    SELECT m.id, m.tier, m.invited_inner_circle AS invited,
           coalesce(m.premium_until > p_now, false) AS premium,
           coalesce(a.spend, 0)::bigint AS spend, coalesce(a.cats, 0) AS cats, coalesce(a.n, 0) AS n
      FROM public.members m
      LEFT JOIN (SELECT p.member_id,
                        sum(p.amount) FILTER (WHERE p.occurred_at > since) AS spend,
                        count(DISTINCT b.category) FILTER (WHERE p.occurred_at > since
                                                           AND p.amount > 0) AS cats,
                        count(*) FILTER (WHERE p.amount > 0) AS n
                   FROM public.purchases p
                   JOIN public.businesses b ON b.id = p.business_id
                  WHERE p.member_id IS NOT NULL AND p.occurred_at <= p_now
                  GROUP BY p.member_id) a ON a.member_id = m.id
     WHERE m.deleted_at IS NULL
  ), calc AS (
    SELECT f.id, f.tier AS cur, t.code AS new,
           f.premium AND t.rank = public.rule_value('premium.min_tier_rank', NULL, p_now)
             AND public.tier_rank_from_figures(f.spend, f.cats, f.n, coalesce(rk.spend_rank, 0),
                   coalesce(rk.n_ranked, 0), f.invited, false,
                   v.vip_s, v.vip_c, v.el_s, v.el_c, v.top, v.ic_s, v.ic_c, v.prem) < t.rank
             AS by_premium
      FROM fig f
      LEFT JOIN public.member_spend_ranking rk ON rk.member_id = f.id
      CROSS JOIN (SELECT public.rule_value('tier.vip.min_spend', NULL, p_now) AS vip_s,
                         public.rule_value('tier.vip.min_categories', NULL, p_now) AS vip_c,
                         public.rule_value('tier.elite.min_spend', NULL, p_now) AS el_s,
                         public.rule_value('tier.elite.min_categories', NULL, p_now) AS el_c,
                         public.rule_value('tier.elite.top_share', NULL, p_now) AS top,
                         public.rule_value('tier.inner_circle.min_spend', NULL, p_now) AS ic_s,
                         public.rule_value('tier.inner_circle.min_categories', NULL, p_now) AS ic_c,
                         public.rule_value('premium.min_tier_rank', NULL, p_now) AS prem) v
      JOIN public.tiers t
        ON t.rank = public.tier_rank_from_figures(f.spend, f.cats, f.n,
                      coalesce(rk.spend_rank, 0), coalesce(rk.n_ranked, 0), f.invited,
                      f.premium, v.vip_s, v.vip_c, v.el_s, v.el_c, v.top, v.ic_s, v.ic_c, v.prem)
  ), upd AS (
    UPDATE public.members m SET tier = c.new, tier_changed_at = now()
      FROM calc c WHERE m.id = c.id AND c.new <> c.cur
    RETURNING m.id, c.cur, c.new, c.by_premium
  ), hist AS (
    INSERT INTO public.tier_history (member_id, from_tier, to_tier, reason)
    SELECT id, cur, new, CASE WHEN by_premium THEN 'premium' ELSE 'recompute' END FROM upd
    RETURNING 1
  )
  SELECT count(*) INTO tiers_changed FROM hist;
END
$$;

-- Her tier (raised only) and category badges from her purchases as of now; used when
-- history arrives without the pipeline (linking unmatched purchases).
CREATE FUNCTION member_refresh_standing (p_member_id uuid)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  tz text := public.club_time_zone();
  since timestamptz;
  m public.members;
  spend bigint;
  cats bigint;
  n bigint;
  rk public.member_spend_ranking;
  new_rank integer;
  new_code text;
BEGIN
  SELECT * INTO m FROM public.members WHERE id = p_member_id FOR UPDATE;
  since := ((now() AT TIME ZONE tz)
            - make_interval(months => public.rule_value('tier.window_months')::int)) AT TIME ZONE tz;
  SELECT coalesce(sum(p.amount) FILTER (WHERE p.occurred_at > since), 0),
         count(DISTINCT b.category) FILTER (WHERE p.occurred_at > since AND p.amount > 0),
         count(*) FILTER (WHERE p.amount > 0)
    INTO spend, cats, n
    FROM public.purchases p JOIN public.businesses b ON b.id = p.business_id
   WHERE p.member_id = p_member_id;
  SELECT * INTO rk FROM public.member_spend_ranking WHERE member_id = p_member_id;
  new_rank := public.tier_rank_from_figures(spend, cats, n, coalesce(rk.spend_rank, 0),
                coalesce(rk.n_ranked, 0), m.invited_inner_circle,
                coalesce(m.premium_until > now(), false),
                public.rule_value('tier.vip.min_spend'), public.rule_value('tier.vip.min_categories'),
                public.rule_value('tier.elite.min_spend'), public.rule_value('tier.elite.min_categories'),
                public.rule_value('tier.elite.top_share'),
                public.rule_value('tier.inner_circle.min_spend'),
                public.rule_value('tier.inner_circle.min_categories'),
                public.rule_value('premium.min_tier_rank'));
  SELECT t.code INTO new_code FROM public.tiers t
   WHERE t.rank = greatest(new_rank, (SELECT rank FROM public.tiers WHERE code = m.tier));
  IF new_code <> m.tier THEN
    UPDATE public.members SET tier = new_code, tier_changed_at = now() WHERE id = p_member_id;
    INSERT INTO public.tier_history (member_id, from_tier, to_tier, reason)
    VALUES (p_member_id, m.tier, new_code, 'recompute');
  END IF;

  INSERT INTO public.member_badges (member_id, badge_code)
  SELECT DISTINCT p_member_id, 'category:' || b.category
    FROM public.purchases p JOIN public.businesses b ON b.id = p.business_id
   WHERE p.member_id = p_member_id AND p.amount > 0
  ON CONFLICT DO NOTHING;
END
$$;

-- Registration: her purchases kept as unmatched under her phone become hers. Policy (README
-- "Rules decided here"): they count for her tier, badges and the partners' analytics, but
-- earn no bonus retroactively: bonuses are for purchases made as a member. Returns how many
-- were linked.
CREATE FUNCTION link_unmatched (p_member_id uuid)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  m public.members;
  n integer;
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    RAISE EXCEPTION 'only the service and admins link purchases'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO m FROM public.members WHERE id = p_member_id AND deleted_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown member' USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO public.member_badges (member_id, badge_code) VALUES (p_member_id, 'first_comer')
  ON CONFLICT DO NOTHING;
  IF m.phone_hash IS NULL THEN
    RETURN 0;
  END IF;

  UPDATE public.purchases p
     SET member_id = p_member_id, status = 'recorded', customer_phone_hash = NULL,
         matched_at = now()
   WHERE p.status = 'unmatched' AND p.customer_phone_hash = m.phone_hash;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RETURN 0;
  END IF;

  INSERT INTO public.business_customers AS bc
         (business_id, member_id, first_purchase_at, last_purchase_at, purchases_count,
          spent_kopecks)
  SELECT business_id, p_member_id,
         coalesce(min(occurred_at) FILTER (WHERE amount > 0), min(occurred_at)),
         coalesce(max(occurred_at) FILTER (WHERE amount > 0), max(occurred_at)),
         count(*) FILTER (WHERE amount > 0), sum(amount)
    FROM public.purchases
   WHERE member_id = p_member_id AND matched_at = now()
   GROUP BY business_id
  ON CONFLICT (business_id, member_id) DO UPDATE
     SET first_purchase_at = least(bc.first_purchase_at, EXCLUDED.first_purchase_at),
         last_purchase_at = greatest(bc.last_purchase_at, EXCLUDED.last_purchase_at),
         purchases_count = bc.purchases_count + EXCLUDED.purchases_count,
         spent_kopecks = bc.spent_kopecks + EXCLUDED.spent_kopecks;

  -- Her tier and category badges from the linked history (never lowered here).
  PERFORM public.member_refresh_standing(p_member_id);
  RETURN n;
END
$$;

-- Who may call what (014-privileges.sql's principles: nothing for PUBLIC, each grant
-- deliberate). The helpers run only inside the pipeline.
REVOKE EXECUTE ON FUNCTION pipeline_stage (), pipeline_process (), pipeline_reverse (integer),
                           ledger_repay_debt (uuid[]), member_refresh_standing (uuid),
                           tier_rank_from_figures (bigint, bigint, bigint, bigint, bigint,
                                                   boolean, boolean, bigint, bigint, bigint,
                                                   bigint, bigint, bigint, bigint, bigint)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    record_purchase (uuid, text, bigint, timestamptz, text, bytea, uuid, text, text, text,
                     bigint, uuid, text),
    record_purchase_batch (jsonb),
    spend (uuid, bigint, uuid, text)
  TO platform_admin, business_manager, svoikrug_service;
GRANT EXECUTE ON FUNCTION
    jobs_run (timestamptz),
    link_unmatched (uuid),
    bonus_expiring_soon (uuid, interval, timestamptz)
  TO platform_admin, svoikrug_service;
GRANT SELECT ON member_spend_ranking, bonus_spends, bonus_lots TO platform_admin, svoikrug_service;
