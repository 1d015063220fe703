/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>

#include "sk-db.h"
#include "sk-test-pg.h"

/* The schema's own guarantees, whoever calls: money is never zero, refunds name their
 * original, idempotency keys hold, categories are known, balances never go negative, rules
 * keep their history. Run as the superuser so that only the schema, not privileges, says no. */

#define SALON  "aaaaaaaa-0000-4000-8000-000000000001"
#define CLINIC "bbbbbbbb-0000-4000-8000-000000000002"
#define MEMBER "11111111-0000-4000-8000-000000000001"

#define PHONE_HASH(p) "sha256(convert_to('" p "', 'UTF8'))"

typedef struct
{
  SkTestDb *db;
  PGconn   *conn;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->db = sk_test_db_new ("constraints");
  fixture->conn = fixture->db->conn;
  sk_test_assert_ok (PQexec (fixture->conn,
    "INSERT INTO businesses (id, name, category, is_medical) VALUES"
    " ('" SALON "', 'Миндаль', 'beauty', false),"
    " ('" CLINIC "', 'Стим Центр', 'dentistry', true);"
    "INSERT INTO members (id, phone_hash, tier) VALUES"
    " ('" MEMBER "', " PHONE_HASH ("+79990000001") ", 'insider');"));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->db, sk_test_db_free);
}

/* record_purchase at the salon for MEMBER; returns the result for the caller to check. */
static PGresult *
record (Fixture    *fixture,
        const char *external_id,
        const char *amount,
        const char *original)
{
  return sk_test_exec (fixture->conn,
                       "SELECT outcome, purchase_id FROM record_purchase ('" SALON "', $1,"
                       " $2::bigint, now () - interval '1 hour', 'partner',"
                       " p_member_id => '" MEMBER "',"
                       " p_original_external_id => nullif ($3, ''))",
                       external_id, amount, original ? original : "", NULL);
}

static char *
record_outcome (Fixture    *fixture,
                const char *external_id,
                const char *amount,
                const char *original)
{
  g_autoptr(PGresult) result = record (fixture, external_id, amount, original);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("record_purchase %s: %s", external_id, PQresultErrorMessage (result));
  return g_strdup (PQgetvalue (result, 0, 0));
}

static void
test_zero_amount_rejected (Fixture       *fixture,
                           gconstpointer  data)
{
  sk_test_assert_sqlstate (record (fixture, "zero", "0", NULL), "23514");
  /* Nothing half-stored: not even the idempotency key. */
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM purchase_keys", NULL), ==, 0);
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM purchases", NULL), ==, 0);

  /* The table says so itself, not only the function. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
    "WITH k AS (INSERT INTO purchase_keys (business_id, external_id, occurred_at)"
    "           VALUES ('" SALON "', 'direct-zero', now ()) RETURNING id, occurred_at)"
    " INSERT INTO purchases (id, occurred_at, business_id, member_id, amount, category, source,"
    "                        status, external_id)"
    " SELECT id, occurred_at, '" SALON "', '" MEMBER "', 0, 'beauty', 'manual', 'recorded',"
    "        'direct-zero' FROM k", NULL), "23514");
}

static void
test_refund_needs_original (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *outcome = NULL;
  g_autofree char *refund = NULL;
  g_autofree char *linked = NULL;

  /* A negative amount without an original is not a refund. */
  sk_test_assert_sqlstate (record (fixture, "r-0", "-1000", NULL), "23514");
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM purchases", NULL), ==, 0);

  outcome = record_outcome (fixture, "sale-1", "500000", NULL);
  g_assert_cmpstr (outcome, ==, "recorded");

  /* A positive amount naming an original is not one either. */
  sk_test_assert_sqlstate (record (fixture, "r-pos", "1000", "sale-1"), "23514");
  /* An original that does not exist. */
  sk_test_assert_sqlstate (record (fixture, "r-ghost", "-1000", "no-such-sale"), "23503");

  refund = record_outcome (fixture, "r-1", "-200000", "sale-1");
  g_assert_cmpstr (refund, ==, "recorded");
  linked = sk_test_query_value (fixture->conn,
                                "SELECT (r.original_purchase_id = s.id AND r.member_id = s.member_id"
                                "        AND r.amount = -200000)::text"
                                " FROM purchases r, purchases s"
                                " WHERE r.external_id = 'r-1' AND s.external_id = 'sale-1'", NULL);
  g_assert_cmpstr (linked, ==, "true");

  /* Refunds together never exceed the original: 200 000 + 300 001 > 500 000. */
  sk_test_assert_sqlstate (record (fixture, "r-2", "-300001", "sale-1"), "23514");
  g_free (refund);
  refund = record_outcome (fixture, "r-3", "-300000", "sale-1");
  g_assert_cmpstr (refund, ==, "recorded");
  /* A refund of a refund makes no sense. */
  sk_test_assert_sqlstate (record (fixture, "r-4", "-1", "r-1"), "23514");

  g_assert_cmpint (sk_test_query_int (fixture->conn,
                              "SELECT sum(amount) FROM purchases", NULL), ==, 0);
  g_assert_cmpint (sk_test_query_int (fixture->conn,
                              "SELECT spent_kopecks FROM business_customers", NULL), ==, 0);
}

