-- SPDX-License-Identifier: GPL-3.0-or-later
-- The privileged entry points. Money (purchases, ledger), tiers, rules, staff accounts and
-- personal data change only through these SECURITY DEFINER functions: they run as the
-- schema's owner, check the caller themselves (session_user, see 003-businesses.sql), and pin
-- search_path (pg_temp last, so no temporary object can shadow a table). Nobody has EXECUTE
-- unless 014-privileges.sql grants it.

-- Creates a PostgreSQL login role for a staff account and puts it in its group. Admins only.
-- @p_password may be NULL (peer or trust authentication) and should be a SCRAM verifier made
-- by the client (PQencryptPasswordConn), so that no clear password reaches the server's logs.
CREATE FUNCTION create_staff_account (p_login       text,
                                      p_password    text,
                                      p_business_id uuid,
                                      p_role        text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  new_id uuid;
BEGIN
  IF NOT public.is_platform_admin() THEN
    RAISE EXCEPTION 'only platform admins create staff accounts'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_role IS NULL OR p_role NOT IN ('platform_admin', 'business_owner', 'business_manager',
                                      'svoikrug_service') THEN
    RAISE EXCEPTION 'unknown staff role %', p_role USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_login IS NULL OR p_login !~ '^[a-z_][a-z0-9_]{2,62}$' OR p_login LIKE 'pg\_%' THEN
    RAISE EXCEPTION 'a login is 3 to 63 lowercase letters, digits or underscores'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF (p_role IN ('business_owner', 'business_manager')) <> (p_business_id IS NOT NULL) THEN
    RAISE EXCEPTION 'owners and managers belong to one business; admins and the service to none'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_business_id IS NOT NULL AND NOT EXISTS (SELECT FROM public.businesses
                                                WHERE id = p_business_id) THEN
    RAISE EXCEPTION 'unknown business %', p_business_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = p_login) THEN
    RAISE EXCEPTION 'role % already exists', p_login USING ERRCODE = 'duplicate_object';
  END IF;

  EXECUTE format('CREATE ROLE %I LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE '
                 'NOREPLICATION NOBYPASSRLS IN ROLE %I', p_login, p_role);
  IF p_password IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_password);
  END IF;

  INSERT INTO public.staff_accounts (login, business_id, role)
  VALUES (p_login, p_business_id, p_role)
  RETURNING id INTO new_id;

  PERFORM public.audit_write('staff.create', 'staff_account', new_id::text, NULL,
                             jsonb_build_object('login', p_login, 'role', p_role,
                                                'business_id', p_business_id));
  RETURN new_id;
END
$$;

