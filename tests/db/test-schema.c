/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>

#include "sk-db.h"
#include "sk-test-pg.h"

/* Rules about the schema as a whole, read from the catalogs, so that a later migration that
 * forgets one (a float money column, a definer function without a pinned search_path, a
 * table granted to PUBLIC, a business table without row-level security) fails here. Each
 * query lists the offenders, so a failure names them. */

typedef struct
{
  SkTestDb *db;
} Fixture;

/* These tests only read the catalogs (partitions-cover-months adds months no other test
 * looks at), so they share one freshly migrated database. */
static SkTestDb *shared_db;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  if (shared_db == NULL)
    shared_db = sk_test_db_new ("schema");
  fixture->db = shared_db;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  fixture->db = NULL;
}

/* The offenders a query lists, joined by ', ', or "" when there are none. */
static char *
offenders (Fixture    *fixture,
           const char *sql)
{
  g_autofree char *wrapped = g_strdup_printf ("SELECT coalesce (string_agg (o::text, ', '"
                                              " ORDER BY o::text), '') FROM (%s) AS q (o)", sql);

  return sk_test_query_value (fixture->db->conn, wrapped, NULL);
}

/* Objects that belong to an extension (btree_gist) follow the extension's rules, not ours. */
#define NOT_EXTENSION(oid, catalog) \
  "NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = '" catalog "'::regclass" \
  " AND d.objid = " oid " AND d.deptype = 'e')"

static void
test_definer_functions_pin_search_path (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *bad = NULL;
  g_autofree char *count = NULL;

  bad = offenders (fixture,
                   "SELECT p.oid::regprocedure FROM pg_proc p"
                   " WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef"
                   "   AND NOT coalesce ('search_path=pg_catalog, public, pg_temp'"
                   "                     = ANY (p.proconfig), false)");
  g_assert_cmpstr (bad, ==, "");

  /* The check above is not vacuous. */
  count = sk_test_query_value (fixture->db->conn,
                               "SELECT count(*) FROM pg_proc WHERE prosecdef"
                               " AND pronamespace = 'public'::regnamespace", NULL);
  g_assert_cmpint (atoi (count), >=, 10);
}

static void
test_no_function_executable_by_public (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autofree char *bad = offenders (fixture,
    "SELECT p.oid::regprocedure FROM pg_proc p"
    " WHERE p.pronamespace = 'public'::regnamespace"
    "   AND " NOT_EXTENSION ("p.oid", "pg_proc")
    "   AND (p.proacl IS NULL"
    "        OR EXISTS (SELECT FROM aclexplode (p.proacl) a"
    "                    WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))");

  g_assert_cmpstr (bad, ==, "");
}

static void
test_nothing_granted_to_public (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *bad = offenders (fixture,
    "SELECT c.oid::regclass FROM pg_class c"
    " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
    "   AND EXISTS (SELECT FROM aclexplode (c.relacl) a WHERE a.grantee = 0)");
  g_autofree char *schema = sk_test_query_value (fixture->db->conn,
                                                 "SELECT has_schema_privilege ('public', 'public',"
                                                 " 'USAGE')::text", NULL);

  g_assert_cmpstr (bad, ==, "");
  g_assert_cmpstr (schema, ==, "false");
}

static void
test_money_is_bigint (Fixture       *fixture,
                      gconstpointer  data)
{
  /* No floating point or numeric anywhere; money-named columns are bigint kopecks. */
  g_autofree char *inexact = offenders (fixture,
    "SELECT table_name || '.' || column_name FROM information_schema.columns"
    " WHERE table_schema = 'public'"
    "   AND data_type IN ('numeric', 'real', 'double precision', 'money')");
  g_autofree char *money = offenders (fixture,
    "SELECT table_name || '.' || column_name || ' ' || data_type"
    " FROM information_schema.columns"
    " WHERE table_schema = 'public'"
    "   AND (column_name LIKE '%kopecks%' OR column_name IN ('amount', 'value', 'pending',"
    "        'available', 'debt', 'budget_per_person', 'pending_delta', 'available_delta',"
    "        'debt_delta'))"
    "   AND table_name NOT IN ('club_settings')"
    "   AND data_type <> 'bigint'");

  g_assert_cmpstr (inexact, ==, "");
  g_assert_cmpstr (money, ==, "");
}

static void
test_times_have_zones (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *bad = offenders (fixture,
    "SELECT table_name || '.' || column_name FROM information_schema.columns"
    " WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'");

  g_assert_cmpstr (bad, ==, "");
}

