/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include <glib/gstdio.h>

#include "sk-db.h"
#include "sk-test-pg.h"
#include "sk-test-service.h"

/* Everything seed-demo made that is fixed by the seed, in a fixed order. */
static const char *dump_query =
  "SELECT md5(concat_ws('|',"
  "  (SELECT string_agg(m::text, ',' ORDER BY m.id) FROM members m),"
  "  (SELECT string_agg(p::text, ',' ORDER BY p.id) FROM purchases p),"
  "  (SELECT string_agg(k::text, ',' ORDER BY k.id) FROM purchase_keys k),"
  "  (SELECT string_agg(c::text, ',' ORDER BY c.business_id, c.member_id) FROM business_customers c),"
  "  (SELECT string_agg(e::text, ',' ORDER BY e.purchase_id) FROM events_budget_contributions e),"
  "  (SELECT string_agg(e::text, ',' ORDER BY e.id) FROM events e),"
  "  (SELECT string_agg(concat_ws(';', r.event_id, r.member_id, r.status, r.ticket_code), ','"
  "                     ORDER BY r.event_id, r.member_id) FROM event_registrations r),"
  "  (SELECT string_agg(p::text, ',' ORDER BY p.id) FROM event_proposals p),"
  "  (SELECT string_agg(v::text, ',' ORDER BY v.proposal_id, v.member_id) FROM proposal_votes v)))";

static SkRun *
seed (SkTestDb   *db,
      const char *seed_text,
      gboolean    replace)
{
  g_autofree char *url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", db->conninfo);
  const char *env[] = { url, NULL };
  const char *args[] = { "seed-demo", "--members", "60", "--months", "3", "--seed", seed_text,
                         "--until", "2026-06-30", replace ? "--replace" : NULL, NULL };

  return sk_test_runv (env, args);
}

static int
count (SkTestDb   *db,
       const char *sql)
{
  g_autofree char *value = sk_test_query_value (db->conn, sql, NULL);

  return atoi (value);
}

