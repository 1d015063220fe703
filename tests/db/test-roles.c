/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "sk-db.h"
#include "sk-test-pg.h"

/* Who sees and may change what, checked by logging in as each kind of staff account: the
 * Studio connects with one PostgreSQL role per account, so these are the real permissions. */

#define BUSINESS_A "aaaaaaaa-0000-4000-8000-000000000001"
#define BUSINESS_B "bbbbbbbb-0000-4000-8000-000000000002"
#define MEMBER_1   "11111111-0000-4000-8000-000000000001"   /* bought at A */
#define MEMBER_2   "22222222-0000-4000-8000-000000000002"   /* bought at B */
#define MEMBER_3   "33333333-0000-4000-8000-000000000003"   /* bought nowhere yet */

#define PHONE_HASH(p) "sha256(convert_to('" p "', 'UTF8'))"

typedef struct
{
  SkTestDb *db;
  char     *admin_login;
  char     *owner_a_login;
  char     *manager_a_login;
  char     *owner_b_login;
  char     *service_login;
  PGconn   *admin;
  PGconn   *owner_a;
  PGconn   *manager_a;
  PGconn   *owner_b;
  PGconn   *service;
} Fixture;

static void
create_staff (Fixture    *fixture,
              const char *login,
              const char *business_id,
              const char *role)
{
  sk_test_assert_ok (sk_test_exec (fixture->db->conn,
                                   "SELECT create_staff_account ($1, NULL,"
                                   " nullif ($2, '')::uuid, $3)",
                                   login, business_id ? business_id : "", role, NULL));
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  PGconn *su;

  fixture->db = sk_test_db_new ("roles");
  su = fixture->db->conn;

  sk_test_assert_ok (PQexec (su,
    "INSERT INTO businesses (id, name, category) VALUES"
    " ('" BUSINESS_A "', 'Миндаль', 'beauty'),"
    " ('" BUSINESS_B "', 'Стим Центр', 'dentistry');"
    "UPDATE businesses SET is_medical = true WHERE id = '" BUSINESS_B "';"
    "INSERT INTO members (id, phone_hash, tier) VALUES"
    " ('" MEMBER_1 "', " PHONE_HASH ("+79990000001") ", 'insider'),"
    " ('" MEMBER_2 "', " PHONE_HASH ("+79990000002") ", 'insider'),"
    " ('" MEMBER_3 "', " PHONE_HASH ("+79990000003") ", 'none');"
    "SELECT record_purchase ('" BUSINESS_A "', 'a-1', 350000, now () - interval '2 days',"
    "                        'partner', " PHONE_HASH ("+79990000001") ");"
    "SELECT record_purchase ('" BUSINESS_A "', 'a-2', 120000, now () - interval '1 day',"
    "                        'partner', " PHONE_HASH ("+79990000099") ");"
    "SELECT record_purchase ('" BUSINESS_B "', 'b-1', 800000, now () - interval '1 day',"
    "                        'partner', " PHONE_HASH ("+79990000002") ");"
    "SELECT member_personal_write ('" MEMBER_1 "', '\\x00112233445566778899aabbccddeeff01',"
    "                              '\\x000102030405060708090a0b', '\\xfeed', 1, 'registration');"
    "SELECT member_personal_write ('" MEMBER_2 "', '\\xffeeddccbbaa99887766554433221100ff',"
    "                              '\\x0c0d0e0f1011121314151617', '\\xbeef', 1, 'registration');"));

  fixture->admin_login = g_strconcat (fixture->db->role_prefix, "admin", NULL);
  fixture->owner_a_login = g_strconcat (fixture->db->role_prefix, "owner_a", NULL);
  fixture->manager_a_login = g_strconcat (fixture->db->role_prefix, "manager_a", NULL);
  fixture->owner_b_login = g_strconcat (fixture->db->role_prefix, "owner_b", NULL);
  fixture->service_login = g_strconcat (fixture->db->role_prefix, "service", NULL);

  create_staff (fixture, fixture->admin_login, NULL, "platform_admin");
  create_staff (fixture, fixture->owner_a_login, BUSINESS_A, "business_owner");
  create_staff (fixture, fixture->manager_a_login, BUSINESS_A, "business_manager");
  create_staff (fixture, fixture->owner_b_login, BUSINESS_B, "business_owner");
  create_staff (fixture, fixture->service_login, NULL, "svoikrug_service");

  fixture->admin = sk_test_db_connect_as (fixture->db, fixture->admin_login);
  fixture->owner_a = sk_test_db_connect_as (fixture->db, fixture->owner_a_login);
  fixture->manager_a = sk_test_db_connect_as (fixture->db, fixture->manager_a_login);
  fixture->owner_b = sk_test_db_connect_as (fixture->db, fixture->owner_b_login);
  fixture->service = sk_test_db_connect_as (fixture->db, fixture->service_login);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->admin, PQfinish);
  g_clear_pointer (&fixture->owner_a, PQfinish);
  g_clear_pointer (&fixture->manager_a, PQfinish);
  g_clear_pointer (&fixture->owner_b, PQfinish);
  g_clear_pointer (&fixture->service, PQfinish);
  g_clear_pointer (&fixture->db, sk_test_db_free);
  g_free (fixture->admin_login);
  g_free (fixture->owner_a_login);
  g_free (fixture->manager_a_login);
  g_free (fixture->owner_b_login);
  g_free (fixture->service_login);
}

