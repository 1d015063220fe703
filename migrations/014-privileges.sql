-- SPDX-License-Identifier: GPL-3.0-or-later
-- Who may do what, table by table, and row-level security.
--
-- Principles:
-- * Nothing is granted to PUBLIC (001-roles.sql). Each group gets exactly what it needs.
-- * Money, tiers, rules, staff accounts and personal data are never written directly: no
--   INSERT, UPDATE or DELETE on purchases, purchase_keys, bonus_ledger, bonus_balances,
--   rules, members.tier, tier_history, business_customers, staff_accounts, member_personal
--   or audit_log for anyone — not even platform_admin or the service. They go through the
--   SECURITY DEFINER functions of 013-functions.sql.
-- * member_personal is not readable at all; member_personal_read() is the only way, and it
--   writes the audit log.
-- * Row-level security scopes business staff (business_manager; owners inherit it) to their
--   own business: its purchases, its customers (members who bought there, via
--   business_customers) and its promotions and integrations. platform_admin and
--   svoikrug_service have explicit USING (true) policies.
-- * RLS is ENABLEd, not FORCEd: FORCE would subject the tables' owner to the policies, and the
--   owner is the role the SECURITY DEFINER functions run as — they check the caller
--   themselves and must see every row (e.g. to find a duplicate key of another business).
--   Staff never own tables, so ENABLE applies to every one of them.
-- * Partitions get no grants: reading a month's partition directly (which would skip the
--   parent's policies) is denied; everyone goes through the parent.
-- * Policies call current_staff_business() inside a sub-select so it runs once per query.

-- Reference data: readable by every group.
GRANT SELECT ON categories, tiers, badges, club_settings, rule_keys, rules
  TO platform_admin, business_manager, svoikrug_service;
GRANT UPDATE (name_ru, name_en, sort_order) ON categories TO platform_admin;
-- A partner's own rules (its multiplier, its negotiated commission) are its business alone.
ALTER TABLE rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY rules_admin ON rules FOR SELECT TO platform_admin USING (true);
CREATE POLICY rules_service ON rules FOR SELECT TO svoikrug_service USING (true);
CREATE POLICY rules_business ON rules FOR SELECT TO business_manager
  USING (business_id IS NULL OR business_id = (SELECT current_staff_business()));
GRANT UPDATE (value, updated_at) ON club_settings TO platform_admin;

-- Businesses: the partner list is known to everyone in the club.
GRANT SELECT ON businesses TO platform_admin, business_manager, svoikrug_service;
GRANT INSERT, UPDATE ON businesses TO platform_admin;

-- Staff accounts: never the TOTP secret through SELECT.
GRANT SELECT (id, login, business_id, role, totp_enabled_at, created_at, created_by,
              disabled_at)
  ON staff_accounts TO platform_admin, business_manager, svoikrug_service;
ALTER TABLE staff_accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY staff_accounts_admin ON staff_accounts TO platform_admin USING (true);
CREATE POLICY staff_accounts_service ON staff_accounts TO svoikrug_service USING (true);
CREATE POLICY staff_accounts_business ON staff_accounts TO business_manager
  USING (login = session_user OR business_id = (SELECT current_staff_business()));

GRANT SELECT ON audit_log TO platform_admin;

-- Members: staff see their customers, without the phone hash or who referred whom.
GRANT SELECT ON members TO platform_admin, svoikrug_service;
GRANT SELECT (id, tier, tier_changed_at, joined_at, invited_inner_circle, invited_at,
              premium_until, last_seen_at, deleted_at)
  ON members TO business_manager;
-- Registration and activity by the service; tier, invitation and erasure only by functions.
GRANT INSERT (id, phone_hash, joined_at, referral_code, referred_by),
      UPDATE (last_seen_at, referral_code, premium_until)
  ON members TO svoikrug_service;
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_admin ON members TO platform_admin USING (true);
CREATE POLICY members_service ON members TO svoikrug_service USING (true) WITH CHECK (true);
CREATE POLICY members_business ON members FOR SELECT TO business_manager
  USING (EXISTS (SELECT FROM business_customers bc
                  WHERE bc.member_id = members.id
                    AND bc.business_id = (SELECT current_staff_business())));

-- Customers of a business.
GRANT SELECT ON business_customers TO platform_admin, business_manager, svoikrug_service;
ALTER TABLE business_customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY business_customers_admin ON business_customers TO platform_admin USING (true);
CREATE POLICY business_customers_service ON business_customers TO svoikrug_service USING (true);
CREATE POLICY business_customers_business ON business_customers FOR SELECT TO business_manager
  USING (business_id = (SELECT current_staff_business()));

-- Member-side tables: the service runs the member API; admins read; staff see the tier
-- history and badges of their own customers.
GRANT SELECT ON tier_history, member_badges TO platform_admin, business_manager,
                                                svoikrug_service;
