-- SPDX-License-Identifier: GPL-3.0-or-later
-- The pipeline, revised (015 and 016 stay as applied).
-- Coupons: redeemed by their code or by the activation code the member was shown, only while
-- that activation is valid, and exactly once even when two purchases race for one coupon (the
-- coupon rows are locked before they are checked); a bonus coupon credits its value to her
-- bonus balance, available at once.
-- Scale: what grew with the size of the club, or cost a trigger call per row:
-- * balances follow the ledger once per statement (a transition table), not once per row;
-- * the outbox wakes its worker once per statement, not once per message;
-- * debt repayment looks at the lots of the members in debt only, not at the whole ledger
--   (a join to bonus_lots aggregated every accrual there is), and returns at once when
--   nobody is in debt;
-- * badges read her categories and lifetime spend from business_customers, not from all
--   her purchases;
-- * the planner is told that index look-ups are cheap (see pipeline_process).

CREATE FUNCTION bonus_ledger_apply_statement ()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  -- Zeros first (they pass the CHECKs), then each member's deltas summed: the balances end
  -- where a row at a time would have left them, and the CHECKs still refuse a negative one.
  INSERT INTO public.bonus_balances (member_id)
  SELECT DISTINCT member_id FROM new_entries
  ON CONFLICT (member_id) DO NOTHING;
  UPDATE public.bonus_balances b
     SET pending    = b.pending + d.pending,
         available  = b.available + d.available,
         debt       = b.debt + d.debt,
         updated_at = now()
    FROM (SELECT member_id, sum(pending_delta) AS pending, sum(available_delta) AS available,
                 sum(debt_delta) AS debt
            FROM new_entries GROUP BY member_id) d
   WHERE b.member_id = d.member_id;
  RETURN NULL;
END
$$;

DROP TRIGGER bonus_ledger_apply ON bonus_ledger;
DROP FUNCTION bonus_ledger_apply ();
CREATE TRIGGER bonus_ledger_apply
  AFTER INSERT ON bonus_ledger
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION bonus_ledger_apply_statement();

-- The worker reads what is due from the table; the notification only wakes it.
CREATE FUNCTION notification_outbox_notify_statement ()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  PERFORM pg_notify('svoikrug_outbox', '');
  RETURN NULL;
END
$$;

DROP TRIGGER notification_outbox_notify ON notification_outbox;
DROP FUNCTION notification_outbox_notify ();
CREATE TRIGGER notification_outbox_notify
  AFTER INSERT ON notification_outbox
  FOR EACH STATEMENT EXECUTE FUNCTION notification_outbox_notify_statement();

-- One member's lots (bonus_lots for her alone). Plain SQL, so the planner inlines it into a
-- lateral join and reads her ledger rows by index.
CREATE FUNCTION member_bonus_lots (p_member_id uuid)
RETURNS SETOF bonus_lots
LANGUAGE sql STABLE
AS $$
  SELECT * FROM public.bonus_lots l WHERE l.member_id = p_member_id
$$;