/* Every row of a one-column query, sorted and joined by ','. */
static char *
query_list (PGconn     *conn,
            const char *sql)
{
  g_autofree char *wrapped = g_strdup_printf ("SELECT coalesce (string_agg (v::text, ',' ORDER BY v::text), '')"
                                              " FROM (%s) AS q (v)", sql);

  return sk_test_query_value (conn, wrapped, NULL);
}

static void
test_admin_sees_everything (Fixture       *fixture,
                            gconstpointer  data)
{
  g_assert_cmpint (sk_test_query_int (fixture->admin, "SELECT count(*) FROM purchases", NULL), ==, 3);
  g_assert_cmpint (sk_test_query_int (fixture->admin, "SELECT count(*) FROM members", NULL), ==, 3);
  g_assert_cmpint (sk_test_query_int (fixture->admin, "SELECT count(*) FROM business_customers", NULL), ==, 2);
  g_assert_cmpint (sk_test_query_int (fixture->admin, "SELECT count(*) FROM staff_accounts", NULL), ==, 5);
  sk_test_assert_ok (sk_test_exec (fixture->admin, "SELECT * FROM bonus_ledger", NULL));
  sk_test_assert_ok (sk_test_exec (fixture->admin, "SELECT * FROM audit_log", NULL));
}

static void
test_manager_sees_own_business (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *businesses = NULL;
  g_autofree char *members = NULL;
  g_autofree char *customers = NULL;
  g_autofree char *keys = NULL;

  g_assert_cmpint (sk_test_query_int (fixture->manager_a, "SELECT count(*) FROM purchases", NULL), ==, 2);
  businesses = query_list (fixture->manager_a, "SELECT DISTINCT business_id FROM purchases");
  g_assert_cmpstr (businesses, ==, BUSINESS_A);
  keys = query_list (fixture->manager_a, "SELECT external_id FROM purchase_keys");
  g_assert_cmpstr (keys, ==, "a-1,a-2");

  /* Her customers: members who bought at A. Not B's customer, not a member who bought nowhere. */
  members = query_list (fixture->manager_a, "SELECT id FROM members");
  g_assert_cmpstr (members, ==, MEMBER_1);
  customers = query_list (fixture->manager_a, "SELECT member_id FROM business_customers");
  g_assert_cmpstr (customers, ==, MEMBER_1);

  /* Asking for another business's rows by id finds nothing rather than leaking. */
  g_assert_cmpint (sk_test_query_int (fixture->manager_a,
                              "SELECT count(*) FROM purchases WHERE business_id = '" BUSINESS_B "'", NULL),
                   ==, 0);
  g_assert_cmpint (sk_test_query_int (fixture->manager_a,
                              "SELECT count(*) FROM members WHERE id = '" MEMBER_2 "'", NULL), ==, 0);
}

static void
test_owner_sees_own_business (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *businesses = NULL;
  g_autofree char *members = NULL;
  g_autofree char *categories = NULL;

  g_assert_cmpint (sk_test_query_int (fixture->owner_b, "SELECT count(*) FROM purchases", NULL), ==, 1);
  businesses = query_list (fixture->owner_b, "SELECT business_id FROM purchases");
  g_assert_cmpstr (businesses, ==, BUSINESS_B);
  members = query_list (fixture->owner_b, "SELECT id FROM members");
  g_assert_cmpstr (members, ==, MEMBER_2);

  /* The view follows the caller's policies too, and counts the clinic as dentistry. */
  categories = query_list (fixture->owner_b, "SELECT counted_category FROM purchase_categories");
  g_assert_cmpstr (categories, ==, "dentistry");
}