GRANT INSERT ON member_badges TO svoikrug_service;
ALTER TABLE tier_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY tier_history_admin ON tier_history TO platform_admin USING (true);
CREATE POLICY tier_history_service ON tier_history TO svoikrug_service USING (true);
CREATE POLICY tier_history_business ON tier_history FOR SELECT TO business_manager
  USING (EXISTS (SELECT FROM business_customers bc
                  WHERE bc.member_id = tier_history.member_id
                    AND bc.business_id = (SELECT current_staff_business())));
ALTER TABLE member_badges ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_badges_admin ON member_badges TO platform_admin USING (true);
CREATE POLICY member_badges_service ON member_badges TO svoikrug_service
  USING (true) WITH CHECK (true);
CREATE POLICY member_badges_business ON member_badges FOR SELECT TO business_manager
  USING (EXISTS (SELECT FROM business_customers bc
                  WHERE bc.member_id = member_badges.member_id
                    AND bc.business_id = (SELECT current_staff_business())));

GRANT SELECT ON member_consents, referrals, premium_subscriptions TO platform_admin;
GRANT SELECT, INSERT ON member_consents, referrals, premium_subscriptions TO svoikrug_service;
GRANT UPDATE (withdrawn_at) ON member_consents TO svoikrug_service;
GRANT UPDATE (qualified_at, rewarded_at) ON referrals TO svoikrug_service;
GRANT UPDATE (paid_at, payment_ref) ON premium_subscriptions TO svoikrug_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON member_devices TO svoikrug_service;

-- Member API login state: the service only.
GRANT SELECT, INSERT, UPDATE, DELETE ON sms_login_codes, refresh_tokens, rate_limits
  TO svoikrug_service;