static void
test_duplicate_key_stores_nothing (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(PGresult) first = NULL;
  g_autoptr(PGresult) second = NULL;
  g_autofree char *other = NULL;

  first = record (fixture, "yc-1001", "350000", NULL);
  g_assert_cmpint (PQresultStatus (first), ==, PGRES_TUPLES_OK);
  g_assert_cmpstr (PQgetvalue (first, 0, 0), ==, "recorded");

  /* The replay, even with a different amount, changes nothing and names the first purchase. */
  second = record (fixture, "yc-1001", "999900", NULL);
  g_assert_cmpint (PQresultStatus (second), ==, PGRES_TUPLES_OK);
  g_assert_cmpstr (PQgetvalue (second, 0, 0), ==, "duplicate");
  g_assert_cmpstr (PQgetvalue (second, 0, 1), ==, PQgetvalue (first, 0, 1));

  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM purchases", NULL), ==, 1);
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM purchase_keys", NULL), ==, 1);
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT sum(amount) FROM purchases", NULL), ==, 350000);
  g_assert_cmpint (sk_test_query_int (fixture->conn,
                              "SELECT purchases_count FROM business_customers", NULL), ==, 1);

  /* The key is per business: the same external id elsewhere is another purchase. */
  other = sk_test_query_value (fixture->conn,
                               "SELECT outcome FROM record_purchase ('" CLINIC "', 'yc-1001',"
                               " 120000, now (), 'partner', p_member_id => '" MEMBER "')", NULL);
  g_assert_cmpstr (other, ==, "recorded");
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM purchases", NULL), ==, 2);

  /* The unique key holds even for a writer that skips the function. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "INSERT INTO purchase_keys (business_id, external_id,"
                                         " occurred_at) VALUES ('" SALON "', 'yc-1001', now ())",
                                         NULL), "23505");
}

static void
test_unknown_category_rejected (Fixture       *fixture,
                                gconstpointer  data)
{
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "SELECT record_purchase ('" SALON "', 'cat-1', 100000,"
                                         " now (), 'manual', p_member_id => '" MEMBER "',"
                                         " p_category => 'jewellery')", NULL), "23503");
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM purchase_keys", NULL), ==, 0);

  /* A known one is fine, and a business cannot claim the anonymised category as its own. */
  sk_test_assert_ok (sk_test_exec (fixture->conn,
                                   "SELECT record_purchase ('" SALON "', 'cat-2', 100000, now (),"
                                   " 'manual', p_member_id => '" MEMBER "',"
                                   " p_category => 'floristry')", NULL));
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "INSERT INTO businesses (name, category)"
                                         " VALUES ('X', 'medical_service')", NULL), "23514");
}

