-- SPDX-License-Identifier: GPL-3.0-or-later
-- The notification outbox, the scheduler's jobs and the partners' monthly statements.

-- Written in the same transaction as what it announces; the service's worker sends it.
-- payload holds ids and template parameters, never contact details: the worker looks the
-- device or the decrypted contact up when sending.
CREATE TABLE notification_outbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  member_id       uuid REFERENCES members (id),
  business_id     uuid REFERENCES businesses (id),     -- alerts to a partner's staff
  channel         text NOT NULL CHECK (channel IN ('push', 'sms', 'email', 'staff_alert')),
  template        text NOT NULL CHECK (template ~ '^[a-z][a-z0-9_.]{1,63}$'),
  payload         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
  -- Optional: the same event announced twice is one notification.
  dedup_key       text UNIQUE,
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text CHECK (length(last_error) <= 2000),
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CHECK (channel = 'staff_alert' OR member_id IS NOT NULL)
);

-- The worker's question: what is due? (FOR UPDATE SKIP LOCKED over this index.)
CREATE INDEX notification_outbox_pending_idx ON notification_outbox (next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX notification_outbox_member_idx ON notification_outbox (member_id, created_at);

-- Wake the worker (LISTEN svoikrug_outbox) instead of making it poll.
CREATE FUNCTION notification_outbox_notify ()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  PERFORM pg_notify('svoikrug_outbox', NEW.id::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER notification_outbox_notify
  AFTER INSERT ON notification_outbox
  FOR EACH ROW EXECUTE FUNCTION notification_outbox_notify();

-- Periodic jobs (expiry, hold release, tier recompute, monthly budget, statements, sync
-- dispatch). Several svoikrugd instances share this table; an advisory lock per job keeps
-- each run single.
CREATE TABLE scheduled_jobs (
  name             text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_.]{1,63}$'),
  every            interval NOT NULL CHECK (every >= '1 minute'),
  next_run_at      timestamptz NOT NULL DEFAULT now(),
  last_started_at  timestamptz,
  last_finished_at timestamptz,
  last_error       text CHECK (length(last_error) <= 2000),
  enabled          boolean NOT NULL DEFAULT true
);

INSERT INTO scheduled_jobs (name, every) VALUES
  ('partner_sync',         '1 minute'),
  ('bonus_release',        '1 hour'),
  ('bonus_expiry',         '1 hour'),
  ('tier_recompute',       '1 day'),
  ('events_budget_month',  '1 day'),
  ('partner_statements',   '1 day'),
  ('proposals_monthly_top','1 day'),
  ('partitions_ahead',     '7 days'),
  ('auth_cleanup',         '1 hour');

-- Monthly statement per partner: involved revenue and the commission by phase.
CREATE TABLE partner_statements (
  business_id      uuid NOT NULL REFERENCES businesses (id),
  month            date NOT NULL CHECK (extract(day FROM month) = 1),
  revenue_kopecks  bigint NOT NULL,
  involved_kopecks bigint NOT NULL,
  commission_bp    integer NOT NULL CHECK (commission_bp BETWEEN 0 AND 10000),
  commission_kopecks bigint NOT NULL,
  generated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (business_id, month)
);
