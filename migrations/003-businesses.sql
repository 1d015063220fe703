-- SPDX-License-Identifier: GPL-3.0-or-later
-- Partner businesses, staff accounts, the audit log and the helpers that row-level security
-- and the SECURITY DEFINER functions use to know who is calling.

CREATE TABLE businesses (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL CHECK (name <> '' AND length(name) <= 200),
  -- The business's own category: what counts for tiers, badges and new-category cashback,
  -- also for medical partners (their purchases say only 'medical_service').
  category     text NOT NULL REFERENCES categories (code)
               CHECK (category <> 'medical_service'),
  -- Medical partners send only date, amount, 'medical_service' and a hashed customer id.
  is_medical   boolean NOT NULL DEFAULT false,
  -- Partner phase: the commission phase is counted in months from joined_on
  -- (business_commission_bp() in 004-rules.sql, phases are rules).
  joined_on    date NOT NULL DEFAULT current_date,
  status       text NOT NULL DEFAULT 'active'
               CHECK (status IN ('onboarding', 'active', 'paused', 'left')),
  city         text NOT NULL DEFAULT '' CHECK (length(city) <= 100),
  address      text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
  time_zone    text NOT NULL DEFAULT 'Europe/Moscow',
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name)
);

COMMENT ON COLUMN businesses.is_medical IS
  'Medical partner: purchases are stored as medical_service; no service names, doctors or '
  'diagnoses ever enter the database.';

-- One row per PostgreSQL login role made by create_staff_account(). The login role is the
-- identity: RLS and the SECURITY DEFINER functions look the caller up here by session_user.
CREATE TABLE staff_accounts (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  login           name NOT NULL UNIQUE,
  business_id     uuid REFERENCES businesses (id),
  role            text NOT NULL
                  CHECK (role IN ('platform_admin', 'business_owner', 'business_manager',
                                  'svoikrug_service')),
  -- TOTP second factor for business accounts: the secret encrypted by the application
  -- (AES-256-GCM envelope, same layout as member_personal).
  totp_secret_enc bytea,
  totp_nonce      bytea CHECK (totp_nonce IS NULL OR length(totp_nonce) = 12),
  totp_key_version integer CHECK (totp_key_version > 0),
  totp_enabled_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  created_by      name NOT NULL DEFAULT session_user,
  disabled_at     timestamptz,
  -- Business roles belong to exactly one business; admins and the service to none.
  CHECK ((role IN ('business_owner', 'business_manager')) = (business_id IS NOT NULL)),
  CHECK ((totp_secret_enc IS NULL) = (totp_nonce IS NULL)
         AND (totp_secret_enc IS NULL) = (totp_key_version IS NULL))
);

CREATE INDEX staff_accounts_business_idx ON staff_accounts (business_id);

-- Append-only audit log: personal-data reads and changes, staff and rule changes, exports.
-- Written only by SECURITY DEFINER functions (audit_write() and the ones that call it);
-- never updated or deleted (trigger below and no privileges).
CREATE TABLE audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor       name NOT NULL DEFAULT session_user,
  actor_role  text NOT NULL,
  action      text NOT NULL CHECK (action ~ '^[a-z][a-z_.]{2,63}$'),
  target_type text NOT NULL CHECK (target_type <> ''),
  target_id   text,
  purpose     text,
  -- Never personal data or medical detail: ids and codes only.
  details     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Shared by every append-only table (audit_log, bonus_ledger).
CREATE FUNCTION forbid_change ()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- Who is calling. session_user, not current_user: inside a SECURITY DEFINER function
-- current_user is the function's owner, while session_user stays the staff login.

-- The caller's business, or NULL for admins, the service and unknown logins.
CREATE FUNCTION current_staff_business ()
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT business_id
    FROM public.staff_accounts
   WHERE login = session_user
     AND disabled_at IS NULL
$$;

CREATE FUNCTION is_platform_admin ()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  -- True for superusers too (pg_has_role says so), which is what the migrating role is.
  SELECT pg_has_role(session_user, 'platform_admin', 'MEMBER')
$$;

CREATE FUNCTION is_service ()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT pg_has_role(session_user, 'svoikrug_service', 'MEMBER')
$$;

-- The caller's role as written in the audit log.
CREATE FUNCTION current_actor_role ()
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  SELECT coalesce((SELECT role FROM public.staff_accounts
                    WHERE login = session_user AND disabled_at IS NULL),
                  CASE
                    WHEN pg_has_role(session_user, 'platform_admin', 'MEMBER') THEN 'platform_admin'
                    WHEN pg_has_role(session_user, 'svoikrug_service', 'MEMBER') THEN 'svoikrug_service'
                    ELSE 'unknown'
                  END)
$$;

-- Writes one audit row as the calling login. Granted to every group: staff may record their
-- own actions (an export, a screen showing personal data), but never as someone else.
CREATE FUNCTION audit_write (p_action      text,
                             p_target_type text,
                             p_target_id   text,
                             p_purpose     text DEFAULT NULL,
                             p_details     jsonb DEFAULT '{}'::jsonb)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
  INSERT INTO public.audit_log (actor, actor_role, action, target_type, target_id, purpose,
                                details)
  VALUES (session_user, public.current_actor_role(), p_action, p_target_type, p_target_id,
          p_purpose, coalesce(p_details, '{}'::jsonb))
  RETURNING id
$$;
