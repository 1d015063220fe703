-- SPDX-License-Identifier: GPL-3.0-or-later
-- Group roles and the schema's baseline privileges.
--
-- The Studio logs in to PostgreSQL with one login role per staff account, so the database
-- itself enforces who may see and change what. Login roles are made by
-- create_staff_account() and only ever get one of these groups:
--
--   platform_admin     the club's administrators: see everything, configure everything;
--                      still write money (purchases, ledger, rules, tiers) only through
--                      SECURITY DEFINER functions
--   business_owner     a partner's owner: everything a manager may, plus integrations,
--                      promotions and cross-promos of her own business
--   business_manager   a partner's manager: her business's customers and purchases only;
--                      manual entry and QR scans through record_purchase()
--   svoikrug_service   the companion service (member API, sync, outbox, scheduler)
--
-- Roles are cluster-wide while this file runs once per database (tests run many databases
-- in parallel), so creation is idempotent and tolerates a concurrent creator.

DO $roles$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['platform_admin', 'business_manager', 'business_owner',
                           'svoikrug_service']
  LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        -- Another database's migration created it between our check and our CREATE.
        NULL;
      END;
    END IF;
  END LOOP;

  -- An owner has every right of a manager of the same business.
  IF NOT pg_catalog.pg_has_role('business_owner', 'business_manager', 'MEMBER') THEN
    BEGIN
      GRANT business_manager TO business_owner;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$roles$;

-- Nobody but the groups may even look into the schema. (PostgreSQL 15 already revokes
-- CREATE on public from PUBLIC; USAGE is revoked here too.)
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO platform_admin, business_manager, svoikrug_service;

-- Connecting and temporary tables: only the groups may connect, and nobody but the owner may
-- create temporary tables (a temp table could otherwise shadow a table name in a function
-- whose search_path ends with pg_temp).
DO $db$
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO platform_admin, business_manager, '
                 'svoikrug_service', current_database());
END
$db$;

-- Functions are not executable by PUBLIC unless granted: every function made by the
-- migrating role from here on starts closed, and each GRANT EXECUTE below is deliberate.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Exclusion constraints on (key, range) need btree equality inside GiST (trusted extension).
CREATE EXTENSION IF NOT EXISTS btree_gist;