static void
test_demo_shape (void)
{
  g_autoptr(SkTestDb) db = sk_test_db_new ("svc_demo_shape");
  g_autoptr(SkRun) run = seed (db, "42", FALSE);

  g_test_message ("%s%s", run->out, run->err);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_true (g_str_has_prefix (run->out, "seeded 60 members, 5 partners, "));

  g_assert_cmpint (count (db, "SELECT count(*) FROM members"), ==, 60);
  g_assert_cmpint (count (db, "SELECT count(*) FROM businesses"), ==, 5);
  g_assert_cmpint (count (db, "SELECT count(*) FROM businesses WHERE is_medical"), ==, 3);
  g_assert_cmpint (count (db, "SELECT count(*) FROM partner_integrations"), ==, 7);
  /* Every member bought at least once; about two purchases a member-month. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM members m WHERE NOT EXISTS "
                              "(SELECT FROM purchases p WHERE p.member_id = m.id)"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases WHERE member_id IS NOT NULL"),
                   >, 60 * 3);
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases WHERE member_id IS NOT NULL"),
                   <, 60 * 3 * 5);
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases "
                              "WHERE occurred_at >= '2026-07-01 00:00+03' "
                              "   OR occurred_at < '2026-03-31 00:00+03'"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM members WHERE tier = 'none'"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM member_personal"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM events"), >, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM event_proposals"), >, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM proposal_votes WHERE weight <= 0"), ==, 0);
  /* Most come to the events they registered for; some do not. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM event_registrations WHERE status = 'no_show'"),
                   >, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM event_registrations WHERE status = 'attended'"),
                   >, 4 * count (db, "SELECT count(*) FROM event_registrations"
                                     " WHERE status = 'no_show'"));

  /* Medical secrecy: at a medical partner a purchase says medical_service and nothing more. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases p JOIN businesses b "
                              "ON b.id = p.business_id WHERE b.is_medical"), >, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases p JOIN businesses b "
                              "ON b.id = p.business_id WHERE b.is_medical AND ("
                              "  p.category <> 'medical_service' OR p.coupon_id IS NOT NULL"
                              "  OR p.external_id !~ '^[a-z0-9]+:demo:[mu][0-9-]+$'"
                              "  OR p.source <> 'partner' OR p.recorded_by <> 'seed-demo'"
                              "  OR (p.member_id IS NOT NULL AND p.customer_phone_hash IS NOT NULL))"),
                   ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases WHERE category = 'medical_service' "
                              "AND business_id NOT IN (SELECT id FROM businesses WHERE is_medical)"),
                   ==, 0);

  /* The bulk load skips foreign-key triggers, so check the references here. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases p WHERE NOT EXISTS "
                              "(SELECT FROM purchase_keys k WHERE k.id = p.id "
                              " AND k.business_id = p.business_id AND k.occurred_at = p.occurred_at "
                              " AND k.external_id = p.external_id)"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchase_keys k WHERE NOT EXISTS "
                              "(SELECT FROM purchases p WHERE p.id = k.id)"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases p WHERE p.member_id IS NOT NULL "
                              "AND NOT EXISTS (SELECT FROM members m WHERE m.id = p.member_id)"),
                   ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases p WHERE p.original_purchase_id "
                              "IS NOT NULL AND NOT EXISTS (SELECT FROM purchases o WHERE "
                              "o.id = p.original_purchase_id AND o.amount >= -p.amount "
                              "AND o.business_id = p.business_id)"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases p WHERE integration_id NOT IN "
                              "(SELECT id FROM partner_integrations i WHERE i.business_id = "
                              "p.business_id)"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM members m WHERE referred_by IS NOT NULL "
                              "AND NOT EXISTS (SELECT FROM members r WHERE r.id = m.referred_by)"),
                   ==, 0);
  /* The indexes set aside for the load are back, valid, on every partition too. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM pg_inherits h"
                              " JOIN pg_class c ON c.oid = h.inhrelid"
                              " WHERE h.inhparent = 'purchases'::regclass AND NOT EXISTS"
                              " (SELECT FROM pg_index i WHERE i.indrelid = c.oid"
                              "  AND pg_get_indexdef (i.indexrelid) LIKE '%(member_id, occurred_at DESC)')"),
                   ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM pg_indexes WHERE tablename = 'purchases'"),
                   ==, 5);

  /* The customers table agrees with the purchases. */
  g_assert_cmpint (count (db, "SELECT count(*) FROM business_customers bc WHERE spent_kopecks <> "
                              "(SELECT sum(amount) FROM purchases p WHERE p.member_id = bc.member_id "
                              "AND p.business_id = bc.business_id)"), ==, 0);
  g_assert_cmpint (count (db, "SELECT count(*) FROM events_budget_contributions c WHERE "
                              "amount_kopecks <> (SELECT (p.amount * 2 + CASE WHEN p.amount > 0 THEN 50 ELSE -50 END) "
                              "/ 100 "
                              "FROM purchases p WHERE p.id = c.purchase_id)"), ==, 0);
}

