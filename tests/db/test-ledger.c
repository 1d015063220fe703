/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sk-pipeline.h"
#include "sk-test-pipeline.h"

/* The ledger around the pipeline: hold and release, FIFO expiry and spending, refunds
 * before and after spending (debt), idempotent and concurrent spends. */

static char *
spend_of (Fixture    *fixture,
          const char *member,
          const char *amount,
          const char *key)
{
  return sk_test_query_value (fixture->conn,
                              "SELECT outcome || ' ' || spent || ' ' || available_after || ' '"
                              " || replayed FROM spend ($1::uuid, $2::bigint, NULL, $3)",
                              member, amount, key, NULL);
}

static void
test_hold_then_release (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *held = NULL;
  g_autofree char *early = NULL;
  g_autofree char *released = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *refused = NULL;

  g_free (record_at (fixture, SALON, "h-1", "100000", "now () - interval '1 day'", ALICE));
  jobs (fixture, "now ()");
  held = balance_of (fixture, ALICE);
  g_assert_cmpstr (held, ==, "7500/0/0");
  /* Pending bonuses cannot be spent. */
  refused = spend_of (fixture, ALICE, "100", "h-spend");
  g_assert_cmpstr (refused, ==, "insufficient 0 0 false");

  jobs (fixture, "now () + interval '12 days'");
  early = balance_of (fixture, ALICE);
  g_assert_cmpstr (early, ==, "7500/0/0");

  jobs (fixture, "now () + interval '14 days'");
  jobs (fixture, "now () + interval '15 days'");
  released = balance_of (fixture, ALICE);
  g_assert_cmpstr (released, ==, "0/7500/0");
  rows = ledger_of (fixture, ALICE);
  g_assert_cmpstr (rows, ==, "earned 7500/0/0 new_category;"
                             " became_available -7500/7500/0 new_category");
}

static void
test_expiry_fifo (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *after_jobs = NULL;
  g_autofree char *spent = NULL;
  g_autofree char *soon = NULL;
  g_autofree char *none_soon = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *end = NULL;

  /* Three accruals: 7,500 (expired 35 days ago), 15,000 (expires in 65 days), 22,500
   * (expires in 265 days). */
  g_free (record_at (fixture, SALON, "e-1", "100000", "now () - interval '400 days'", ALICE));
  g_free (record_at (fixture, MARKET, "e-2", "200000", "now () - interval '300 days'", ALICE));
  g_free (record_at (fixture, FLORIST, "e-3", "300000", "now () - interval '100 days'", ALICE));

  jobs (fixture, "now ()");
  after_jobs = balance_of (fixture, ALICE);
  g_assert_cmpstr (after_jobs, ==, "0/37500/0");

  /* FIFO: the accrual expiring first is spent first. */
  spent = spend_of (fixture, ALICE, "20000", "fifo-1");
  g_assert_cmpstr (spent, ==, "spent 20000 17500 false");
  none_soon = qstr (fixture, "SELECT count(*) FROM bonus_expiring_soon ('" ALICE "', '90 days')");
  g_assert_cmpstr (none_soon, ==, "0");
  soon = qstr (fixture, "SELECT string_agg (amount_left::text, ',') FROM"
                        " bonus_expiring_soon ('" ALICE "', '300 days')");
  g_assert_cmpstr (soon, ==, "17500");

  jobs (fixture, "now () + interval '266 days'");
  end = balance_of (fixture, ALICE);
  g_assert_cmpstr (end, ==, "0/0/0");
  rows = ledger_of (fixture, ALICE);
  g_assert_cmpstr (rows, ==,
                   "earned 7500/0/0 new_category; earned 15000/0/0 new_category;"
                   " earned 22500/0/0 new_category;"
                   " became_available -7500/7500/0 new_category;"
                   " became_available -15000/15000/0 new_category;"
                   " became_available -22500/22500/0 new_category;"
                   " expired 0/-7500/0 new_category;"
                   " spent 0/-15000/0 spend; spent 0/-5000/0 spend;"
                   " expired 0/-17500/0 new_category");
  /* Each settlement names its accrual, in FIFO order. */
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM bonus_ledger s JOIN bonus_ledger a"
                                  " ON a.id = s.accrual_id WHERE s.kind = 'spent'"
                                  " AND a.purchase_id = (SELECT id FROM purchase_keys"
                                  "                       WHERE external_id = 'e-2')"), ==, 1);
}