static void
test_service_sees_everything (Fixture       *fixture,
                              gconstpointer  data)
{
  g_assert_cmpint (sk_test_query_int (fixture->service, "SELECT count(*) FROM purchases", NULL), ==, 3);
  g_assert_cmpint (sk_test_query_int (fixture->service, "SELECT count(*) FROM members", NULL), ==, 3);
  /* The two matched purchases earned cashback through the pipeline (015-pipeline.sql). */
  g_assert_cmpint (sk_test_query_int (fixture->service, "SELECT count(*) FROM bonus_balances", NULL), ==, 2);
}

static void
test_staff_cannot_read_phone_hash (Fixture       *fixture,
                                   gconstpointer  data)
{
  sk_test_assert_denied (sk_test_exec (fixture->manager_a,
                                       "SELECT phone_hash FROM members", NULL));
  sk_test_assert_denied (sk_test_exec (fixture->owner_a, "SELECT * FROM members", NULL));
  sk_test_assert_ok (sk_test_exec (fixture->owner_a, "SELECT id, tier FROM members", NULL));
}

static void
test_direct_writes_denied (Fixture       *fixture,
                           gconstpointer  data)
{
  PGconn *everyone[] = { fixture->admin, fixture->owner_a, fixture->manager_a, fixture->service };
  const char *writes[] = {
    "INSERT INTO purchase_keys (business_id, external_id, occurred_at)"
    " VALUES ('" BUSINESS_A "', 'direct', now ())",
    "INSERT INTO purchases (id, occurred_at, business_id, amount, category, source, status,"
    "                       external_id)"
    " VALUES (gen_random_uuid (), now (), '" BUSINESS_A "', 100, 'beauty', 'manual',"
    "         'unmatched', 'direct')",
    "UPDATE purchases SET amount = 1",
    "DELETE FROM purchases",
    "INSERT INTO bonus_ledger (member_id, kind, available_delta)"
    " VALUES ('" MEMBER_1 "', 'gift', 100000)",
    "INSERT INTO bonus_balances (member_id, available) VALUES ('" MEMBER_1 "', 100000)",
    "UPDATE members SET tier = 'elite'",
    "INSERT INTO rules (key, value) VALUES ('cashback.rate.insider', 5000)",
    "UPDATE rules SET value = 5000",
    "INSERT INTO member_personal (member_id, ciphertext, nonce, wrapped_key, key_version)"
    " VALUES ('" MEMBER_3 "', '\\x00', '\\x00', '\\x00', 1)",
    "INSERT INTO audit_log (actor_role, action, target_type) VALUES ('x', 'forged', 'x')",
    "INSERT INTO staff_accounts (login, role) VALUES ('intruder', 'platform_admin')",
    "INSERT INTO business_customers (business_id, member_id, first_purchase_at,"
    "                                last_purchase_at)"
    " VALUES ('" BUSINESS_A "', '" MEMBER_2 "', now (), now ())",
    /* A month's partition is not a way around the parent's policies. */
    "SELECT * FROM purchases_default",
  };

  for (guint i = 0; i < G_N_ELEMENTS (everyone); i++)
    for (guint j = 0; j < G_N_ELEMENTS (writes); j++)
      sk_test_assert_denied (sk_test_exec (everyone[i], writes[j], NULL));

  g_assert_cmpint (sk_test_query_int (fixture->db->conn, "SELECT count(*) FROM purchases", NULL), ==, 3);
  /* Only the pipeline's two 'earned' entries of the fixture's matched purchases. */
  g_assert_cmpint (sk_test_query_int (fixture->db->conn, "SELECT count(*) FROM bonus_ledger", NULL), ==, 2);
  g_assert_cmpint (sk_test_query_int (fixture->db->conn,
                                      "SELECT count(*) FROM bonus_ledger WHERE kind <> 'earned'",
                                      NULL), ==, 0);
}

static PGresult *
record (PGconn     *conn,
        const char *business_id,
        const char *external_id)
{
  return sk_test_exec (conn,
                       "SELECT outcome FROM record_purchase ($1, $2, 250000,"
                       " now () - interval '1 hour', 'manual',"
                       " p_member_id => '" MEMBER_1 "')",
                       business_id, external_id, NULL);
}