static void
test_demo_deterministic (void)
{
  g_autoptr(SkTestDb) a = sk_test_db_new ("svc_demo_a");
  g_autoptr(SkTestDb) b = sk_test_db_new ("svc_demo_b");
  g_autoptr(SkRun) run_a = seed (a, "42", FALSE);
  g_autoptr(SkRun) run_b = seed (b, "42", FALSE);
  g_autoptr(SkRun) again = NULL;
  g_autoptr(SkRun) replaced = NULL;
  g_autofree char *dump_a = NULL;
  g_autofree char *dump_b = NULL;
  g_autofree char *dump_c = NULL;

  g_assert_cmpint (run_a->status, ==, 0);
  g_assert_cmpint (run_b->status, ==, 0);
  g_assert_cmpstr (run_a->out, ==, run_b->out);

  dump_a = sk_test_query_value (a->conn, dump_query, NULL);
  dump_b = sk_test_query_value (b->conn, dump_query, NULL);
  g_assert_cmpstr (dump_a, ==, dump_b);

  /* A seeded database is not seeded twice by accident. */
  again = seed (a, "42", FALSE);
  g_assert_cmpint (again->status, ==, 1);
  g_assert_cmpstr (again->err, ==, "svoikrugd: the database already holds demo data; run "
                                   "seed-demo --replace to replace it\n");

  /* --replace with another seed gives other rows. */
  replaced = seed (a, "43", TRUE);
  g_test_message ("%s", replaced->err);
  g_assert_cmpint (replaced->status, ==, 0);
  g_assert_cmpint (count (a, "SELECT count(*) FROM members"), ==, 60);
  dump_c = sk_test_query_value (a->conn, dump_query, NULL);
  g_assert_cmpstr (dump_c, !=, dump_a);
}

/* A demo purchase entered again, as a partner's CSV with its external id: "duplicate". */
static void
test_demo_purchase_twice (void)
{
  g_autoptr(SkTestDb) db = sk_test_db_new ("svc_demo_twice");
  g_autoptr(SkRun) run = seed (db, "7", FALSE);
  g_autoptr(PGresult) pick = NULL;
  g_autoptr(SkRun) again = NULL;
  g_autofree char *url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", db->conninfo);
  g_autofree char *csv_text = NULL;
  g_autofree char *file = NULL;
  const char *env[] = { url, "SVOIKRUG_PHONE_HASH_KEY=demo-twice-phone-hash-key", NULL };
  int before;

  g_assert_cmpint (run->status, ==, 0);
  pick = sk_test_exec (db->conn,
                       "SELECT business_id, external_id, amount / 100,"
                       "       to_char (occurred_at, 'YYYY-MM-DD')"
                       "  FROM purchases WHERE amount > 0 AND amount % 100 = 0"
                       " ORDER BY id LIMIT 1", NULL);
  g_assert_cmpint (PQntuples (pick), ==, 1);
  before = count (db, "SELECT count(*) FROM purchases");

  csv_text = g_strdup_printf ("date,customer_phone,amount,description,external_id\n"
                              "%s,+79990000001,%s,again,%s\n",
                              PQgetvalue (pick, 0, 3), PQgetvalue (pick, 0, 2),
                              PQgetvalue (pick, 0, 1));
  file = sk_test_write_file ("twice.csv", csv_text);
  again = sk_test_run (env, "import-csv", "--business", PQgetvalue (pick, 0, 0), file, NULL);
  g_unlink (file);

  g_test_message ("%s%s", again->out, again->err);
  g_assert_cmpint (again->status, ==, 0);
  g_assert_cmpstr (again->out, ==, "recorded 0, duplicates 1, unmatched 0, bad rows 0\n");
  g_assert_cmpint (count (db, "SELECT count(*) FROM purchases"), ==, before);
}

static void
test_demo_refuses_real_data (void)
{
  g_autoptr(SkTestDb) db = sk_test_db_new ("svc_demo_real");
  g_autoptr(SkRun) run = NULL;

  sk_test_assert_ok (sk_test_exec (db->conn, "INSERT INTO businesses (name, category) "
                                             "VALUES ('Настоящий партнёр', 'floristry')", NULL));
  run = seed (db, "1", TRUE);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_cmpstr (run->err, ==, "svoikrugd: the database already holds club data that seed-demo "
                                 "did not make; demo data goes only into an empty database\n");
  g_assert_cmpint (count (db, "SELECT count(*) FROM businesses"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/demo/shape", test_demo_shape);
  g_test_add_func ("/service/demo/deterministic", test_demo_deterministic);
  g_test_add_func ("/service/demo/purchase-twice-is-duplicate", test_demo_purchase_twice);
  g_test_add_func ("/service/demo/refuses-real-data", test_demo_refuses_real_data);

  return g_test_run ();
}