static void
test_refund_full_before_release (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *refund = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *bal = NULL;

  g_free (record_at (fixture, SALON, "rf-1", "1000000", "now () - interval '1 day'", ALICE));
  refund = refund_at (fixture, SALON, "rf-1-back", "-1000000", "rf-1");
  g_assert_cmpstr (refund, ==, "recorded -75000 0 -20000");
  rows = ledger_of (fixture, ALICE);
  g_assert_cmpstr (rows, ==, "earned 75000/0/0 new_category; reversed -75000/0/0 new_category");
  bal = balance_of (fixture, ALICE);
  g_assert_cmpstr (bal, ==, "0/0/0");
  g_assert_cmpint (qint (fixture, "SELECT sum(amount_kopecks) FROM events_budget_contributions"), ==, 0);

  /* Nothing is left to release. */
  jobs (fixture, "now () + interval '15 days'");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM bonus_ledger"), ==, 2);
}

static void
test_refund_partial_cumulative (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *first = NULL;
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;
  g_autofree char *r3 = NULL;

  /* 3,333.33 ₽ earns 25,000 kopecks (24,999.975 rounded) and 6,667 to the budget; three
   * equal refunds reverse 8,333 + 8,334 + 8,333 and 2,222 + 2,223 + 2,222: exactly all. */
  first = record_at (fixture, SALON, "pp-1", "333333", "now () - interval '1 day'", ALICE);
  g_assert_cmpstr (first, ==, "recorded 25000 0 6667 insider [category:beauty]");
  r1 = refund_at (fixture, SALON, "pp-r1", "-111111", "pp-1");
  g_assert_cmpstr (r1, ==, "recorded -8333 0 -2222");
  r2 = refund_at (fixture, SALON, "pp-r2", "-111111", "pp-1");
  g_assert_cmpstr (r2, ==, "recorded -8334 0 -2223");
  r3 = refund_at (fixture, SALON, "pp-r3", "-111111", "pp-1");
  g_assert_cmpstr (r3, ==, "recorded -8333 0 -2222");
  g_assert_cmpint (qint (fixture, "SELECT pending FROM bonus_balances"), ==, 0);
  g_assert_cmpint (qint (fixture, "SELECT sum(amount_kopecks) FROM events_budget_contributions"), ==, 0);

  /* Nothing is left to refund. */
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
    "SELECT record_purchase ('" SALON "', 'pp-r4', -1, now (), 'partner',"
    " p_original_external_id => 'pp-1')", NULL), "23514");
}

static void
test_refund_after_spending (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *spent = NULL;
  g_autofree char *after_refund = NULL;
  g_autofree char *after_new = NULL;
  g_autofree char *repaid = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *partial = NULL;

  g_free (record_at (fixture, SALON, "as-1", "1000000", "now () - interval '20 days'", ALICE));
  jobs (fixture, "now ()");
  spent = spend_of (fixture, ALICE, "60000", "as-spend");
  g_assert_cmpstr (spent, ==, "spent 60000 15000 false");

  /* Full refund: the unspent 15,000 is taken back, the spent 60,000 becomes debt. */
  g_free (refund_at (fixture, SALON, "as-1-back", "-1000000", "as-1"));
  after_refund = balance_of (fixture, ALICE);
  g_assert_cmpstr (after_refund, ==, "0/0/60000");

  /* Her next bonus repays it as soon as it becomes available. */
  g_free (record_at (fixture, MARKET, "as-2", "2000000", "now () - interval '1 hour'", ALICE));
  after_new = balance_of (fixture, ALICE);
  g_assert_cmpstr (after_new, ==, "150000/0/60000");
  jobs (fixture, "now () + interval '15 days'");
  repaid = balance_of (fixture, ALICE);
  g_assert_cmpstr (repaid, ==, "0/90000/0");
  rows = ledger_of (fixture, ALICE);
  g_assert_cmpstr (rows, ==,
                   "earned 75000/0/0 new_category;"
                   " became_available -75000/75000/0 new_category;"
                   " spent 0/-60000/0 spend;"
                   " reversed 0/-15000/60000 new_category;"
                   " earned 150000/0/0 new_category;"
                   " became_available -150000/150000/0 new_category;"
                   " debt_repaid 0/-60000/-60000 refund_debt");

  /* A partial refund after spending: half of 75,000 is 37,500; 25,000 was still there. */
  g_free (record_at (fixture, SALON, "bs-1", "1000000", "now () - interval '20 days'", BELLA));
  jobs (fixture, "now ()");
  g_free (spend_of (fixture, BELLA, "50000", "bs-spend"));
  g_free (refund_at (fixture, SALON, "bs-1-half", "-500000", "bs-1"));
  partial = balance_of (fixture, BELLA);
  g_assert_cmpstr (partial, ==, "0/0/12500");
}