static void
assert_recorded (PGresult *result)
{
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_TUPLES_OK);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "recorded");
  PQclear (result);
}

static void
test_record_purchase_own_business_only (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *stored = NULL;

  assert_recorded (record (fixture->manager_a, BUSINESS_A, "m-1"));
  /* An owner may do what her managers may. */
  assert_recorded (record (fixture->owner_a, BUSINESS_A, "o-1"));
  assert_recorded (record (fixture->service, BUSINESS_B, "s-1"));
  assert_recorded (record (fixture->admin, BUSINESS_B, "p-1"));

  sk_test_assert_denied (record (fixture->manager_a, BUSINESS_B, "m-2"));
  sk_test_assert_denied (record (fixture->owner_b, BUSINESS_A, "o-2"));

  stored = query_list (fixture->db->conn,
                       "SELECT business_id || '/' || external_id || '/' || recorded_by"
                       " FROM purchases WHERE source = 'manual'");
  {
    g_autofree char *expected =
      g_strdup_printf ("%s/m-1/%s,%s/o-1/%s,%s/p-1/%s,%s/s-1/%s",
                       BUSINESS_A, fixture->manager_a_login,
                       BUSINESS_A, fixture->owner_a_login,
                       BUSINESS_B, fixture->admin_login,
                       BUSINESS_B, fixture->service_login);
    g_assert_cmpstr (stored, ==, expected);
  }
  g_assert_cmpint (sk_test_query_int (fixture->db->conn,
                              "SELECT count(*) FROM purchase_keys"
                              " WHERE external_id IN ('m-2', 'o-2')", NULL), ==, 0);
}

static void
test_personal_data_only_audited (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(PGresult) result = NULL;
  g_autofree char *audit = NULL;
  g_autofree char *expected = NULL;
  int before;

  /* Nobody reads the table itself, not even an admin or the service. */
  sk_test_assert_denied (sk_test_exec (fixture->manager_a, "SELECT * FROM member_personal", NULL));
  sk_test_assert_denied (sk_test_exec (fixture->admin, "SELECT * FROM member_personal", NULL));
  sk_test_assert_denied (sk_test_exec (fixture->service,
                                       "SELECT count(*) FROM member_personal", NULL));

  before = sk_test_query_int (fixture->db->conn, "SELECT count(*) FROM audit_log", NULL);

  result = sk_test_exec (fixture->manager_a,
                         "SELECT encode (ciphertext, 'hex'), encode (nonce, 'hex'), key_version"
                         " FROM member_personal_read ($1, 'calling about her booking')",
                         MEMBER_1, NULL);
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_TUPLES_OK);
  g_assert_cmpint (PQntuples (result), ==, 1);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "00112233445566778899aabbccddeeff01");
  g_assert_cmpstr (PQgetvalue (result, 0, 1), ==, "000102030405060708090a0b");
  g_assert_cmpstr (PQgetvalue (result, 0, 2), ==, "1");

  g_assert_cmpint (sk_test_query_int (fixture->db->conn, "SELECT count(*) FROM audit_log", NULL), ==, before + 1);
  audit = sk_test_query_value (fixture->db->conn,
                               "SELECT actor || '|' || actor_role || '|' || action || '|' ||"
                               "       target_type || '|' || target_id || '|' || purpose"
                               " FROM audit_log ORDER BY id DESC LIMIT 1", NULL);
  expected = g_strdup_printf ("%s|business_manager|personal_data.read|member|%s|"
                              "calling about her booking", fixture->manager_a_login, MEMBER_1);
  g_assert_cmpstr (audit, ==, expected);

  /* Another business's customer: refused, and the refusal leaves no row behind. */
  sk_test_assert_denied (sk_test_exec (fixture->manager_a,
                                       "SELECT * FROM member_personal_read ($1, 'curious')",
                                       MEMBER_2, NULL));
  /* A reason is required. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->service,
                                         "SELECT * FROM member_personal_read ($1, '')",
                                         MEMBER_2, NULL), "22023");
  g_assert_cmpint (sk_test_query_int (fixture->db->conn, "SELECT count(*) FROM audit_log", NULL), ==, before + 1);

  /* The service reads anyone's, audited as the service. */
  g_assert_cmpint (sk_test_query_int (fixture->service,
                              "SELECT count(*) FROM member_personal_read ('" MEMBER_2 "',"
                              " 'profile screen')", NULL), ==, 1);
  g_assert_cmpint (sk_test_query_int (fixture->db->conn,
                              "SELECT count(*) FROM audit_log WHERE actor_role = 'svoikrug_service'"
                              " AND action = 'personal_data.read'", NULL), ==, 1);

  /* The audit log is not for staff to read or write. */
  sk_test_assert_denied (sk_test_exec (fixture->manager_a, "SELECT * FROM audit_log", NULL));
  sk_test_assert_denied (sk_test_exec (fixture->owner_a, "SELECT * FROM audit_log", NULL));
  sk_test_assert_denied (sk_test_exec (fixture->admin, "DELETE FROM audit_log", NULL));
  sk_test_assert_sqlstate (sk_test_exec (fixture->db->conn, "DELETE FROM audit_log", NULL),
                           "23001");
}