static void
test_medical_purchase_anonymised (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *stored = NULL;

  /* Whatever the clinic's connector sends, the purchase says only 'medical_service'; for
   * tiers it counts as the clinic's own category. */
  sk_test_assert_ok (sk_test_exec (fixture->conn,
                                   "SELECT record_purchase ('" CLINIC "', 'ren-1', 1500000,"
                                   " now () - interval '1 day', 'partner',"
                                   " " PHONE_HASH ("+79990000001") ", p_category => 'dentistry')",
                                   NULL));
  stored = sk_test_query_value (fixture->conn,
                                "SELECT p.category || '/' || c.counted_category"
                                " FROM purchases p JOIN purchase_categories c USING (id)", NULL);
  g_assert_cmpstr (stored, ==, "medical_service/dentistry");
}

static void
test_unmatched_keeps_phone_hash (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *outcome = NULL;
  g_autofree char *row = NULL;
  g_autofree char *matched = NULL;

  outcome = sk_test_query_value (fixture->conn,
                                 "SELECT outcome FROM record_purchase ('" SALON "', 'u-1', 150000,"
                                 " now (), 'csv', " PHONE_HASH ("+79995550000") ")", NULL);
  g_assert_cmpstr (outcome, ==, "unmatched");
  row = sk_test_query_value (fixture->conn,
                             "SELECT status || '/' || (member_id IS NULL)::text || '/' ||"
                             " (customer_phone_hash = " PHONE_HASH ("+79995550000") ")::text"
                             " FROM purchases", NULL);
  g_assert_cmpstr (row, ==, "unmatched/true/true");

  /* A matched purchase keeps no phone hash: the member id is the only link. */
  matched = sk_test_query_value (fixture->conn,
                                 "SELECT outcome FROM record_purchase ('" SALON "', 'u-2', 150000,"
                                 " now (), 'csv', " PHONE_HASH ("+79990000001") ")", NULL);
  g_assert_cmpstr (matched, ==, "recorded");
  g_assert_cmpint (sk_test_query_int (fixture->conn,
                              "SELECT count(*) FROM purchases WHERE external_id = 'u-2'"
                              " AND member_id = '" MEMBER "' AND customer_phone_hash IS NULL", NULL),
                   ==, 1);

  /* Unmatched means no member, and a member means recorded. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "UPDATE purchases SET status = 'recorded'"
                                         " WHERE external_id = 'u-1'", NULL), "23514");
}

static void
test_future_purchase_rejected (Fixture       *fixture,
                               gconstpointer  data)
{
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "SELECT record_purchase ('" SALON "', 'f-1', 100000,"
                                         " now () + interval '2 days', 'manual',"
                                         " p_member_id => '" MEMBER "')", NULL), "22023");
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM purchases", NULL), ==, 0);
}

static PGresult *
ledger (Fixture    *fixture,
        const char *kind,
        const char *amount)
{
  return sk_test_exec (fixture->conn, "SELECT ledger_append ($1, $2, $3::bigint)",
                       MEMBER, kind, amount, NULL);
}

static char *
balance (Fixture *fixture)
{
  return sk_test_query_value (fixture->conn,
                              "SELECT pending || '/' || available || '/' || debt"
                              " FROM bonus_balances WHERE member_id = $1", MEMBER, NULL);
}

static void
test_ledger_never_negative (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *after_spend = NULL;
  g_autofree char *after_refund = NULL;
  g_autofree char *sums = NULL;
  g_autofree char *purchase = NULL;
  g_autofree char *outcome = NULL;

  /* Nothing to spend yet. */
  sk_test_assert_sqlstate (ledger (fixture, "spent", "100"), "23514");
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM bonus_ledger", NULL), ==, 0);

  sk_test_assert_ok (ledger (fixture, "gift", "50000"));
  sk_test_assert_ok (ledger (fixture, "spent", "30000"));
  sk_test_assert_sqlstate (ledger (fixture, "spent", "30000"), "23514");
  after_spend = balance (fixture);
  g_assert_cmpstr (after_spend, ==, "0/20000/0");
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM bonus_ledger", NULL), ==, 2);

  /* Pending bonuses cannot be spent, and cannot be released beyond what is pending. */
  sk_test_assert_ok (ledger (fixture, "earned", "7000"));
  sk_test_assert_sqlstate (ledger (fixture, "spent", "27000"), "23514");
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "SELECT ledger_append ($1, 'became_available', 7001,"
                                         " p_accrual_id => 1)", MEMBER, NULL), "23514");

  /* A refund after the bonuses were spent: pending first, then available, the rest is debt,
   * and no bucket goes below zero. */
  outcome = sk_test_query_value (fixture->conn,
                                 "SELECT outcome FROM record_purchase ('" SALON "', 's-1', 100000,"
                                 " now (), 'manual', p_member_id => '" MEMBER "')", NULL);
  g_assert_cmpstr (outcome, ==, "recorded");
  purchase = sk_test_query_value (fixture->conn, "SELECT id FROM purchase_keys", NULL);
  sk_test_assert_ok (sk_test_exec (fixture->conn,
                                   "SELECT ledger_append ($1, 'reversed', 30000, $2::uuid,"
                                   " p_from_pending => 7000)", MEMBER, purchase, NULL));
  after_refund = balance (fixture);
  /* s-1 itself earned 7,500 pending cashback through the pipeline (5 % x 1.5, a new
   * category), which the hand-made reversal above does not touch. */
  g_assert_cmpstr (after_refund, ==, "7500/0/3000");

  /* The balance is exactly the sum of the ledger. */
  sums = sk_test_query_value (fixture->conn,
                              "SELECT sum(pending_delta) || '/' || sum(available_delta) || '/' ||"
                              " sum(debt_delta) FROM bonus_ledger", NULL);
  g_assert_cmpstr (sums, ==, after_refund);

  /* Zero or negative amounts are not entries. */
  sk_test_assert_sqlstate (ledger (fixture, "gift", "0"), "23514");
  sk_test_assert_sqlstate (ledger (fixture, "gift", "-5"), "23514");
}