CREATE OR REPLACE FUNCTION ledger_repay_debt (p_members uuid[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  IF coalesce(cardinality(p_members), 0) = 0 THEN
    RETURN 0;
  END IF;
  WITH need AS (
    SELECT bb.member_id, least(bb.debt, bb.available) AS need
      FROM public.bonus_balances bb
     WHERE bb.member_id = ANY (p_members) AND bb.debt > 0 AND bb.available > 0
       FOR UPDATE
  ), lots AS (
    SELECT l.member_id, l.accrual_id, l.available_left, n.need,
           sum(l.available_left) OVER (PARTITION BY l.member_id
                                       ORDER BY l.expires_at, l.created_at, l.accrual_id) AS cum
      FROM need n
      CROSS JOIN LATERAL public.member_bonus_lots(n.member_id) l
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


CREATE OR REPLACE FUNCTION pipeline_process ()
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
-- Its statements are many and short; JIT-compiling them (their estimated cost is high
-- because every month's partition is a candidate until run-time pruning) took seconds.
SET jit = off
-- A batch is small against the club's tables, which stay in memory: with the default
-- (disk-era) random_page_cost the planner hashed all of members, purchase_keys and
-- business_customers for every batch, so each batch grew slower with the club.
SET random_page_cost = 1.1
AS $$
DECLARE
  tz text := public.club_time_zone();
  staff_business uuid;
  max_round integer;
  rnd integer;
  refund_ord integer;
  changes timestamptz[];
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    staff_business := public.current_staff_business();
    IF staff_business IS NULL OR EXISTS (SELECT FROM pg_temp.sk_pipe
                                          WHERE business_id IS DISTINCT FROM staff_business) THEN
      RAISE EXCEPTION 'you may record purchases only for your own business'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;

  -- The planner needs to know how many rows there are (hash joins, not nested loops).
  ANALYZE pg_temp.sk_pipe;

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

  -- Coupons: by code, at this business, activated, not redeemed, before expiry, hers. Locked
  -- first, so that a purchase racing this one for the same coupon sees it redeemed.
  PERFORM 1 FROM public.coupons cp
   WHERE cp.code IN (SELECT coupon_code FROM pg_temp.sk_pipe WHERE outcome IS NULL)
      OR cp.activation_code IN (SELECT coupon_code FROM pg_temp.sk_pipe WHERE outcome IS NULL)
   ORDER BY cp.id FOR UPDATE;
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
                   WHEN s.coupon_code = cp.activation_code
                        AND s.occurred_at >= cp.activation_valid_until THEN 'activation expired'
                   WHEN cp.member_id IS NOT NULL AND cp.member_id IS DISTINCT FROM s.member_id
                     THEN 'coupon issued to someone else'
                 END AS why
            FROM pg_temp.sk_pipe s
            LEFT JOIN LATERAL (
              SELECT * FROM public.coupons c1 WHERE c1.code = s.coupon_code
              UNION ALL
              SELECT * FROM public.coupons c2 WHERE c2.activation_code = s.coupon_code
              LIMIT 1) cp ON true
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

  -- Rows between the same two rule changes of the same business share their rules: look
  -- them up once per such group (a handful per batch), not once per row.
  SELECT coalesce(array_agg(t ORDER BY t), '{}') INTO changes
    FROM (SELECT valid_from AS t FROM public.rules WHERE valid_from > '-infinity'
          UNION
          SELECT valid_to FROM public.rules WHERE valid_to IS NOT NULL) c;
  WITH g AS (
    SELECT business_id, width_bucket(occurred_at, changes) AS bucket, min(occurred_at) AS at
      FROM pg_temp.sk_pipe WHERE outcome = 'recorded'
     GROUP BY 1, 2
  ), gr AS (
    SELECT g.business_id, g.bucket, jsonb_object_agg(t.key, t.value) AS r
      FROM g
      CROSS JOIN LATERAL (
        SELECT DISTINCT ON (ru.key) ru.key, ru.value
          FROM public.rules ru
         WHERE ru.valid_from <= g.at
           AND (ru.valid_to IS NULL OR ru.valid_to > g.at)
           AND (ru.business_id IS NULL OR ru.business_id = g.business_id)
           AND (ru.key LIKE 'cashback.%' OR ru.key LIKE 'bonus.%'
                OR ru.key LIKE 'tier.%' OR ru.key LIKE 'badge.%'
                OR ru.key IN ('events_budget.contribution', 'premium.min_tier_rank',
                              'referral.reward'))
         ORDER BY ru.key, ru.business_id IS NULL) t
     GROUP BY g.business_id, g.bucket
  )
  UPDATE pg_temp.sk_pipe x SET r = gr.r
    FROM gr
   WHERE x.outcome = 'recorded' AND x.business_id = gr.business_id
     AND width_bucket(x.occurred_at, changes) = gr.bucket;
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
  ANALYZE pg_temp.sk_pipe;

  FOR rnd IN 1 .. max_round LOOP
    INSERT INTO public.purchases (id, occurred_at, business_id, member_id, customer_phone_hash,
                                  amount, original_purchase_id, category, source, involved_via,
                                  coupon_id, status, external_id, integration_id)
    SELECT purchase_id, occurred_at, business_id, member_id, phone_hash, amount, orig_id,
           category, source, involved_via, coupon_id, outcome, external_id, integration_id
      FROM pg_temp.sk_pipe
     WHERE round = rnd
     ORDER BY ord;

    WITH redeemed AS (
      UPDATE public.coupons c SET redeemed_at = now(), redeemed_purchase_id = x.purchase_id
        FROM pg_temp.sk_pipe x
       WHERE x.round = rnd AND x.coupon_id = c.id
      RETURNING c.type, c.value_kopecks, x.member_id, x.purchase_id, x.r
    )
    INSERT INTO public.bonus_ledger (member_id, kind, available_delta, purchase_id, expires_at,
                                     reason)
    SELECT member_id, 'gift', value_kopecks, purchase_id,
           now() + make_interval(months => (r->>'bonus.expiry_months')::int), 'coupon'
      FROM redeemed
     WHERE type = 'bonus' AND value_kopecks > 0 AND member_id IS NOT NULL;
    PERFORM public.ledger_repay_debt(array_agg(DISTINCT x.member_id))
       FROM pg_temp.sk_pipe x JOIN public.coupons c ON c.id = x.coupon_id
      WHERE x.round = rnd AND c.type = 'bonus' AND x.member_id IS NOT NULL;

    -- Where she bought last before this business, for "customer sources".
    INSERT INTO public.business_customers AS bc
           (business_id, member_id, first_purchase_at, last_purchase_at, purchases_count,
            spent_kopecks, source_business_id)
    SELECT x.business_id, x.member_id, x.occurred_at, x.occurred_at,
           CASE WHEN x.amount > 0 THEN 1 ELSE 0 END, x.amount,
           CASE WHEN NOT EXISTS (SELECT FROM public.business_customers c
                                  WHERE c.business_id = x.business_id
                                    AND c.member_id = x.member_id) THEN
           (SELECT p.business_id FROM public.purchases p
             WHERE p.member_id = x.member_id AND p.business_id <> x.business_id
               AND p.occurred_at < x.occurred_at AND p.amount > 0
               AND p.occurred_at > x.occurred_at - interval '13 months'
             ORDER BY p.occurred_at DESC LIMIT 1) END
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
                AND p.occurred_at > x.occurred_at
                    - make_interval(months => (x.r->>'cashback.new_category.window_months')::int + 1)
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
             coalesce(sum(p.amount), 0)::bigint AS spend,
             count(DISTINCT pb.category) FILTER (WHERE p.amount > 0) AS cats,
             1 AS n   -- this purchase
        FROM pg_temp.sk_pipe x
        CROSS JOIN LATERAL (SELECT ((x.occurred_at AT TIME ZONE tz)
                                    - make_interval(months => (x.r->>'tier.window_months')::int))
                                   AT TIME ZONE tz AS since) w
        JOIN public.purchases p ON p.member_id = x.member_id AND p.occurred_at <= x.occurred_at
                               AND p.occurred_at > w.since
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

  -- Badges she has now (src/core/sk-badges.c), stored once, reported on her last row. Her
  -- categories and lifetime spend come from business_customers, kept by this pipeline and
  -- by link_unmatched(), not from a scan of all her purchases.
  WITH who AS (
    -- The three thresholds, not the whole rules document: it is sorted and grouped below.
    SELECT DISTINCT ON (x.member_id) x.member_id, x.ord,
           (x.r->>'badge.collector.categories')::int AS collector_categories,
           (x.r->>'badge.investor.lifetime_spend')::bigint AS investor_spend,
           (x.r->>'badge.friend_of_club.referrals')::int AS friend_referrals
      FROM pg_temp.sk_pipe x WHERE x.outcome = 'recorded'
     ORDER BY x.member_id, x.round DESC
  ), referrers AS (
    SELECT DISTINCT rf.referrer_id AS member_id, w.friend_referrals
      FROM public.referrals rf JOIN who w ON w.member_id = rf.referred_id
     WHERE rf.qualified_at IS NOT NULL
  ), life AS (
    SELECT w.member_id, w.collector_categories, w.investor_spend,
           array_agg(DISTINCT pb.category) FILTER (WHERE bc.purchases_count > 0) AS cats,
           coalesce(sum(bc.spent_kopecks), 0) AS spend
      FROM who w
      JOIN public.business_customers bc ON bc.member_id = w.member_id
      JOIN public.businesses pb ON pb.id = bc.business_id
     GROUP BY w.member_id, w.collector_categories, w.investor_spend
  ), want AS (
    SELECT l.member_id, 'category:' || c AS badge
      FROM life l CROSS JOIN LATERAL unnest(l.cats) c
    UNION ALL
    SELECT l.member_id, 'collector' FROM life l
     WHERE cardinality(l.cats) >= l.collector_categories
    UNION ALL
    SELECT l.member_id, 'investor' FROM life l WHERE l.spend >= l.investor_spend
    UNION ALL
    SELECT r.member_id, 'friend_of_club' FROM referrers r
     WHERE (SELECT count(*) FROM public.referrals q
             WHERE q.referrer_id = r.member_id AND q.qualified_at IS NOT NULL)
           >= r.friend_referrals
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

REVOKE EXECUTE ON FUNCTION member_bonus_lots (uuid) FROM PUBLIC;
