-- SPDX-License-Identifier: GPL-3.0-or-later
-- Purchases, partitioned by month, with their idempotency keys in a small unpartitioned table.
--
-- Why partitioned (DESIGN.md "Growing past one machine"): history grows without slowing
-- today's writes, old months can be detached or moved, and analytics over a date range read
-- only the months it covers. A partitioned table cannot carry a UNIQUE constraint that leaves
-- out the partition key, so UNIQUE (business_id, external_id) lives in purchase_keys, which
-- also gives every purchase a global id that other tables can reference with a real foreign
-- key (the ledger, refunds, events budget, coupons). purchase_keys is narrow (ids, a short
-- text and a time) and indexed on exactly what the pipeline looks up.
--
-- Medical secrecy: a purchase has no description, service name, items or raw payload
-- column, on purpose. Nothing a partner sends beyond date, amount, category and hashed
-- customer id can be stored here.

CREATE TABLE purchase_keys (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  business_id uuid NOT NULL REFERENCES businesses (id),
  -- The partner's id of the sale (connectors prefix it with system and account); Studio
  -- manual and QR entries send a client-made UUID so that a retried request is a duplicate.
  external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
  occurred_at timestamptz NOT NULL,       -- locates the purchase's partition
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (business_id, external_id)
);

CREATE TABLE purchases (
  id                   uuid NOT NULL REFERENCES purchase_keys (id),
  occurred_at          timestamptz NOT NULL,
  business_id          uuid NOT NULL REFERENCES businesses (id),
  -- NULL while unmatched: nobody with this phone has joined yet.
  member_id            uuid REFERENCES members (id),
  -- The customer's phone HMAC (as members.phone_hash), kept so an unmatched purchase can be
  -- matched when she joins. NULL when the partner sent no usable phone.
  customer_phone_hash  bytea CHECK (length(customer_phone_hash) = 32),
  -- Kopecks; a refund or cancellation is a negative row referencing the original.
  amount               bigint NOT NULL CHECK (amount <> 0),
  original_purchase_id uuid REFERENCES purchase_keys (id),
  -- As reported; always 'medical_service' at medical partners. Tiers count
  -- businesses.category instead (see 002-reference.sql and purchase_categories below).
  category             text NOT NULL REFERENCES categories (code),
  source               text NOT NULL CHECK (source IN ('partner', 'csv', 'manual', 'qr')),
  involved_via         text NOT NULL DEFAULT 'none'
                       CHECK (involved_via IN ('none', 'promo', 'cross_bonus', 'app_booking')),
  coupon_id            uuid REFERENCES coupons (id),
  status               text NOT NULL CHECK (status IN ('recorded', 'unmatched')),
  external_id          text NOT NULL,
  integration_id       bigint REFERENCES partner_integrations (id),
  recorded_at          timestamptz NOT NULL DEFAULT now(),
  recorded_by          name NOT NULL DEFAULT session_user,
  matched_at           timestamptz,
  PRIMARY KEY (id, occurred_at),
  -- A refund is negative and names its original; a sale is positive and names none.
  CHECK ((amount < 0) = (original_purchase_id IS NOT NULL)),
  CHECK ((status = 'unmatched') = (member_id IS NULL)),
  CHECK (original_purchase_id IS DISTINCT FROM id)
) PARTITION BY RANGE (occurred_at);

COMMENT ON TABLE purchases IS
  'Partitioned by month on occurred_at; idempotency key and global id in purchase_keys. '
  'No free-text or payload column on purpose (medical secrecy).';

-- Her history by time; a business's purchases by time; unmatched purchases by phone;
-- refunds of an original.
CREATE INDEX purchases_member_idx ON purchases (member_id, occurred_at DESC);
CREATE INDEX purchases_business_idx ON purchases (business_id, occurred_at DESC);
CREATE INDEX purchases_unmatched_idx ON purchases (customer_phone_hash)
  WHERE status = 'unmatched';
CREATE INDEX purchases_original_idx ON purchases (original_purchase_id)
  WHERE original_purchase_id IS NOT NULL;

ALTER TABLE coupons
  ADD FOREIGN KEY (redeemed_purchase_id) REFERENCES purchase_keys (id);

-- The category a purchase counts as for tiers, badges and new-category cashback: always the
-- business's own category, so a medical partner's 'medical_service' counts as dentistry,
-- medicine or cosmetology without the purchase row saying which.
CREATE VIEW purchase_categories WITH (security_barrier, security_invoker) AS
  SELECT p.id, p.occurred_at, p.member_id, p.business_id, p.amount,
         b.category AS counted_category
    FROM purchases p
    JOIN businesses b ON b.id = p.business_id;

-- Monthly partitions: <table>_yYYYYmMM for every month from @p_from to @p_to (inclusive),
-- skipping months that exist. The service calls it ahead of time (e.g. monthly for the next
-- year); the DEFAULT partition catches anything outside (a mistyped year) and should stay
-- empty: a month cannot be created while DEFAULT holds rows of it.
CREATE FUNCTION create_month_partitions (p_table regclass,
                                         p_from  date,
                                         p_to    date)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  month date := date_trunc('month', p_from)::date;
  parent text;
  part text;
  created integer := 0;
BEGIN
  SELECT c.relname INTO parent
    FROM pg_class c
   WHERE c.oid = p_table
     AND c.relnamespace = 'public'::regnamespace
     AND c.relkind = 'p'
     AND c.relname IN ('purchases', 'bonus_ledger');
  IF parent IS NULL THEN
    RAISE EXCEPTION '% is not partitioned by month', p_table
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_to < p_from OR p_to > p_from + interval '10 years' THEN
    RAISE EXCEPTION 'bad partition range % .. %', p_from, p_to
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  WHILE month <= p_to LOOP
    part := format('%s_y%sm%s', parent, to_char(month, 'YYYY'), to_char(month, 'MM'));
    IF to_regclass('public.' || part) IS NULL THEN
      -- Bounds are UTC midnights: partitions are a storage detail, months in the club's
      -- time zone are a query detail.
      EXECUTE format('CREATE TABLE public.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                     part, p_table,
                     (month::timestamp AT TIME ZONE 'UTC'),
                     ((month + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
      created := created + 1;
    END IF;
    month := (month + interval '1 month')::date;
  END LOOP;
  RETURN created;
END
$$;

CREATE TABLE purchases_default PARTITION OF purchases DEFAULT;
SELECT create_month_partitions('purchases', '2024-01-01', '2027-12-01');