static void
test_spend_idempotent (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *first = NULL;
  g_autofree char *replay = NULL;
  g_autofree char *poor = NULL;
  g_autofree char *poor_again = NULL;
  g_autofree char *bal = NULL;

  run (fixture, "SELECT ledger_append ('" ALICE "', 'gift', 10000)");
  first = spend_of (fixture, ALICE, "4000", "k-1");
  g_assert_cmpstr (first, ==, "spent 4000 6000 false");
  replay = spend_of (fixture, ALICE, "4000", "k-1");
  g_assert_cmpstr (replay, ==, "spent 4000 6000 true");
  bal = balance_of (fixture, ALICE);
  g_assert_cmpstr (bal, ==, "0/6000/0");

  poor = spend_of (fixture, ALICE, "7000", "k-2");
  g_assert_cmpstr (poor, ==, "insufficient 0 6000 false");
  /* Even after she has enough, the key keeps its first answer. */
  run (fixture, "SELECT ledger_append ('" ALICE "', 'gift', 10000)");
  poor_again = spend_of (fixture, ALICE, "7000", "k-2");
  g_assert_cmpstr (poor_again, ==, "insufficient 0 6000 true");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM bonus_ledger WHERE kind = 'spent'"), ==, 1);
}

typedef struct
{
  SkTestDb *db;
  char     *user;
  int       index;
  gboolean  ok;
  gboolean  failed;
} Spender;

static gpointer
spender_thread (gpointer data)
{
  Spender *s = data;
  g_autoptr(PGconn) conn = sk_test_db_connect_as (s->db, s->user);
  g_autofree char *key = g_strdup_printf ("conc-%d", s->index);
  g_autoptr(GError) error = NULL;
  SkSpendResult result;

  if (!sk_pipeline_spend (conn, ALICE, 3000, NULL, key, &result, &error))
    s->failed = TRUE;
  else
    s->ok = result.ok;
  return NULL;
}

static void
test_concurrent_spends (Fixture       *fixture,
                        gconstpointer  data)
{
  Spender spenders[50];
  GThread *threads[50];
  int ok = 0;
  g_autofree char *bal = NULL;

  run (fixture, "SELECT ledger_append ('" ALICE "', 'gift', 100000)");

  for (int i = 0; i < 50; i++)
    {
      spenders[i] = (Spender) { fixture->db, g_strdup (PQuser (fixture->conn)), i, FALSE, FALSE };
      threads[i] = g_thread_new ("spender", spender_thread, &spenders[i]);
    }
  for (int i = 0; i < 50; i++)
    {
      g_thread_join (threads[i]);
      g_assert_false (spenders[i].failed);
      ok += spenders[i].ok ? 1 : 0;
      g_free (spenders[i].user);
    }

  /* 100,000 / 3,000: 33 spends fit, 17 find too little; never below zero. */
  g_assert_cmpint (ok, ==, 33);
  bal = balance_of (fixture, ALICE);
  g_assert_cmpstr (bal, ==, "0/1000/0");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM bonus_spends WHERE outcome = 'spent'"), ==, 33);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/ledger/hold-then-release", test_hold_then_release);
  ADD ("/ledger/expiry-fifo", test_expiry_fifo);
  ADD ("/ledger/refund-full-before-release", test_refund_full_before_release);
  ADD ("/ledger/refund-partial-cumulative", test_refund_partial_cumulative);
  ADD ("/ledger/refund-after-spending", test_refund_after_spending);
  ADD ("/ledger/spend-idempotent", test_spend_idempotent);
  ADD ("/ledger/concurrent-spends", test_concurrent_spends);

  return g_test_run ();
}