static void
test_ledger_append_only (Fixture       *fixture,
                         gconstpointer  data)
{
  PGconn *staff[] = { fixture->admin, fixture->service, fixture->owner_a, fixture->manager_a };
  const char *changes[] = {
    "UPDATE bonus_ledger SET available_delta = 1000000",
    "DELETE FROM bonus_ledger",
    "TRUNCATE bonus_ledger",
    "UPDATE bonus_balances SET available = 1000000",
    "DELETE FROM bonus_balances",
  };

  sk_test_assert_ok (sk_test_exec (fixture->service,
                                   "SELECT ledger_append ($1, 'gift', 50000)", MEMBER_1, NULL));
  /* Business staff do not touch the ledger at all. */
  sk_test_assert_denied (sk_test_exec (fixture->manager_a,
                                       "SELECT ledger_append ($1, 'gift', 50000)", MEMBER_1, NULL));
  sk_test_assert_denied (sk_test_exec (fixture->owner_a,
                                       "SELECT * FROM bonus_ledger", NULL));

  for (guint i = 0; i < G_N_ELEMENTS (staff); i++)
    for (guint j = 0; j < G_N_ELEMENTS (changes); j++)
      sk_test_assert_denied (sk_test_exec (staff[i], changes[j], NULL));

  /* Not even the owner of the tables: the triggers refuse. */
  for (guint j = 0; j < G_N_ELEMENTS (changes); j++)
    sk_test_assert_sqlstate (sk_test_exec (fixture->db->conn, changes[j], NULL), "23001");

  /* The gift, next to the fixture purchases' two pending 'earned' entries. */
  g_assert_cmpint (sk_test_query_int (fixture->db->conn, "SELECT count(*) FROM bonus_ledger", NULL), ==, 3);
  g_assert_cmpint (sk_test_query_int (fixture->db->conn,
                              "SELECT available FROM bonus_balances"
                              " WHERE member_id = '" MEMBER_1 "'", NULL), ==, 50000);
}

