-- SPDX-License-Identifier: GPL-3.0-or-later
-- Coupons are issued by a business (to one member or to every member of a tier and above)
-- and activated by the member, who is then shown a short code to present at the business;
-- the pipeline redeems either code (017-pipeline-revised.sql). The Party-goer badge follows
-- attendance.

-- A code nobody can guess: letters and digits without the easily confused ones (0/O, 1/I).
CREATE FUNCTION coupon_random_code (p_length integer)
RETURNS text
LANGUAGE sql VOLATILE
AS $$
  SELECT string_agg(substr('ABCDEFGHJKLMNPQRSTUVWXYZ23456789',
                           1 + get_byte(b, i) % 32, 1), '' ORDER BY i)
    FROM (SELECT uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) AS b) r,
         generate_series(0, p_length - 1) i
$$;

-- Issues a coupon to one member (p_member_id), or one coupon each to every current member
-- whose tier is p_min_tier or above. Returns how many were issued.
CREATE FUNCTION coupon_issue (p_business_id   uuid,
                              p_type          text,
                              p_value_kopecks bigint,
                              p_expires_at    timestamptz,
                              p_description   text DEFAULT '',
                              p_conditions    text DEFAULT '',
                              p_member_id     uuid DEFAULT NULL,
                              p_min_tier      text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
  n integer;
  min_rank integer;
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    IF public.current_staff_business() IS DISTINCT FROM p_business_id THEN
      RAISE EXCEPTION 'you may issue coupons only for your own business'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF (p_member_id IS NULL) = (p_min_tier IS NULL) THEN
    RAISE EXCEPTION 'a coupon goes to one member or to a tier, not both and not neither'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_expires_at IS NULL OR p_expires_at <= now() THEN
    RAISE EXCEPTION 'a coupon must expire in the future' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_min_tier IS NOT NULL THEN
    SELECT rank INTO min_rank FROM public.tiers WHERE code = p_min_tier;
    IF min_rank IS NULL OR min_rank < 1 THEN
      RAISE EXCEPTION 'unknown tier “%”', p_min_tier USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;

  INSERT INTO public.coupons (business_id, member_id, type, value_kopecks, description,
                              conditions, code, expires_at)
  SELECT p_business_id, m.id, p_type, p_value_kopecks, coalesce(p_description, ''),
         coalesce(p_conditions, ''), 'SK-' || public.coupon_random_code(12), p_expires_at
    FROM public.members m
    JOIN public.tiers t ON t.code = m.tier
   WHERE m.deleted_at IS NULL
     AND (m.id = p_member_id OR (p_min_tier IS NOT NULL AND t.rank >= min_rank));
  GET DIAGNOSTICS n = ROW_COUNT;
  IF p_member_id IS NOT NULL AND n = 0 THEN
    RAISE EXCEPTION 'unknown member' USING ERRCODE = 'foreign_key_violation';
  END IF;

  INSERT INTO public.audit_log (actor_role, action, target_type, target_id, details)
  VALUES (public.current_actor_role(), 'coupon.issue', 'business', p_business_id::text,
          jsonb_build_object('type', p_type, 'value_kopecks', p_value_kopecks,
                             'member_id', p_member_id, 'min_tier', p_min_tier, 'issued', n));
  RETURN n;
END
$$;

-- The member activates her coupon (through the service's member API): she gets a short code
-- to show at the business, valid until the coupon expires (30 days for one that never does).
-- Activating again returns the same code.
CREATE FUNCTION coupon_activate (p_member_id uuid,
                                 p_coupon_id uuid,
                                 OUT activation_code text,
                                 OUT valid_until timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  c public.coupons;
BEGIN
  IF NOT (public.is_platform_admin() OR public.is_service()) THEN
    RAISE EXCEPTION 'only the service activates coupons' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO c FROM public.coupons WHERE id = p_coupon_id FOR UPDATE;
  IF NOT FOUND OR c.member_id IS DISTINCT FROM p_member_id THEN
    RAISE EXCEPTION 'unknown coupon' USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF c.redeemed_at IS NOT NULL THEN
    RAISE EXCEPTION 'coupon already redeemed' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF c.expires_at <= now() THEN
    RAISE EXCEPTION 'coupon expired' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF c.activated_at IS NULL THEN
    -- Short enough to read out at a counter; collisions with an active code are retried.
    LOOP
      BEGIN
        UPDATE public.coupons
           SET activation_code = public.coupon_random_code(6), activated_at = now(),
               activation_valid_until = coalesce(c.expires_at, now() + interval '30 days')
         WHERE id = p_coupon_id
        RETURNING * INTO c;
        EXIT;
      EXCEPTION WHEN unique_violation THEN
        NULL;
      END;
    END LOOP;
  END IF;
  activation_code := c.activation_code;
  valid_until := c.activation_valid_until;
END
$$;

-- Party-goer (src/core/sk-badges.c): awarded once she has attended enough events.
CREATE FUNCTION event_registrations_party_goer ()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
  INSERT INTO public.member_badges (member_id, badge_code)
  SELECT r.member_id, 'party_goer'
    FROM public.event_registrations r
   WHERE r.status = 'attended'
     AND r.member_id IN (SELECT member_id FROM changed WHERE status = 'attended')
   GROUP BY r.member_id
  HAVING count(*) >= public.rule_value('badge.party_goer.events')
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER event_registrations_party_goer_insert
  AFTER INSERT ON event_registrations
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION event_registrations_party_goer();
CREATE TRIGGER event_registrations_party_goer_update
  AFTER UPDATE ON event_registrations
  REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION event_registrations_party_goer();

REVOKE EXECUTE ON FUNCTION coupon_random_code (integer), event_registrations_party_goer ()
  FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION
    coupon_issue (uuid, text, bigint, timestamptz, text, text, uuid, text),
    coupon_activate (uuid, uuid)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    coupon_issue (uuid, text, bigint, timestamptz, text, text, uuid, text)
  TO platform_admin, business_owner, business_manager, svoikrug_service;
GRANT EXECUTE ON FUNCTION coupon_activate (uuid, uuid) TO platform_admin, svoikrug_service;