-- Stops a staff login (keeps the row and the role for the audit trail). Admins only.
CREATE FUNCTION disable_staff_account (p_login text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  staff_id uuid;
BEGIN
  IF NOT public.is_platform_admin() THEN
    RAISE EXCEPTION 'only platform admins disable staff accounts'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE public.staff_accounts SET disabled_at = now()
   WHERE login = p_login AND disabled_at IS NULL
  RETURNING id INTO staff_id;
  IF staff_id IS NULL THEN
    RAISE EXCEPTION 'no active staff account %', p_login USING ERRCODE = 'no_data_found';
  END IF;
  EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
  PERFORM public.audit_write('staff.disable', 'staff_account', staff_id::text);
END
$$;

-- Records one purchase or refund, idempotently (DESIGN.md pipeline steps 1-3):
--   'duplicate'  (business_id, external_id) was seen before: nothing is stored or changed
--   'recorded'   stored and matched to a member (by member id, else by phone hash)
--   'unmatched'  stored without a member; the phone hash is kept for matching her later
-- Admins and the service record for any business, owners and managers only for their own.
-- A refund is a negative amount naming the original's external id (same business); refunds
-- never exceed the original. At a medical partner the category is always 'medical_service'.
--
-- First version: cashback, cross-bonus, events budget, tier, badges and notifications
-- (steps 4-9) come with the pipeline issue, which will call ledger_append() from here.
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
                                 OUT outcome            text,
                                 OUT purchase_id        uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  biz public.businesses;
  orig public.purchases;
  key_id uuid;
  who uuid;
  phone bytea;
  cat text;
  refunded bigint;
  came_from uuid;
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    IF public.current_staff_business() IS DISTINCT FROM p_business_id THEN
      RAISE EXCEPTION 'you may record purchases only for your own business'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;

  SELECT * INTO biz FROM public.businesses WHERE id = p_business_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown business %', p_business_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF biz.status = 'left' THEN
    RAISE EXCEPTION 'business % has left the club', p_business_id
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF p_occurred_at IS NULL OR p_occurred_at > now() + interval '1 hour' THEN
    RAISE EXCEPTION 'a purchase cannot be dated in the future'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- Medical secrecy: whatever the partner sent, a medical partner's purchase says only this.
  cat := CASE WHEN biz.is_medical THEN 'medical_service'
              ELSE coalesce(p_category, biz.category) END;

  IF p_original_external_id IS NOT NULL THEN
    SELECT p.* INTO orig
      FROM public.purchase_keys k
      JOIN public.purchases p ON p.id = k.id AND p.occurred_at = k.occurred_at
     WHERE k.business_id = p_business_id
       AND k.external_id = p_original_external_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'refund of an unknown purchase' USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF orig.amount < 0 THEN
      RAISE EXCEPTION 'a refund cannot be refunded' USING ERRCODE = 'check_violation';
    END IF;
  END IF;

  -- 1. Idempotency. A concurrent insert of the same key waits for the other transaction and
  -- then reports a duplicate.
  INSERT INTO public.purchase_keys (business_id, external_id, occurred_at)
  VALUES (p_business_id, p_external_id, p_occurred_at)
  ON CONFLICT (business_id, external_id) DO NOTHING
  RETURNING id INTO key_id;

  IF key_id IS NULL THEN
    SELECT k.id INTO purchase_id
      FROM public.purchase_keys k
     WHERE k.business_id = p_business_id AND k.external_id = p_external_id;
    outcome := 'duplicate';
    RETURN;
  END IF;

  -- 2. Who bought it. A refund belongs to the original's customer.
  IF orig.id IS NOT NULL THEN
    -- Serialise refunds of one purchase, then check they stay within it.
    PERFORM 1 FROM public.purchase_keys k WHERE k.id = orig.id FOR UPDATE;
    SELECT coalesce(sum(p.amount), 0) INTO refunded
      FROM public.purchases p
     WHERE p.original_purchase_id = orig.id;
    IF orig.amount + refunded + p_amount < 0 THEN
      RAISE EXCEPTION 'refunds would exceed the original purchase'
        USING ERRCODE = 'check_violation';
    END IF;
    who := orig.member_id;
    phone := orig.customer_phone_hash;
  ELSIF p_member_id IS NOT NULL THEN
    SELECT m.id INTO who FROM public.members m WHERE m.id = p_member_id AND m.deleted_at IS NULL;
    IF who IS NULL THEN
      RAISE EXCEPTION 'unknown member' USING ERRCODE = 'foreign_key_violation';
    END IF;
  ELSIF p_phone_hash IS NOT NULL THEN
    SELECT m.id INTO who FROM public.members m
     WHERE m.phone_hash = p_phone_hash AND m.deleted_at IS NULL;
    phone := p_phone_hash;
  END IF;

  -- 3. Store it. The phone hash is kept only while unmatched: a matched purchase is linked by
  -- member id alone, so erasing her account leaves no phone hash behind.
  INSERT INTO public.purchases (id, occurred_at, business_id, member_id, customer_phone_hash,
                                amount, original_purchase_id, category, source, involved_via,
                                coupon_id, status, external_id, integration_id)
  VALUES (key_id, p_occurred_at, p_business_id, who,
          CASE WHEN who IS NULL THEN phone END,
          p_amount, orig.id, cat, p_source, coalesce(p_involved_via, 'none'), p_coupon_id,
          CASE WHEN who IS NULL THEN 'unmatched' ELSE 'recorded' END,
          p_external_id, p_integration_id);

  IF who IS NOT NULL THEN
    -- Where she bought last before this business, for "customer sources".
    SELECT p.business_id INTO came_from
      FROM public.purchases p
     WHERE p.member_id = who AND p.business_id <> p_business_id
       AND p.occurred_at < p_occurred_at AND p.amount > 0
     ORDER BY p.occurred_at DESC
     LIMIT 1;

    INSERT INTO public.business_customers AS bc
           (business_id, member_id, first_purchase_at, last_purchase_at, purchases_count,
            spent_kopecks, source_business_id)
    VALUES (p_business_id, who, p_occurred_at, p_occurred_at,
            CASE WHEN p_amount > 0 THEN 1 ELSE 0 END, p_amount, came_from)
    ON CONFLICT (business_id, member_id) DO UPDATE
       SET first_purchase_at = CASE WHEN EXCLUDED.spent_kopecks > 0
                                    THEN least(bc.first_purchase_at, EXCLUDED.first_purchase_at)
                                    ELSE bc.first_purchase_at END,
           last_purchase_at = CASE WHEN EXCLUDED.spent_kopecks > 0
                                   THEN greatest(bc.last_purchase_at, EXCLUDED.last_purchase_at)
                                   ELSE bc.last_purchase_at END,
           purchases_count = bc.purchases_count + EXCLUDED.purchases_count,
           spent_kopecks = bc.spent_kopecks + EXCLUDED.spent_kopecks;
  END IF;

  purchase_id := key_id;
  outcome := CASE WHEN who IS NULL THEN 'unmatched' ELSE 'recorded' END;
END
$$;

-- Appends one ledger entry and returns its id; the ledger trigger applies it to
-- bonus_balances, whose CHECKs refuse any balance below zero (check_violation). The service
-- and admins only. @p_amount is always positive; the kind gives the direction:
--   earned           pending +amount; available_at and expires_at default to now() plus
--                    bonus.hold_days and bonus.expiry_months
--   became_available pending -> available (needs @p_accrual_id)
--   spent, expired   available -amount (expired needs @p_accrual_id)
--   gift             available +amount (expires_at defaults like earned)
--   reversed         -amount: @p_from_pending of it from pending (default 0), the rest from
--                    available, and whatever available cannot cover becomes debt
--   debt_repaid      available -amount, debt -amount
CREATE FUNCTION ledger_append (p_member_id    uuid,
                               p_kind         text,
                               p_amount       bigint,
                               p_purchase_id  uuid DEFAULT NULL,
                               p_accrual_id   bigint DEFAULT NULL,
                               p_available_at timestamptz DEFAULT NULL,
                               p_expires_at   timestamptz DEFAULT NULL,
                               p_reason       text DEFAULT '',
                               p_from_pending bigint DEFAULT 0)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  bal public.bonus_balances;
  d_pending bigint := 0;
  d_available bigint := 0;
  d_debt bigint := 0;
  avail_at timestamptz := p_available_at;
  exp_at timestamptz := p_expires_at;
  rest bigint;
  new_id bigint;
BEGIN
  IF NOT (public.is_service() OR public.is_platform_admin()) THEN
    RAISE EXCEPTION 'only the service and admins write the ledger'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_amount IS NULL OR p_amount <= 0 THEN
    RAISE EXCEPTION 'a ledger amount is positive; the kind gives the direction'
      USING ERRCODE = 'check_violation';
  END IF;

  -- Lock her balance so that the checks below and the trigger see one state.
  SELECT * INTO bal FROM public.bonus_balances WHERE member_id = p_member_id FOR UPDATE;

  CASE p_kind
    WHEN 'earned' THEN
      d_pending := p_amount;
      avail_at := coalesce(avail_at,
                           now() + make_interval(days => public.rule_value('bonus.hold_days')::int));
      exp_at := coalesce(exp_at,
                         now() + make_interval(months => public.rule_value('bonus.expiry_months')::int));
    WHEN 'became_available' THEN
      d_pending := -p_amount;
      d_available := p_amount;
    WHEN 'spent', 'expired' THEN
      d_available := -p_amount;
    WHEN 'gift' THEN
      d_available := p_amount;
      exp_at := coalesce(exp_at,
                         now() + make_interval(months => public.rule_value('bonus.expiry_months')::int));
    WHEN 'reversed' THEN
      IF p_from_pending IS NULL OR p_from_pending < 0 OR p_from_pending > p_amount THEN
        RAISE EXCEPTION 'p_from_pending must be within 0..amount'
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      d_pending := -p_from_pending;
      rest := p_amount - p_from_pending;
      d_available := -least(rest, coalesce(bal.available, 0));
      d_debt := rest + d_available;
    WHEN 'debt_repaid' THEN
      d_available := -p_amount;
      d_debt := -p_amount;
    ELSE
      RAISE EXCEPTION 'unknown ledger kind %', p_kind USING ERRCODE = 'check_violation';
  END CASE;

  INSERT INTO public.bonus_ledger (member_id, kind, pending_delta, available_delta, debt_delta,
                                   purchase_id, accrual_id, available_at, expires_at, reason)
  VALUES (p_member_id, p_kind, d_pending, d_available, d_debt, p_purchase_id, p_accrual_id,
          avail_at, exp_at, coalesce(p_reason, ''))
  RETURNING id INTO new_id;

  RETURN new_id;
END
$$;

-- The encrypted personal record of @p_member_id, for @p_purpose, written to the audit log
-- first. Admins and the service may read any member's; owners and managers only their own
-- business's customers'. No row means no personal record (never given, or erased).
CREATE FUNCTION member_personal_read (p_member_id uuid,
                                      p_purpose   text)
RETURNS TABLE (ciphertext  bytea,
               nonce       bytea,
               wrapped_key bytea,
               key_version integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
  IF p_purpose IS NULL OR length(btrim(p_purpose)) < 3 OR length(p_purpose) > 200 THEN
    RAISE EXCEPTION 'say why personal data is read (3 to 200 characters)'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    IF NOT EXISTS (SELECT FROM public.business_customers bc
                    WHERE bc.member_id = p_member_id
                      AND bc.business_id = public.current_staff_business()) THEN
      RAISE EXCEPTION 'not a customer of your business' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;

  PERFORM public.audit_write('personal_data.read', 'member', p_member_id::text, p_purpose);

  RETURN QUERY
    SELECT mp.ciphertext, mp.nonce, mp.wrapped_key, mp.key_version
      FROM public.member_personal mp
     WHERE mp.member_id = p_member_id;
END
$$;

-- Creates or replaces her encrypted personal record (the service on registration and profile
-- edits, admins on request). Audited.
CREATE FUNCTION member_personal_write (p_member_id   uuid,
                                       p_ciphertext  bytea,
                                       p_nonce       bytea,
                                       p_wrapped_key bytea,
                                       p_key_version integer,
                                       p_purpose     text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    RAISE EXCEPTION 'only the service and admins change personal data'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_purpose IS NULL OR length(btrim(p_purpose)) < 3 THEN
    RAISE EXCEPTION 'say why personal data is changed' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT FROM public.members WHERE id = p_member_id AND deleted_at IS NULL) THEN
    RAISE EXCEPTION 'unknown or erased member' USING ERRCODE = 'foreign_key_violation';
  END IF;

  INSERT INTO public.member_personal AS mp (member_id, ciphertext, nonce, wrapped_key, key_version)
  VALUES (p_member_id, p_ciphertext, p_nonce, p_wrapped_key, p_key_version)
  ON CONFLICT (member_id) DO UPDATE
     SET ciphertext = EXCLUDED.ciphertext, nonce = EXCLUDED.nonce,
         wrapped_key = EXCLUDED.wrapped_key, key_version = EXCLUDED.key_version,
         updated_at = now();

  PERFORM public.audit_write('personal_data.write', 'member', p_member_id::text, p_purpose,
                             jsonb_build_object('key_version', p_key_version));
END
$$;

-- Deletes an account (152-FZ): erases personal data and everything that could lead back to
-- her (phone hash, devices, tokens, login codes, dietary notes), withdraws consents, and keeps
-- the pseudonymous member row with its purchase and ledger history. Audited.
CREATE FUNCTION member_erase (p_member_id uuid,
                              p_reason    text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  old_hash bytea;
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    RAISE EXCEPTION 'only the service and admins erase accounts'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT phone_hash INTO old_hash FROM public.members
   WHERE id = p_member_id AND deleted_at IS NULL
   FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown or already erased member' USING ERRCODE = 'no_data_found';
  END IF;

  DELETE FROM public.member_personal WHERE member_id = p_member_id;
  DELETE FROM public.member_devices WHERE member_id = p_member_id;
  IF old_hash IS NOT NULL THEN
    DELETE FROM public.sms_login_codes WHERE phone_hash = old_hash;
  END IF;
  UPDATE public.refresh_tokens SET revoked_at = now(), revoked_reason = 'erasure'
   WHERE member_id = p_member_id AND revoked_at IS NULL;
  UPDATE public.member_consents SET withdrawn_at = now()
   WHERE member_id = p_member_id AND withdrawn_at IS NULL;
  UPDATE public.event_registrations SET dietary_restrictions = ''
   WHERE member_id = p_member_id;
  UPDATE public.members
     SET phone_hash = NULL, referral_code = NULL, deleted_at = now()
   WHERE id = p_member_id;

  PERFORM public.audit_write('personal_data.erase', 'member', p_member_id::text, p_reason);
END
$$;

-- Sets her tier (the service's recompute, Premium, admins) and keeps the history. An owner's
-- Inner Circle invitation is never taken away by the recompute.
CREATE FUNCTION member_set_tier (p_member_id uuid,
                                 p_tier      text,
                                 p_reason    text DEFAULT 'recompute')
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  m public.members;
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    RAISE EXCEPTION 'only the service and admins set tiers'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO m FROM public.members WHERE id = p_member_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown member' USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF m.invited_inner_circle AND p_tier <> 'inner_circle' AND p_reason <> 'admin' THEN
    RETURN false;
  END IF;
  IF m.tier = p_tier THEN
    RETURN false;
  END IF;

  UPDATE public.members SET tier = p_tier, tier_changed_at = now() WHERE id = p_member_id;
  INSERT INTO public.tier_history (member_id, from_tier, to_tier, reason)
  VALUES (p_member_id, m.tier, p_tier, p_reason);
  RETURN true;
END
$$;

-- An owner invites one of her customers into the Inner Circle (admins may invite anyone).
CREATE FUNCTION member_invite_inner_circle (p_member_id uuid)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  m public.members;
  inviter uuid;
BEGIN
  IF NOT public.is_platform_admin() THEN
    IF NOT pg_has_role(session_user, 'business_owner', 'MEMBER')
       OR NOT EXISTS (SELECT FROM public.business_customers bc
                       WHERE bc.member_id = p_member_id
                         AND bc.business_id = public.current_staff_business()) THEN
      RAISE EXCEPTION 'owners invite their own customers only'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  SELECT * INTO m FROM public.members WHERE id = p_member_id AND deleted_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown member' USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF m.invited_inner_circle THEN
    RETURN;
  END IF;
  SELECT id INTO inviter FROM public.staff_accounts WHERE login = session_user;

  UPDATE public.members
     SET invited_inner_circle = true, invited_by = inviter, invited_at = now(),
         tier = 'inner_circle', tier_changed_at = now()
   WHERE id = p_member_id;
  IF m.tier <> 'inner_circle' THEN
    INSERT INTO public.tier_history (member_id, from_tier, to_tier, reason)
    VALUES (p_member_id, m.tier, 'inner_circle', 'invitation');
  END IF;
  PERFORM public.audit_write('member.invite_inner_circle', 'member', p_member_id::text);
END
$$;