/* Two spends of the same bonuses at once: the second waits for the first, then finds the
 * money gone. Without the balance row's lock both would succeed. */
static void
test_concurrent_spends (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(PGconn) other = sk_test_db_connect_as (fixture->db, PQuser (fixture->conn));
  g_autofree char *after = NULL;
  PGresult *result;
  gboolean waited = FALSE;

  sk_test_assert_ok (ledger (fixture, "gift", "50000"));

  sk_test_assert_ok (PQexec (fixture->conn, "BEGIN"));
  sk_test_assert_ok (ledger (fixture, "spent", "30000"));

  g_assert_cmpint (PQsendQueryParams (other, "SELECT ledger_append ($1, 'spent', 30000)",
                                      1, NULL, (const char *[]) { MEMBER }, NULL, NULL, 0),
                   ==, 1);
  /* The second spend is blocked on her balance row while the first is open. */
  for (int i = 0; i < 20; i++)
    {
      g_usleep (G_USEC_PER_SEC / 100);
      g_assert_cmpint (PQconsumeInput (other), ==, 1);
      waited = PQisBusy (other);
      if (!waited)
        break;
    }
  g_assert_true (waited);

  sk_test_assert_ok (PQexec (fixture->conn, "COMMIT"));

  result = PQgetResult (other);
  sk_test_assert_sqlstate (result, "23514");
  while ((result = PQgetResult (other)) != NULL)
    PQclear (result);

  after = balance (fixture);
  g_assert_cmpstr (after, ==, "0/20000/0");
  g_assert_cmpint (sk_test_query_int (fixture->conn,
                              "SELECT count(*) FROM bonus_ledger WHERE kind = 'spent'", NULL), ==, 1);
}