static void
test_business_tables_have_rls (Fixture       *fixture,
                               gconstpointer  data)
{
  /* Every table that business staff may read and that belongs to a business or a member
   * carries row-level security. */
  g_autofree char *bad = offenders (fixture,
    "SELECT c.oid::regclass FROM pg_class c"
    " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
    "   AND NOT c.relispartition"
    "   AND has_table_privilege ('business_manager', c.oid, 'SELECT')"
    "   AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped"
    "               AND a.attname IN ('business_id', 'member_id', 'from_business_id'))"
    "   AND NOT c.relrowsecurity");
  g_autofree char *covered = offenders (fixture,
    "SELECT c.relname FROM pg_class c"
    " WHERE c.relnamespace = 'public'::regnamespace AND c.relrowsecurity"
    "   AND c.relname IN ('purchases', 'members', 'business_customers', 'rules')");

  g_assert_cmpstr (bad, ==, "");
  g_assert_cmpstr (covered, ==, "business_customers, members, purchases, rules");
}

static void
test_staff_read_nothing_personal (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *readable = offenders (fixture,
    "SELECT r || ':' || t FROM unnest (ARRAY['platform_admin', 'business_manager',"
    "                                         'business_owner', 'svoikrug_service']) r,"
    "       unnest (ARRAY['member_personal']) t"
    " WHERE has_table_privilege (r, t, 'SELECT')"
    "    OR has_any_column_privilege (r, t, 'SELECT')");
  g_autofree char *hash = offenders (fixture,
    "SELECT r FROM unnest (ARRAY['business_manager', 'business_owner']) r"
    " WHERE has_column_privilege (r, 'members', 'phone_hash', 'SELECT')"
    "    OR has_column_privilege (r, 'staff_accounts', 'totp_secret_enc', 'SELECT')");

  g_assert_cmpstr (readable, ==, "");
  g_assert_cmpstr (hash, ==, "");
}

static void
test_no_plain_personal_columns (Fixture       *fixture,
                                gconstpointer  data)
{
  /* Personal data lives encrypted in member_personal only: no plain name, phone, e-mail or
   * birth date column anywhere, and no free-text column on purchases (medical secrecy). */
  g_autofree char *bad = offenders (fixture,
    "SELECT table_name || '.' || column_name FROM information_schema.columns"
    " WHERE table_schema = 'public'"
    "   AND (column_name IN ('phone', 'email', 'e_mail', 'first_name', 'last_name',"
    "                        'full_name', 'birth_date', 'customer_phone', 'customer_name')"
    "        OR (table_name LIKE 'purchases%'"
    "            AND column_name IN ('description', 'items', 'payload', 'metadata',"
    "                                'service_name', 'comment')))");

  g_assert_cmpstr (bad, ==, "");
}

static void
test_append_only_tables (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *writable = offenders (fixture,
    "SELECT r || ':' || t || ':' || p"
    " FROM unnest (ARRAY['platform_admin', 'business_manager', 'business_owner',"
    "                    'svoikrug_service']) r,"
    "      unnest (ARRAY['bonus_ledger', 'bonus_balances', 'audit_log', 'purchases',"
    "                    'purchase_keys', 'rules', 'tier_history', 'staff_accounts',"
    "                    'business_customers', 'member_personal']) t,"
    "      unnest (ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p"
    " WHERE has_table_privilege (r, t, p)"
    "    OR (p IN ('INSERT', 'UPDATE') AND has_any_column_privilege (r, t, p))");
  g_autofree char *tier = offenders (fixture,
    "SELECT r FROM unnest (ARRAY['platform_admin', 'business_manager', 'svoikrug_service']) r"
    " WHERE has_column_privilege (r, 'members', 'tier', 'UPDATE')"
    "    OR has_column_privilege (r, 'members', 'invited_inner_circle', 'UPDATE')");

  g_assert_cmpstr (writable, ==, "");
  g_assert_cmpstr (tier, ==, "");
}