-- Promotions. Owners create coupons and campaigns for their own business ("create
-- promotions"); managers see them and redeem coupons at the till; cross-promos involve two
-- businesses and are set up by admins, each side sees its own.
GRANT SELECT ON coupons, cross_promos, business_campaigns
  TO platform_admin, business_manager, svoikrug_service;
GRANT INSERT, UPDATE ON coupons, cross_promos, business_campaigns TO platform_admin;
GRANT INSERT, UPDATE ON coupons, business_campaigns TO business_owner;
GRANT UPDATE (redeemed_at, redeemed_purchase_id) ON coupons TO business_manager;
GRANT INSERT, UPDATE (activation_code, activated_at, activation_valid_until) ON coupons
  TO svoikrug_service;

ALTER TABLE coupons ENABLE ROW LEVEL SECURITY;
CREATE POLICY coupons_admin ON coupons TO platform_admin USING (true) WITH CHECK (true);
CREATE POLICY coupons_service ON coupons TO svoikrug_service USING (true) WITH CHECK (true);
CREATE POLICY coupons_business ON coupons TO business_manager
  USING (business_id = (SELECT current_staff_business()))
  WITH CHECK (business_id = (SELECT current_staff_business()));

ALTER TABLE cross_promos ENABLE ROW LEVEL SECURITY;
CREATE POLICY cross_promos_admin ON cross_promos TO platform_admin USING (true) WITH CHECK (true);
CREATE POLICY cross_promos_service ON cross_promos TO svoikrug_service USING (true);
CREATE POLICY cross_promos_business ON cross_promos FOR SELECT TO business_manager
  USING ((SELECT current_staff_business()) IN (from_business_id, to_business_id));

ALTER TABLE business_campaigns ENABLE ROW LEVEL SECURITY;
CREATE POLICY business_campaigns_admin ON business_campaigns TO platform_admin
  USING (true) WITH CHECK (true);
CREATE POLICY business_campaigns_service ON business_campaigns TO svoikrug_service USING (true);
CREATE POLICY business_campaigns_business ON business_campaigns TO business_manager
  USING (business_id = (SELECT current_staff_business()))
  WITH CHECK (business_id = (SELECT current_staff_business()));

-- Integrations: owners configure their own ("configure integrations"); the service syncs.
GRANT SELECT, INSERT, UPDATE ON partner_integrations TO platform_admin, business_owner;
GRANT SELECT ON partner_integrations TO svoikrug_service;
GRANT UPDATE (sync_cursor, consecutive_failures, next_sync_at, last_success_at,
              last_failure_at, enabled)
  ON partner_integrations TO svoikrug_service;
ALTER TABLE partner_integrations ENABLE ROW LEVEL SECURITY;
CREATE POLICY partner_integrations_admin ON partner_integrations TO platform_admin
  USING (true) WITH CHECK (true);
CREATE POLICY partner_integrations_service ON partner_integrations TO svoikrug_service
  USING (true) WITH CHECK (true);
CREATE POLICY partner_integrations_owner ON partner_integrations TO business_owner
  USING (business_id = (SELECT current_staff_business()))
  WITH CHECK (business_id = (SELECT current_staff_business()));

GRANT SELECT ON sync_log TO platform_admin, business_owner;
GRANT SELECT, INSERT, UPDATE ON sync_log TO svoikrug_service;
ALTER TABLE sync_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY sync_log_admin ON sync_log TO platform_admin USING (true);
CREATE POLICY sync_log_service ON sync_log TO svoikrug_service USING (true) WITH CHECK (true);
CREATE POLICY sync_log_owner ON sync_log FOR SELECT TO business_owner
  USING (EXISTS (SELECT FROM partner_integrations pi
                  WHERE pi.id = sync_log.integration_id
                    AND pi.business_id = (SELECT current_staff_business())));

-- Purchases: read-only for everyone (record_purchase writes), scoped for staff.
GRANT SELECT ON purchases, purchase_keys, purchase_categories
  TO platform_admin, business_manager, svoikrug_service;
ALTER TABLE purchases ENABLE ROW LEVEL SECURITY;
CREATE POLICY purchases_admin ON purchases FOR SELECT TO platform_admin USING (true);
CREATE POLICY purchases_service ON purchases FOR SELECT TO svoikrug_service USING (true);
CREATE POLICY purchases_business ON purchases FOR SELECT TO business_manager
  USING (business_id = (SELECT current_staff_business()));
ALTER TABLE purchase_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY purchase_keys_admin ON purchase_keys FOR SELECT TO platform_admin USING (true);
CREATE POLICY purchase_keys_service ON purchase_keys FOR SELECT TO svoikrug_service USING (true);
CREATE POLICY purchase_keys_business ON purchase_keys FOR SELECT TO business_manager
  USING (business_id = (SELECT current_staff_business()));

-- The ledger and balances: read by admins and the service; written by ledger_append() only.
GRANT SELECT ON bonus_ledger, bonus_balances TO platform_admin, svoikrug_service;

-- Events. Everyone in the club sees the calendar; admins run it; the service registers,
-- takes proposals and votes for members.
GRANT SELECT ON events TO platform_admin, business_manager, svoikrug_service;
GRANT INSERT, UPDATE ON events TO platform_admin;
GRANT SELECT ON event_registrations, event_proposals, proposal_votes
  TO platform_admin, svoikrug_service;
GRANT UPDATE (status, waitlist_position, cancelled_at) ON event_registrations TO platform_admin;
GRANT INSERT, UPDATE (status, waitlist_position, plus_one, dietary_restrictions, cancelled_at)
  ON event_registrations TO svoikrug_service;
GRANT UPDATE (status, event_id) ON event_proposals TO platform_admin, svoikrug_service;
GRANT INSERT ON event_proposals, proposal_votes TO svoikrug_service;

GRANT SELECT ON events_budget_contributions, events_budget_allocations, events_budget_spending
  TO platform_admin, svoikrug_service;
GRANT INSERT, UPDATE ON events_budget_allocations TO platform_admin, svoikrug_service;
GRANT INSERT ON events_budget_spending TO platform_admin;

-- Service machinery.
GRANT SELECT, INSERT, UPDATE ON notification_outbox TO svoikrug_service;
GRANT INSERT ON notification_outbox TO platform_admin;
GRANT SELECT ON notification_outbox TO platform_admin;
GRANT SELECT, UPDATE ON scheduled_jobs TO platform_admin, svoikrug_service;
GRANT SELECT ON partner_statements TO platform_admin, business_owner, svoikrug_service;
GRANT INSERT, UPDATE ON partner_statements TO svoikrug_service;
ALTER TABLE partner_statements ENABLE ROW LEVEL SECURITY;
CREATE POLICY partner_statements_admin ON partner_statements TO platform_admin USING (true);
CREATE POLICY partner_statements_service ON partner_statements TO svoikrug_service
  USING (true) WITH CHECK (true);
CREATE POLICY partner_statements_owner ON partner_statements FOR SELECT TO business_owner
  USING (business_id = (SELECT current_staff_business()));

-- Functions. Helpers used inside policies must be callable by whoever the policy applies to.
GRANT EXECUTE ON FUNCTION
    current_staff_business (), is_platform_admin (), is_service (), current_actor_role (),
    club_time_zone (), audit_write (text, text, text, text, jsonb),
    rule_value (text, uuid, timestamptz), business_multiplier_bp (uuid, timestamptz),
    business_commission_bp (uuid, timestamptz),
    member_personal_read (uuid, text)
  TO platform_admin, business_manager, svoikrug_service;
GRANT EXECUTE ON FUNCTION
    record_purchase (uuid, text, bigint, timestamptz, text, bytea, uuid, text, text, text,
                     bigint, uuid)
  TO platform_admin, business_manager, svoikrug_service;
GRANT EXECUTE ON FUNCTION
    ledger_append (uuid, text, bigint, uuid, bigint, timestamptz, timestamptz, text, bigint),
    member_personal_write (uuid, bytea, bytea, bytea, integer, text),
    member_erase (uuid, text),
    member_set_tier (uuid, text, text),
    create_month_partitions (regclass, date, date)
  TO platform_admin, svoikrug_service;
GRANT EXECUTE ON FUNCTION
    rule_set (text, bigint, uuid, timestamptz, text),
    create_staff_account (text, text, uuid, text),
    disable_staff_account (text)
  TO platform_admin;
GRANT EXECUTE ON FUNCTION member_invite_inner_circle (uuid) TO platform_admin, business_owner;