static void
test_ledger_entry_shapes (Fixture       *fixture,
                          gconstpointer  data)
{
  /* Each kind allows only its own movement, even for a writer that skips ledger_append. */
  const char *bad[] = {
    /* "earned" that lands straight in available */
    "INSERT INTO bonus_ledger (member_id, kind, available_delta, available_at, expires_at)"
    " VALUES ('" MEMBER "', 'earned', 100, now (), now () + interval '1 year')",
    /* "earned" without its dates */
    "INSERT INTO bonus_ledger (member_id, kind, pending_delta)"
    " VALUES ('" MEMBER "', 'earned', 100)",
    /* a "gift" that takes */
    "INSERT INTO bonus_ledger (member_id, kind, available_delta)"
    " VALUES ('" MEMBER "', 'gift', -100)",
    /* "became_available" that creates money */
    "INSERT INTO bonus_ledger (member_id, kind, pending_delta, available_delta, accrual_id)"
    " VALUES ('" MEMBER "', 'became_available', -100, 200, 1)",
    /* an unknown kind */
    "INSERT INTO bonus_ledger (member_id, kind, available_delta)"
    " VALUES ('" MEMBER "', 'bonus', 100)",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    sk_test_assert_sqlstate (sk_test_exec (fixture->conn, bad[i], NULL), "23514");
  g_assert_cmpint (sk_test_query_int (fixture->conn, "SELECT count(*) FROM bonus_ledger", NULL), ==, 0);
}

static void
test_rules_keep_history (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *values = NULL;
  g_autofree char *history = NULL;
  g_autofree char *scheduled = NULL;

  /* From tomorrow VIP cashback is 8 %; until then it stays 7 %, and the salon's own
   * multiplier wins over the global one only for the salon. */
  sk_test_assert_ok (sk_test_exec (fixture->conn,
                                   "SELECT rule_set ('cashback.rate.vip', 800, NULL,"
                                   " now () + interval '1 day')", NULL));
  sk_test_assert_ok (sk_test_exec (fixture->conn,
                                   "SELECT rule_set ('cashback.business_multiplier', 20000,"
                                   " '" SALON "')", NULL));
  values = sk_test_query_value (fixture->conn,
    "SELECT rule_value ('cashback.rate.vip') || '/' ||"
    "       rule_value ('cashback.rate.vip', NULL, now () + interval '2 days') || '/' ||"
    "       rule_value ('cashback.business_multiplier', '" SALON "') || '/' ||"
    "       rule_value ('cashback.business_multiplier', '" SALON "',"
    "                   now () - interval '2 days') || '/' ||"
    "       rule_value ('cashback.business_multiplier', '" CLINIC "') || '/' ||"
    "       business_multiplier_bp ('" SALON "')", NULL);
  g_assert_cmpstr (values, ==, "700/800/20000/10000/10000/20000");

  history = sk_test_query_value (fixture->conn,
                                 "SELECT string_agg (value::text, ',' ORDER BY valid_from)"
                                 " FROM rules WHERE key = 'cashback.rate.vip'", NULL);
  g_assert_cmpstr (history, ==, "700,800");

  /* A change from now, before the scheduled one, lasts until it; the past stays as it was. */
  sk_test_assert_ok (sk_test_exec (fixture->conn,
                                   "SELECT rule_set ('cashback.rate.vip', 750)", NULL));
  scheduled = sk_test_query_value (fixture->conn,
    "SELECT rule_value ('cashback.rate.vip', NULL, now () + interval '1 hour') || '/' ||"
    "       rule_value ('cashback.rate.vip', NULL, now () + interval '2 days') || '/' ||"
    "       rule_value ('cashback.rate.vip', NULL, now () - interval '1 hour')", NULL);
  g_assert_cmpstr (scheduled, ==, "750/800/700");
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "SELECT rule_set ('cashback.rate.vip', 600, NULL,"
                                         " now () - interval '1 day')", NULL), "22023");
  /* Ending a rule that is already over would rewrite the past. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "UPDATE rules SET valid_to = now ()"
                                         " WHERE key = 'cashback.rate.vip'"
                                         "   AND valid_from = '-infinity'", NULL), "23001");

  /* History cannot be rewritten or removed, values stay in bounds, no two rules overlap. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "UPDATE rules SET value = 900"
                                         " WHERE key = 'cashback.rate.vip'", NULL), "23001");
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "DELETE FROM rules WHERE key = 'cashback.rate.vip'",
                                         NULL), "23001");
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "SELECT rule_set ('cashback.rate.vip', 9000)", NULL),
                           "23514");
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "INSERT INTO rules (key, value, valid_from)"
                                         " VALUES ('bonus.hold_days', 7, now ())", NULL),
                           "23P01");
  /* A key nobody defined is an error, never a silent zero. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
                                         "SELECT rule_value ('cashback.rate.diamond')", NULL),
                           "P0002");
}

static void
test_votes_weighed_by_tier (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *vote = NULL;

  sk_test_assert_ok (PQexec (fixture->conn,
    "SELECT member_set_tier ('" MEMBER "', 'vip');"
    "INSERT INTO event_proposals (id, member_id, title, voting_ends_at)"
    " VALUES ('cccccccc-0000-4000-8000-000000000001', '" MEMBER "', 'Йога на крыше',"
    "         now () + interval '7 days')"));

  /* Only Inner Circle may veto. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
    "INSERT INTO proposal_votes (proposal_id, member_id, vote, tier_at_vote, weight, veto)"
    " VALUES ('cccccccc-0000-4000-8000-000000000001', '" MEMBER "', 'no', 'vip', 2, true)",
    NULL), "23514");

  /* The caller's weight is ignored: the database weighs by her tier now. */
  sk_test_assert_ok (sk_test_exec (fixture->conn,
    "INSERT INTO proposal_votes (proposal_id, member_id, vote, tier_at_vote, weight)"
    " VALUES ('cccccccc-0000-4000-8000-000000000001', '" MEMBER "', 'yes', 'inner_circle', 99)",
    NULL));
  vote = sk_test_query_value (fixture->conn,
                              "SELECT tier_at_vote || '/' || weight FROM proposal_votes", NULL);
  g_assert_cmpstr (vote, ==, "vip/2");

  /* One vote per member per proposal. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
    "INSERT INTO proposal_votes (proposal_id, member_id, vote, tier_at_vote, weight)"
    " VALUES ('cccccccc-0000-4000-8000-000000000001', '" MEMBER "', 'no', 'vip', 2)",
    NULL), "23505");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/db/constraints/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("zero-amount-rejected", test_zero_amount_rejected);
  ADD ("refund-needs-original", test_refund_needs_original);
  ADD ("duplicate-key-stores-nothing", test_duplicate_key_stores_nothing);
  ADD ("unknown-category-rejected", test_unknown_category_rejected);
  ADD ("medical-purchase-anonymised", test_medical_purchase_anonymised);
  ADD ("unmatched-keeps-phone-hash", test_unmatched_keeps_phone_hash);
  ADD ("future-purchase-rejected", test_future_purchase_rejected);
  ADD ("ledger-never-negative", test_ledger_never_negative);
  ADD ("concurrent-spends", test_concurrent_spends);
  ADD ("ledger-entry-shapes", test_ledger_entry_shapes);
  ADD ("rules-keep-history", test_rules_keep_history);
  ADD ("votes-weighed-by-tier", test_votes_weighed_by_tier);

#undef ADD

  return g_test_run ();
}
