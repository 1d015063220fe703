-- SPDX-License-Identifier: GPL-3.0-or-later
-- The append-only bonus ledger (partitioned by month) and the balances it keeps.
--
-- Each entry moves kopecks between a member's three buckets: pending (earned, still in the
-- hold period), available (may be spent) and debt (bonuses already spent whose purchase was
-- refunded afterwards; repaid from later bonuses). The deltas are explicit so that a balance
-- is always the sum of its entries, and each kind allows only its own shape:
--
--   kind              pending     available   debt       meaning
--   earned            +amount     0           0          cashback accrued, pending until available_at
--   became_available  -amount     +amount     0          hold period over
--   spent             0           -amount     0          spent (FIFO over accruals)
--   expired           0           -amount     0          an accrual's unspent rest expired
--   gift              0           +amount     0          gift, referral reward, admin correction
--   reversed          <= 0        <= 0        >= 0       refund: cancels pending first, then
--                                                        available; what was already spent
--                                                        becomes debt
--   debt_repaid       0           -amount     -amount    later bonuses pay the debt back
--
-- amount is the positive size of the movement as the member sees it.
--
-- Balance never negative: bonus_balances has CHECK (pending >= 0 AND available >= 0 AND
-- debt >= 0) and the AFTER INSERT trigger below applies every entry to it in the same
-- transaction. The UPDATE takes the balance row's lock, so concurrent spends of one member
-- are serialised and the second one that would overdraw fails with check_violation and
-- rolls back together with its ledger entry.
--
-- Append-only: no role has UPDATE, DELETE or TRUNCATE on it, and a trigger refuses them
-- even for the owner.

CREATE SEQUENCE bonus_ledger_id_seq AS bigint;

CREATE TABLE bonus_ledger (
  id              bigint NOT NULL DEFAULT nextval('bonus_ledger_id_seq'),
  created_at      timestamptz NOT NULL DEFAULT now(),
  member_id       uuid NOT NULL REFERENCES members (id),
  kind            text NOT NULL CHECK (kind IN ('earned', 'became_available', 'spent',
                                                'expired', 'gift', 'reversed',
                                                'debt_repaid')),
  pending_delta   bigint NOT NULL DEFAULT 0,
  available_delta bigint NOT NULL DEFAULT 0,
  debt_delta      bigint NOT NULL DEFAULT 0,
  amount          bigint GENERATED ALWAYS AS (
                    CASE kind
                      WHEN 'became_available' THEN available_delta
                      WHEN 'debt_repaid' THEN -debt_delta
                      ELSE abs(pending_delta + available_delta)
                    END) STORED,
  -- The purchase that caused it (earned, reversed), if any.
  purchase_id     uuid REFERENCES purchase_keys (id),
  -- The 'earned' or 'gift' entry this one settles (became_available, expired, reversed and
  -- FIFO spends). No foreign key: the ledger's key includes created_at (partitioning).
  accrual_id      bigint,
  -- For earned and gift entries: when it becomes available and when it expires.
  available_at    timestamptz,
  expires_at      timestamptz,
  -- A short code such as 'cashback', 'new_category', 'cross_bonus', 'referral'; no PII.
  reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 100),
  actor           name NOT NULL DEFAULT session_user,
  PRIMARY KEY (id, created_at),
  CHECK (amount > 0),
  CHECK (CASE kind
           WHEN 'earned' THEN pending_delta > 0 AND available_delta = 0 AND debt_delta = 0
                              AND available_at IS NOT NULL AND expires_at IS NOT NULL
           WHEN 'became_available' THEN pending_delta < 0 AND available_delta = -pending_delta
                              AND debt_delta = 0 AND accrual_id IS NOT NULL
           WHEN 'spent' THEN pending_delta = 0 AND available_delta < 0 AND debt_delta = 0
           WHEN 'expired' THEN pending_delta = 0 AND available_delta < 0 AND debt_delta = 0
                              AND accrual_id IS NOT NULL
           WHEN 'gift' THEN pending_delta = 0 AND available_delta > 0 AND debt_delta = 0
           WHEN 'reversed' THEN pending_delta <= 0 AND available_delta <= 0 AND debt_delta >= 0
                              AND pending_delta + available_delta < 0
                              AND purchase_id IS NOT NULL
           WHEN 'debt_repaid' THEN pending_delta = 0 AND available_delta < 0
                              AND debt_delta = available_delta
         END),
  CHECK (expires_at IS NULL OR available_at IS NULL OR expires_at > available_at)
) PARTITION BY RANGE (created_at);

ALTER SEQUENCE bonus_ledger_id_seq OWNED BY bonus_ledger.id;

-- Her history (API "transactions"), a purchase's entries, an accrual's settlements, and the
-- expiry job's and hold job's scans.
CREATE INDEX bonus_ledger_member_idx ON bonus_ledger (member_id, created_at DESC);
CREATE INDEX bonus_ledger_purchase_idx ON bonus_ledger (purchase_id) WHERE purchase_id IS NOT NULL;
CREATE INDEX bonus_ledger_accrual_idx ON bonus_ledger (accrual_id) WHERE accrual_id IS NOT NULL;
CREATE INDEX bonus_ledger_available_idx ON bonus_ledger (available_at) WHERE kind = 'earned';
CREATE INDEX bonus_ledger_expires_idx ON bonus_ledger (expires_at)
  WHERE kind IN ('earned', 'gift');

CREATE TABLE bonus_ledger_default PARTITION OF bonus_ledger DEFAULT;
SELECT create_month_partitions('bonus_ledger', '2024-01-01', '2027-12-01');

CREATE TABLE bonus_balances (
  member_id  uuid PRIMARY KEY REFERENCES members (id),
  pending    bigint NOT NULL DEFAULT 0,
  available  bigint NOT NULL DEFAULT 0,
  debt       bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT bonus_balances_pending_nonnegative CHECK (pending >= 0),
  CONSTRAINT bonus_balances_available_nonnegative CHECK (available >= 0),
  CONSTRAINT bonus_balances_debt_nonnegative CHECK (debt >= 0)
);

CREATE FUNCTION bonus_ledger_apply ()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  -- Not INSERT ... ON CONFLICT DO UPDATE: its CHECKs run on the row proposed for insertion
  -- (the bare deltas), which would refuse every negative delta. Make sure the row exists
  -- (zeros pass the CHECKs), then apply the deltas to it.
  INSERT INTO public.bonus_balances (member_id) VALUES (NEW.member_id)
  ON CONFLICT (member_id) DO NOTHING;
  UPDATE public.bonus_balances
     SET pending    = pending + NEW.pending_delta,
         available  = available + NEW.available_delta,
         debt       = debt + NEW.debt_delta,
         updated_at = now()
   WHERE member_id = NEW.member_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER bonus_ledger_apply
  AFTER INSERT ON bonus_ledger
  FOR EACH ROW EXECUTE FUNCTION bonus_ledger_apply();
CREATE TRIGGER bonus_ledger_append_only
  BEFORE UPDATE OR DELETE ON bonus_ledger
  FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER bonus_ledger_no_truncate
  BEFORE TRUNCATE ON bonus_ledger
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- Balances change only through the ledger trigger.
CREATE FUNCTION bonus_balances_guard ()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'bonus_balances change only through bonus_ledger entries'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER bonus_balances_guard
  BEFORE INSERT OR UPDATE OR DELETE ON bonus_balances
  FOR EACH ROW EXECUTE FUNCTION bonus_balances_guard();