static void
test_partitions_cover_months (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *counts = NULL;
  g_autofree char *created = NULL;
  g_autofree char *again = NULL;
  g_autofree char *placed = NULL;

  counts = sk_test_query_value (fixture->db->conn,
    "SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'purchases'::regclass)"
    " || '/' ||"
    "       (SELECT count(*) FROM pg_inherits WHERE inhparent = 'bonus_ledger'::regclass)",
    NULL);
  /* 2024-01 .. 2027-12 plus DEFAULT. */
  g_assert_cmpstr (counts, ==, "49/49");

  created = sk_test_query_value (fixture->db->conn,
                                 "SELECT create_month_partitions ('purchases', '2027-11-01',"
                                 " '2028-02-01')", NULL);
  g_assert_cmpstr (created, ==, "2");
  again = sk_test_query_value (fixture->db->conn,
                               "SELECT create_month_partitions ('purchases', '2028-01-01',"
                               " '2028-02-01')", NULL);
  g_assert_cmpstr (again, ==, "0");
  sk_test_assert_sqlstate (sk_test_exec (fixture->db->conn,
                                         "SELECT create_month_partitions ('members',"
                                         " '2028-01-01', '2028-02-01')", NULL), "22023");

  /* A purchase lands in its month. */
  sk_test_assert_ok (PQexec (fixture->db->conn,
    "INSERT INTO businesses (id, name, category)"
    " VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 'Лисичкино', 'gastronomy');"
    "SELECT record_purchase ('aaaaaaaa-0000-4000-8000-000000000001', 'p-1', 216000,"
    "                        '2026-11-20 12:00+03', 'csv')"));
  placed = sk_test_query_value (fixture->db->conn,
                                "SELECT tableoid::regclass::text FROM purchases", NULL);
  g_assert_cmpstr (placed, ==, "purchases_y2026m11");
}

static void
test_every_rule_key_has_default (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *missing = offenders (fixture,
    "SELECT k.key FROM rule_keys k"
    " WHERE NOT EXISTS (SELECT FROM rules r WHERE r.key = k.key AND r.business_id IS NULL"
    "                   AND r.valid_from = '-infinity')");
  g_autofree char *defaults = sk_test_query_value (fixture->db->conn,
    "SELECT string_agg (rule_value (k)::text, ',' ORDER BY n) FROM unnest (ARRAY["
    " 'cashback.rate.insider', 'cashback.rate.vip', 'cashback.rate.elite',"
    " 'cashback.rate.inner_circle', 'cashback.new_category.insider',"
    " 'cashback.new_category.vip_plus', 'cross_bonus.rate', 'bonus.hold_days',"
    " 'bonus.expiry_months', 'events_budget.contribution', 'events_budget.allocation.open',"
    " 'events_budget.allocation.vip', 'events_budget.allocation.elite',"
    " 'events_budget.allocation.reserve', 'tier.vip.min_spend', 'tier.elite.min_spend',"
    " 'tier.inner_circle.min_spend', 'vote.weight.inner_circle', 'auth.sms_code_ttl'])"
    " WITH ORDINALITY AS u (k, n)", NULL);
  g_autofree char *shares = sk_test_query_value (fixture->db->conn,
    "SELECT sum(rule_value (key)) FROM rule_keys"
    " WHERE key LIKE 'events_budget.allocation.%'", NULL);

  g_assert_cmpstr (missing, ==, "");
  g_assert_cmpstr (defaults, ==,
                   "500,700,1000,1000,15000,20000,1000,14,12,200,3000,4000,2000,1000,"
                   "3000000,10000000,20000000,5,300");
  g_assert_cmpstr (shares, ==, "10000");
}

static void
test_categories (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *counted = offenders (fixture,
    "SELECT code FROM categories WHERE counts_for_tiers");
  g_autofree char *anonymous = offenders (fixture,
    "SELECT code FROM categories WHERE NOT counts_for_tiers");

  g_assert_cmpstr (counted, ==,
                   "beauty, cosmetology, dentistry, floristry, gastronomy, home, legal, "
                   "medicine, optics");
  g_assert_cmpstr (anonymous, ==, "medical_service");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/db/schema/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("definer-functions-pin-search-path", test_definer_functions_pin_search_path);
  ADD ("no-function-executable-by-public", test_no_function_executable_by_public);
  ADD ("nothing-granted-to-public", test_nothing_granted_to_public);
  ADD ("money-is-bigint", test_money_is_bigint);
  ADD ("times-have-zones", test_times_have_zones);
  ADD ("business-tables-have-rls", test_business_tables_have_rls);
  ADD ("staff-read-nothing-personal", test_staff_read_nothing_personal);
  ADD ("no-plain-personal-columns", test_no_plain_personal_columns);
  ADD ("append-only-tables", test_append_only_tables);
  ADD ("partitions-cover-months", test_partitions_cover_months);
  ADD ("every-rule-key-has-default", test_every_rule_key_has_default);
  ADD ("categories", test_categories);

#undef ADD

  ret = g_test_run ();
  g_clear_pointer (&shared_db, sk_test_db_free);
  return ret;
}