static void
test_staff_accounts_by_admins_only (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autofree char *new_login = g_strconcat (fixture->db->role_prefix, "new_manager", NULL);
  g_autofree char *sneaky = g_strconcat (fixture->db->role_prefix, "sneaky", NULL);
  g_autofree char *member_of = NULL;
  g_autofree char *audit = NULL;
  g_autoptr(PGconn) new_conn = NULL;

  sk_test_assert_denied (sk_test_exec (fixture->owner_a,
                                       "SELECT create_staff_account ($1, NULL, $2,"
                                       " 'business_manager')", sneaky, BUSINESS_A, NULL));
  sk_test_assert_denied (sk_test_exec (fixture->service,
                                       "SELECT create_staff_account ($1, NULL, NULL,"
                                       " 'platform_admin')", sneaky, NULL));
  g_assert_cmpint (sk_test_query_int (fixture->db->conn,
                              "SELECT count(*) FROM pg_roles WHERE rolname LIKE '%sneaky'", NULL), ==, 0);

  /* An admin login (not a superuser) makes a manager of A, who then sees A's purchases. */
  sk_test_assert_ok (sk_test_exec (fixture->admin,
                                   "SELECT create_staff_account ($1, NULL, $2, 'business_manager')",
                                   new_login, BUSINESS_A, NULL));
  member_of = sk_test_query_value (fixture->db->conn,
                                   "SELECT pg_has_role ($1, 'business_manager', 'MEMBER')::text"
                                   " || pg_has_role ($1, 'business_owner', 'MEMBER')::text",
                                   new_login, NULL);
  g_assert_cmpstr (member_of, ==, "truefalse");
  audit = sk_test_query_value (fixture->db->conn,
                               "SELECT actor FROM audit_log WHERE action = 'staff.create'"
                               " AND details->>'login' = $1", new_login, NULL);
  g_assert_cmpstr (audit, ==, fixture->admin_login);

  new_conn = sk_test_db_connect_as (fixture->db, new_login);
  g_assert_cmpint (sk_test_query_int (new_conn, "SELECT count(*) FROM purchases", NULL), ==, 2);

  /* A manager belongs to a business; a role must be one of the four. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->admin,
                                         "SELECT create_staff_account ($1, NULL, NULL,"
                                         " 'business_manager')", sneaky, NULL), "22023");
  sk_test_assert_sqlstate (sk_test_exec (fixture->admin,
                                         "SELECT create_staff_account ($1, NULL, NULL,"
                                         " 'superuser')", sneaky, NULL), "22023");
}

static void
test_rules_changed_by_admins_only (Fixture       *fixture,
                                   gconstpointer  data)
{
  sk_test_assert_denied (sk_test_exec (fixture->owner_a,
                                       "SELECT rule_set ('cashback.business_multiplier', 30000,"
                                       " $1)", BUSINESS_A, NULL));
  sk_test_assert_denied (sk_test_exec (fixture->service,
                                       "SELECT rule_set ('bonus.hold_days', 0)", NULL));
  sk_test_assert_ok (sk_test_exec (fixture->admin,
                                   "SELECT rule_set ('cashback.business_multiplier', 15000,"
                                   " $1)", BUSINESS_B, NULL));

  g_assert_cmpint (sk_test_query_int (fixture->owner_b,
                              "SELECT rule_value ('cashback.business_multiplier', '"
                              BUSINESS_B "')", NULL), ==, 15000);
  /* A partner's own rule is hers: the other partner does not even see that it exists. */
  g_assert_cmpint (sk_test_query_int (fixture->owner_a,
                              "SELECT count(*) FROM rules WHERE business_id IS NOT NULL", NULL), ==, 0);
  g_assert_cmpint (sk_test_query_int (fixture->owner_b,
                              "SELECT count(*) FROM rules WHERE business_id IS NOT NULL", NULL), ==, 1);
}

static void
test_owner_invites_own_customer (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *tier = NULL;
  g_autofree char *changed = NULL;

  /* Managers may not invite; owners only their own customers. */
  sk_test_assert_denied (sk_test_exec (fixture->manager_a,
                                       "SELECT member_invite_inner_circle ($1)", MEMBER_1, NULL));
  sk_test_assert_denied (sk_test_exec (fixture->owner_a,
                                       "SELECT member_invite_inner_circle ($1)", MEMBER_2, NULL));
  sk_test_assert_ok (sk_test_exec (fixture->owner_a,
                                   "SELECT member_invite_inner_circle ($1)", MEMBER_1, NULL));

  tier = query_list (fixture->db->conn,
                     "SELECT id || '=' || tier FROM members WHERE tier = 'inner_circle'");
  g_assert_cmpstr (tier, ==, MEMBER_1 "=inner_circle");

  /* The recompute cannot take an invitation away. */
  changed = sk_test_query_value (fixture->service,
                                 "SELECT member_set_tier ($1, 'insider')::text", MEMBER_1, NULL);
  g_assert_cmpstr (changed, ==, "false");
  g_assert_cmpint (sk_test_query_int (fixture->db->conn,
                              "SELECT count(*) FROM members WHERE tier = 'inner_circle'", NULL), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/db/roles/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("admin-sees-everything", test_admin_sees_everything);
  ADD ("manager-sees-own-business", test_manager_sees_own_business);
  ADD ("owner-sees-own-business", test_owner_sees_own_business);
  ADD ("service-sees-everything", test_service_sees_everything);
  ADD ("staff-cannot-read-phone-hash", test_staff_cannot_read_phone_hash);
  ADD ("direct-writes-denied", test_direct_writes_denied);
  ADD ("record-purchase-own-business-only", test_record_purchase_own_business_only);
  ADD ("personal-data-only-audited", test_personal_data_only_audited);
  ADD ("ledger-append-only", test_ledger_append_only);
  ADD ("staff-accounts-by-admins-only", test_staff_accounts_by_admins_only);
  ADD ("rules-changed-by-admins-only", test_rules_changed_by_admins_only);
  ADD ("owner-invites-own-customer", test_owner_invites_own_customer);

#undef ADD

  return g_test_run ();
}
