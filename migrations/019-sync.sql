-- SPDX-License-Identifier: GPL-3.0-or-later
-- Partner sync: storing an integration's encrypted credentials, and the limits the sync
-- runner (src/db/sk-sync.c) relies on.

-- A cursor is a timestamp, a page token or a change id: short. The limit keeps a connector
-- bug from storing a whole payload there.
ALTER TABLE partner_integrations
  ADD CONSTRAINT partner_integrations_sync_cursor_length
  CHECK (sync_cursor IS NULL OR length(sync_cursor) <= 2000);

-- svoikrugd partner set-credentials: the service holds the master key, so it encrypts; the
-- database only ever sees the envelope (src/db/sk-credentials.c). Creates the integration
-- when it is missing; a NULL time zone or interval keeps the stored one (or the default for
-- a new row). The service may not INSERT integrations or change their credentials directly
-- (014-privileges.sql); this function is its only way, and every call is audited without
-- the envelope.
CREATE FUNCTION partner_integration_set_credentials (p_business_id   uuid,
                                                     p_system        text,
                                                     p_account_id    text,
                                                     p_time_zone     text,
                                                     p_sync_interval interval,
                                                     p_enc           bytea,
                                                     p_nonce         bytea,
                                                     p_key           bytea,
                                                     p_key_version   integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  v_id bigint;
  v_created boolean := false;
BEGIN
  IF NOT (public.is_service() OR public.is_platform_admin()) THEN
    RAISE EXCEPTION 'only the service and admins set partner credentials'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_enc IS NULL OR p_nonce IS NULL OR p_key IS NULL OR p_key_version IS NULL THEN
    RAISE EXCEPTION 'the credentials envelope is incomplete'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF p_time_zone IS NOT NULL
     AND NOT EXISTS (SELECT FROM pg_catalog.pg_timezone_names WHERE name = p_time_zone) THEN
    RAISE EXCEPTION 'unknown time zone %', p_time_zone USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT FROM public.businesses WHERE id = p_business_id) THEN
    RAISE EXCEPTION 'unknown business %', p_business_id USING ERRCODE = 'foreign_key_violation';
  END IF;

  SELECT id INTO v_id FROM public.partner_integrations
   WHERE business_id = p_business_id AND system = p_system
     AND account_id = coalesce(p_account_id, '')
   FOR UPDATE;

  IF NOT FOUND THEN
    INSERT INTO public.partner_integrations (business_id, system, account_id, time_zone,
                                             sync_interval)
    VALUES (p_business_id, p_system, coalesce(p_account_id, ''),
            coalesce(p_time_zone, 'Europe/Moscow'), coalesce(p_sync_interval, '15 minutes'))
    ON CONFLICT (business_id, system, account_id) DO NOTHING
    RETURNING id INTO v_id;
    v_created := v_id IS NOT NULL;
    IF NOT v_created THEN
      -- Another caller created it between our look and our insert.
      SELECT id INTO STRICT v_id FROM public.partner_integrations
       WHERE business_id = p_business_id AND system = p_system
         AND account_id = coalesce(p_account_id, '')
       FOR UPDATE;
    END IF;
  END IF;

  UPDATE public.partner_integrations
     SET credentials_enc = p_enc,
         credentials_nonce = p_nonce,
         credentials_key = p_key,
         credentials_key_version = p_key_version,
         time_zone = coalesce(p_time_zone, time_zone),
         sync_interval = coalesce(p_sync_interval, sync_interval),
         -- New credentials deserve a try now, not after the failures' wait.
         next_sync_at = least(next_sync_at, now())
   WHERE id = v_id;

  PERFORM public.audit_write('partner_credentials_set', 'partner_integration', v_id::text,
                             NULL, jsonb_build_object('business_id', p_business_id,
                                                      'system', p_system,
                                                      'created', v_created,
                                                      'key_version', p_key_version));
  RETURN v_id;
END
$$;

GRANT EXECUTE ON FUNCTION
    partner_integration_set_credentials (uuid, text, text, text, interval, bytea, bytea, bytea,
                                         integer)
  TO platform_admin, svoikrug_service;
