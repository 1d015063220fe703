/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sk-cashback.h"
#include "sk-pipeline.h"
#include "sk-test-pipeline.h"

/* DESIGN.md "The purchase pipeline" through record_purchase() and record_purchase_batch(),
 * with the exact ledger rows each scenario must leave. */

static void
test_insider_first_purchase (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *rows = NULL;

  /* 5,000 ₽ × 5 % (her first purchase earns as an Insider) × 1.5 (a new category). */
  first = record_at (fixture, SALON, "s-1", "500000", "now () - interval '1 day'", ALICE);
  g_assert_cmpstr (first, ==, "recorded 37500 0 10000 insider [category:beauty]");
  /* The same category again: no multiplier. */
  second = record_at (fixture, SALON, "s-2", "100000", "now () - interval '1 hour'", ALICE);
  g_assert_cmpstr (second, ==, "recorded 5000 0 2000 - []");

  rows = ledger_of (fixture, ALICE);
  g_assert_cmpstr (rows, ==, "earned 37500/0/0 new_category; earned 5000/0/0 cashback");
  /* Pending for 14 days from the purchase, expiring 12 months after it (club time zone). */
  g_assert_cmpint (qint (fixture,
    "SELECT count(*) FROM bonus_ledger l JOIN purchases p ON p.id = l.purchase_id"
    " WHERE l.available_at = ((p.occurred_at AT TIME ZONE 'Europe/Moscow') + interval '14 days')"
    "                        AT TIME ZONE 'Europe/Moscow'"
    "   AND l.expires_at = ((p.occurred_at AT TIME ZONE 'Europe/Moscow') + interval '12 months')"
    "                      AT TIME ZONE 'Europe/Moscow'"), ==, 2);
  g_assert_cmpint (qint (fixture, "SELECT sum(amount_kopecks) FROM events_budget_contributions"),
                   ==, 12000);
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM tier_history WHERE member_id = '" ALICE "'"
                                  " AND from_tier = 'none' AND to_tier = 'insider'"), ==, 1);
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM notification_outbox"
                                  " WHERE template = 'purchase.recorded'"), ==, 2);
  g_assert_cmpint (qint (fixture, "SELECT pending FROM bonus_balances"
                                  " WHERE member_id = '" ALICE "'"), ==, 42500);
}

static void
test_new_category_insider_vs_vip (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *insider = NULL;
  g_autofree char *vip = NULL;
  g_autofree char *old = NULL;
  g_autofree char *again = NULL;
  g_autofree char *same = NULL;

  run (fixture, "UPDATE members SET tier = 'insider' WHERE id IN ('" ALICE "', '" CARA "');"
                "UPDATE members SET tier = 'vip' WHERE id = '" BELLA "'");

  /* 1,000 ₽ in a new category: × 1.5 at 5 % for an Insider, × 2 at 7 % for a VIP. */
  insider = record_at (fixture, FLORIST, "f-a", "100000", "now () - interval '1 hour'", ALICE);
  g_assert_cmpstr (insider, ==, "recorded 7500 0 2000 - [category:floristry]");
  vip = record_at (fixture, FLORIST, "f-b", "100000", "now () - interval '1 hour'", BELLA);
  g_assert_cmpstr (vip, ==, "recorded 14000 0 2000 - [category:floristry]");

  /* Thirteen months after her last purchase there, a category is new again; a month later
   * it is not. */
  old = record_at (fixture, FLORIST, "f-c1", "100000", "now () - interval '13 months'", CARA);
  g_assert_cmpstr (old, ==, "recorded 7500 0 2000 - [category:floristry]");
  again = record_at (fixture, FLORIST, "f-c2", "100000", "now () - interval '1 day'", CARA);
  g_assert_cmpstr (again, ==, "recorded 7500 0 2000 - []");
  same = record_at (fixture, FLORIST, "f-c3", "100000", "now () - interval '1 hour'", CARA);
  g_assert_cmpstr (same, ==, "recorded 5000 0 2000 - []");

  /* A medical partner's purchase counts in its own category (dentistry) and is new there. */
  {
    g_autofree char *dental = record_at (fixture, CLINIC, "d-1", "100000",
                                         "now () - interval '1 hour'", CARA);
    g_assert_cmpstr (dental, ==, "recorded 7500 0 2000 - [category:dentistry]");
  }
}

static void
test_business_multiplier (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *campaign = NULL;
  g_autofree char *rule = NULL;
  g_autofree char *past = NULL;

  run (fixture,
       "INSERT INTO business_campaigns (business_id, multiplier_bp, starts_on, ends_on) VALUES"
       " ('" SALON "', 20000, (now () AT TIME ZONE 'Europe/Moscow')::date - 1,"
       "                      (now () AT TIME ZONE 'Europe/Moscow')::date + 1),"
       " ('" FLORIST "', 30000, (now () AT TIME ZONE 'Europe/Moscow')::date - 40,"
       "                        (now () AT TIME ZONE 'Europe/Moscow')::date - 10);"
       "INSERT INTO rules (key, business_id, value, valid_from)"
       " VALUES ('cashback.business_multiplier', '" MARKET "', 15000, '-infinity')");

  /* 1,000 ₽ × 5 % × 1.5 × 2 (campaign running today). */
  campaign = record_at (fixture, SALON, "m-1", "100000", "now () - interval '1 hour'", ALICE);
  g_assert_cmpstr (campaign, ==, "recorded 15000 0 2000 insider [category:beauty]");
  /* × 1.5 by the market's own rule. */
  rule = record_at (fixture, MARKET, "m-2", "100000", "now () - interval '1 hour'", ALICE);
  g_assert_cmpstr (rule, ==, "recorded 11250 0 2000 - [category:gastronomy]");
  /* A campaign that ended does not count. */
  past = record_at (fixture, FLORIST, "m-3", "100000", "now () - interval '1 hour'", ALICE);
  g_assert_cmpstr (past, ==, "recorded 7500 0 2000 - [category:floristry]");
}

static void
test_cross_bonus_window (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *inside = NULL;
  g_autofree char *outside = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *via = NULL;

  run (fixture,
       "INSERT INTO cross_promos (from_business_id, to_business_id, window_days, bonus_bp,"
       "                          valid_from)"
       " VALUES ('" SALON "', '" MARKET "', 30, 1000, now () - interval '100 days')");

  g_free (record_at (fixture, SALON, "x-a1", "100000", "now () - interval '10 days'", ALICE));
  inside = record_at (fixture, MARKET, "x-a2", "200000", "now () - interval '1 day'", ALICE);
  g_assert_cmpstr (inside, ==, "recorded 15000 20000 4000 - [category:gastronomy]");
  rows = ledger_of (fixture, ALICE);
  g_assert_cmpstr (rows, ==, "earned 7500/0/0 new_category; earned 15000/0/0 new_category;"
                             " earned 20000/0/0 cross_bonus");
  via = qstr (fixture, "SELECT involved_via FROM purchases WHERE external_id = 'x-a2'");
  g_assert_cmpstr (via, ==, "cross_bonus");

  /* Bought at the salon 40 days before: outside the 30-day window. */
  g_free (record_at (fixture, SALON, "x-b1", "100000", "now () - interval '40 days'", BELLA));
  outside = record_at (fixture, MARKET, "x-b2", "200000", "now () - interval '1 day'", BELLA);
  g_assert_cmpstr (outside, ==, "recorded 15000 0 4000 - [category:gastronomy]");
}

/* Rows of one batch, printed as "ord:outcome bonus tier". */
static char *
batch (Fixture    *fixture,
       const char *rows_sql)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT string_agg (ord || ':' || outcome || ' ' || bonus || ' ' || coalesce (new_tier, '-'),"
    " '; ' ORDER BY ord) FROM record_purchase_batch (%s)", rows_sql);

  return qstr (fixture, sql);
}

#define ROW(biz, ext, amount, ago, member) \
  "jsonb_build_object ('business_id', '" biz "', 'external_id', '" ext "', 'amount', " amount "," \
  " 'occurred_at', now () - interval '" ago "', 'source', 'csv', 'member_id', '" member "')"

static void
test_tier_exactly_at_threshold (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *result = NULL;

  /* One batch, two members interleaved and out of time order: each member's purchases are
   * taken in time order and see each other. Alice reaches exactly 30,000 ₽ and 3 categories
   * with her third purchase (VIP from then on: her fourth, a new category, earns 7 % × 2);
   * Bella stays one kopeck short. */
  result = batch (fixture, "jsonb_build_array ("
                  ROW (OPTICS, "t-a4", "100000", "1 hour", ALICE) ","
                  ROW (SALON, "t-a1", "1000000", "4 hours", ALICE) ","
                  ROW (SALON, "t-b1", "1000000", "4 hours", BELLA) ","
                  ROW (MARKET, "t-a2", "1000000", "3 hours", ALICE) ","
                  ROW (MARKET, "t-b2", "1000000", "3 hours", BELLA) ","
                  ROW (FLORIST, "t-a3", "1000000", "2 hours", ALICE) ","
                  ROW (FLORIST, "t-b3", "999999", "2 hours", BELLA) ")");
  g_assert_cmpstr (result, ==,
                   "1:recorded 14000 -; 2:recorded 75000 insider; 3:recorded 75000 insider;"
                   " 4:recorded 75000 -; 5:recorded 75000 -; 6:recorded 75000 vip;"
                   " 7:recorded 75000 -");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM tier_history WHERE member_id = '" ALICE "'"
                                  " AND from_tier = 'insider' AND to_tier = 'vip'"), ==, 1);
  {
    g_autofree char *bella = qstr (fixture, "SELECT tier FROM members WHERE id = '" BELLA "'");
    g_assert_cmpstr (bella, ==, "insider");
  }
}

static void
test_rule_in_force_at_purchase_time (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autofree char *result = NULL;

  /* The salon's multiplier became × 2 two days ago: one batch, a purchase on each side of
   * the change (and of a later change back to × 1). */
  run (fixture, "INSERT INTO rules (key, business_id, value, valid_from, valid_to) VALUES"
                " ('cashback.business_multiplier', '" SALON "', 20000, now () - interval '2 days',"
                "  now () - interval '2 hours')");
  result = batch (fixture, "jsonb_build_array ("
                  ROW (SALON, "rt-1", "100000", "3 days", ALICE) ","
                  ROW (SALON, "rt-2", "100000", "1 day", BELLA) ","
                  ROW (SALON, "rt-3", "100000", "1 hour", CARA) ")");
  g_assert_cmpstr (result, ==, "1:recorded 7500 insider; 2:recorded 15000 insider;"
                               " 3:recorded 7500 insider");
}

static void
test_top_share (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *tiers = NULL;
  g_autofree char *after = NULL;

  /* 150 spending members: 1 % of 150 is 1.5, so only rank 1 is in the top share. */
  run (fixture,
       "INSERT INTO members (id) SELECT ('22222222-0000-4000-8000-' || lpad (i::text, 12, '0'))::uuid"
       "  FROM generate_series (1, 150) i;"
       "SELECT count(*) FROM record_purchase_batch ((SELECT jsonb_agg (jsonb_build_object ("
       "  'business_id', '" SALON "', 'external_id', 'top-' || i, 'amount', 100000 + i,"
       "  'occurred_at', now () - interval '1 day', 'source', 'csv',"
       "  'member_id', '22222222-0000-4000-8000-' || lpad (i::text, 12, '0')))"
       "  FROM generate_series (1, 150) i))");
  jobs (fixture, "now ()");
  tiers = qstr (fixture, "SELECT string_agg (tier, ',' ORDER BY id DESC) FROM members"
                         " WHERE id::text LIKE '22222222%' AND id::text >= '22222222-0000-4000-8000-000000000149'");
  g_assert_cmpstr (tiers, ==, "elite,insider");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM member_spend_ranking"), ==, 150);

  /* Her next purchase reads the ranking: Elite's 10 %. */
  after = record_at (fixture, SALON, "top-next", "100000", "now () - interval '1 hour'",
                     "22222222-0000-4000-8000-000000000150");
  g_assert_cmpstr (after, ==, "recorded 10000 0 2000 - []");
}

static void
test_premium (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *first = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *lapsed = NULL;

  run (fixture, "UPDATE members SET premium_until = now () + interval '20 days'"
                " WHERE id = '" ALICE "'");
  /* At least the premium 10 %, and the VIP+ new-category × 2. */
  first = record_at (fixture, SALON, "p-1", "100000", "now () - interval '1 hour'", ALICE);
  g_assert_cmpstr (first, ==, "recorded 20000 0 2000 vip [category:beauty]");

  jobs (fixture, "now ()");
  kept = qstr (fixture, "SELECT tier FROM members WHERE id = '" ALICE "'");
  g_assert_cmpstr (kept, ==, "vip");

  /* Once it lapses the daily recompute takes her back to what she earned. */
  jobs (fixture, "now () + interval '30 days'");
  lapsed = qstr (fixture, "SELECT tier FROM members WHERE id = '" ALICE "'");
  g_assert_cmpstr (lapsed, ==, "insider");
}

static void
test_invitation_never_lowered (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *tier = NULL;

  run (fixture, "SELECT member_invite_inner_circle ('" ALICE "')");
  g_free (record_at (fixture, SALON, "i-1", "100000", "now () - interval '1 hour'", ALICE));
  jobs (fixture, "now ()");
  tier = qstr (fixture, "SELECT tier FROM members WHERE id = '" ALICE "'");
  g_assert_cmpstr (tier, ==, "inner_circle");
  /* And she earns at Inner Circle's 10 %, × 2 for the new category. */
  g_assert_cmpint (qint (fixture, "SELECT amount FROM bonus_ledger WHERE member_id = '" ALICE "'"),
                   ==, 20000);
}

static void
test_replay_is_duplicate (Fixture       *fixture,
                          gconstpointer  data)
{
  const char *counts_sql =
    "SELECT (SELECT count(*) FROM purchases) || '/' || (SELECT count(*) FROM bonus_ledger)"
    " || '/' || (SELECT coalesce (sum (amount_kopecks), 0) FROM events_budget_contributions)"
    " || '/' || (SELECT count(*) FROM notification_outbox) || '/' ||"
    " (SELECT count(*) FROM tier_history) || '/' || (SELECT sum (purchases_count)"
    " FROM business_customers) || '/' || (SELECT pending FROM bonus_balances)";
  g_autofree char *first = NULL;
  g_autofree char *before = NULL;
  g_autofree char *again = NULL;
  g_autofree char *after = NULL;
  g_autofree char *in_batch = NULL;
  g_autofree char *same_id = NULL;

  first = record_at (fixture, SALON, "r-1", "350000", "now () - interval '1 hour'", ALICE);
  g_assert_cmpstr (first, ==, "recorded 26250 0 7000 insider [category:beauty]");
  before = qstr (fixture, counts_sql);
  g_assert_cmpstr (before, ==, "1/1/7000/1/1/1/26250");

  again = record_at (fixture, SALON, "r-1", "350000", "now () - interval '1 hour'", ALICE);
  g_assert_cmpstr (again, ==, "duplicate 0 0 0 - []");
  after = qstr (fixture, counts_sql);
  g_assert_cmpstr (after, ==, before);

  /* Twice in one batch: the second is the first's duplicate. */
  in_batch = batch (fixture, "jsonb_build_array (" ROW (MARKET, "r-2", "100000", "1 hour", ALICE)
                             "," ROW (MARKET, "r-2", "100000", "1 hour", ALICE) ")");
  g_assert_cmpstr (in_batch, ==, "1:recorded 7500 -; 2:duplicate 0 -");
  same_id = qstr (fixture, "SELECT count(DISTINCT purchase_id) FROM record_purchase_batch ("
                           "jsonb_build_array (" ROW (MARKET, "r-2", "100000", "1 hour", ALICE)
                           "," ROW (MARKET, "r-2", "100000", "1 hour", ALICE) "))");
  g_assert_cmpstr (same_id, ==, "1");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM purchases"), ==, 2);
}

static void
test_batch_rejects_rows (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *result = NULL;

  result = qstr (fixture,
    "SELECT string_agg (ord || ':' || outcome || ' ' || coalesce (sqlstate, '-'), '; '"
    " ORDER BY ord) FROM record_purchase_batch (jsonb_build_array ("
    ROW (SALON, "ok-1", "100000", "1 hour", ALICE) ","
    ROW (SALON, "zero", "0", "1 hour", ALICE) ","
    "jsonb_build_object ('business_id', '" SALON "', 'external_id', 'ref-x', 'amount', -100,"
    " 'original_external_id', 'nope', 'occurred_at', now (), 'source', 'csv'),"
    ROW (SALON, "future", "100000", "-2 days", ALICE) ","
    "jsonb_build_object ('business_id', '" SALON "', 'external_id', 'ref-ok', 'amount', -50000,"
    " 'original_external_id', 'ok-1', 'occurred_at', now (), 'source', 'csv'),"
    "jsonb_build_object ('business_id', '" SALON "', 'external_id', 'ref-big', 'amount', -50001,"
    " 'original_external_id', 'ok-1', 'occurred_at', now (), 'source', 'csv')))");
  g_assert_cmpstr (result, ==, "1:recorded -; 2:rejected 23514; 3:rejected 23503;"
                               " 4:rejected 22023; 5:recorded -; 6:rejected 23514");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM purchase_keys"), ==, 2);
  /* The refund in the same batch reversed half of the bonus: 7,500 - 3,750. */
  g_assert_cmpint (qint (fixture, "SELECT pending FROM bonus_balances"), ==, 3750);
}

static void
test_unmatched_then_registered (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *outcome = NULL;
  g_autofree char *linked = NULL;
  g_autofree char *row = NULL;
  g_autofree char *tier = NULL;
  g_autofree char *badges = NULL;
  g_autofree char *rows = NULL;

  outcome = qstr (fixture, "SELECT outcome || ' ' || bonus FROM record_purchase ('" SALON "',"
                           " 'u-1', 450000, now () - interval '3 days', 'csv',"
                           " " PHONE_HASH ("+79995550000") ")");
  g_assert_cmpstr (outcome, ==, "unmatched 0");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM bonus_ledger"), ==, 0);
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM events_budget_contributions"), ==, 0);

  /* She registers with that phone. */
  run (fixture, "INSERT INTO members (id, phone_hash) VALUES"
                " ('33333333-0000-4000-8000-000000000001', " PHONE_HASH ("+79995550000") ")");
  linked = qstr (fixture, "SELECT link_unmatched ('33333333-0000-4000-8000-000000000001')");
  g_assert_cmpstr (linked, ==, "1");
  row = qstr (fixture, "SELECT status || '/' || member_id || '/' ||"
                       " (customer_phone_hash IS NULL) FROM purchases");
  g_assert_cmpstr (row, ==, "recorded/33333333-0000-4000-8000-000000000001/true");

  /* No retroactive bonus (README "Rules decided here"), but it counts for her tier, badges
   * and the partner's customers. */
  rows = ledger_of (fixture, "33333333-0000-4000-8000-000000000001");
  g_assert_cmpstr (rows, ==, "");
  tier = qstr (fixture, "SELECT tier FROM members WHERE id = '33333333-0000-4000-8000-000000000001'");
  g_assert_cmpstr (tier, ==, "insider");
  badges = qstr (fixture, "SELECT string_agg (badge_code, ',' ORDER BY badge_code) FROM member_badges"
                          " WHERE member_id = '33333333-0000-4000-8000-000000000001'");
  g_assert_cmpstr (badges, ==, "category:beauty,first_comer");
  g_assert_cmpint (qint (fixture, "SELECT purchases_count FROM business_customers"
                                  " WHERE member_id = '33333333-0000-4000-8000-000000000001'"), ==, 1);
  /* Linking again finds nothing more. */
  g_assert_cmpint (qint (fixture, "SELECT link_unmatched ('33333333-0000-4000-8000-000000000001')"),
                   ==, 0);
}

static PGresult *
with_coupon (Fixture    *fixture,
             const char *external_id,
             const char *code,
             const char *member)
{
  return sk_test_exec (fixture->conn,
                       "SELECT outcome FROM record_purchase ('" SALON "', $1, 100000,"
                       " now () - interval '1 minute', 'manual', p_member_id => $3::uuid,"
                       " p_coupon_code => $2)", external_id, code, member, NULL);
}

static void
test_coupon_once_before_expiry (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *redeemed = NULL;

  run (fixture,
       "INSERT INTO coupons (business_id, member_id, type, value_kopecks, code, activation_code,"
       "                     activated_at, activation_valid_until, expires_at) VALUES"
       " ('" SALON "', '" ALICE "', 'discount', 50000, 'SPRING-0001', 'A1', now () - interval '1 day',"
       "  now () + interval '1 day', now () + interval '7 days'),"
       " ('" SALON "', NULL, 'discount', 50000, 'OLD-0001', 'A2', now () - interval '9 days',"
       "  now () - interval '8 days', now () - interval '1 hour')");

  sk_test_assert_ok (with_coupon (fixture, "c-1", "SPRING-0001", ALICE));
  redeemed = qstr (fixture, "SELECT p.involved_via || '/' || (c.redeemed_purchase_id = p.id)"
                            " FROM purchases p, coupons c"
                            " WHERE p.external_id = 'c-1' AND c.code = 'SPRING-0001'");
  g_assert_cmpstr (redeemed, ==, "promo/true");

  /* A second time, after expiry, or by someone it was not issued to: refused, nothing kept. */
  sk_test_assert_sqlstate (with_coupon (fixture, "c-2", "SPRING-0001", ALICE), "55000");
  sk_test_assert_sqlstate (with_coupon (fixture, "c-3", "OLD-0001", ALICE), "55000");
  sk_test_assert_sqlstate (with_coupon (fixture, "c-4", "NO-SUCH-CODE", ALICE), "23503");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM purchase_keys"), ==, 1);
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM coupons WHERE redeemed_at IS NOT NULL"), ==, 1);
}

static void
test_coupon_issue_activate_bonus (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *code = NULL;
  g_autofree char *again = NULL;
  g_autofree char *bellas = NULL;
  g_autofree char *rows = NULL;
  g_autofree char *bal = NULL;

  run (fixture, "UPDATE members SET tier = 'vip' WHERE id IN ('" ALICE "', '" BELLA "')");
  g_assert_cmpint (qint (fixture, "SELECT coupon_issue ('" SALON "', 'bonus', 30000,"
                                  " now () + interval '7 days', p_member_id => '" ALICE "')"),
                   ==, 1);
  /* A tier and above: Alice and Bella (VIP), not Cara (no tier yet). */
  g_assert_cmpint (qint (fixture, "SELECT coupon_issue ('" MARKET "', 'discount', 100000,"
                                  " now () + interval '7 days', p_min_tier => 'vip')"), ==, 2);
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
    "SELECT coupon_issue ('" SALON "', 'gift', 0, now () + interval '1 day',"
    " p_member_id => '" ALICE "', p_min_tier => 'vip')", NULL), "22023");
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
    "SELECT coupon_issue ('" SALON "', 'gift', 0, now () - interval '1 day',"
    " p_member_id => '" ALICE "')", NULL), "22023");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM audit_log WHERE action = 'coupon.issue'"),
                   ==, 2);

  /* Not activated yet: refused. Activated: a six-letter code, the same one again. */
  code = qstr (fixture, "SELECT code FROM coupons WHERE business_id = '" SALON "'");
  sk_test_assert_sqlstate (with_coupon (fixture, "b-1", code, ALICE), "55000");
  g_free (code);
  code = qstr (fixture, "SELECT a.activation_code FROM coupons c,"
                        " coupon_activate ('" ALICE "', c.id) a WHERE c.business_id = '" SALON "'");
  g_assert_cmpint (strlen (code), ==, 6);
  again = qstr (fixture, "SELECT a.activation_code FROM coupons c,"
                         " coupon_activate ('" ALICE "', c.id) a WHERE c.business_id = '" SALON "'");
  g_assert_cmpstr (again, ==, code);
  /* Bella's coupon is not Alice's to activate. */
  bellas = qstr (fixture, "SELECT id FROM coupons WHERE member_id = '" BELLA "'");
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn, "SELECT coupon_activate ($1, $2)",
                                         ALICE, bellas, NULL), "23503");

  /* Redeemed by the activation code: the bonus is hers at once, next to the cashback
   * (VIP 7 % × 2 for a new category). */
  sk_test_assert_ok (with_coupon (fixture, "b-2", code, ALICE));
  rows = ledger_of (fixture, ALICE);
  g_assert_cmpstr (rows, ==, "gift 0/30000/0 coupon; earned 14000/0/0 new_category");
  bal = balance_of (fixture, ALICE);
  g_assert_cmpstr (bal, ==, "14000/30000/0");
  sk_test_assert_sqlstate (with_coupon (fixture, "b-3", code, ALICE), "55000");
  sk_test_assert_sqlstate (sk_test_exec (fixture->conn,
    "SELECT coupon_activate ('" ALICE "', id) FROM coupons WHERE business_id = '" SALON "'",
    NULL), "55000");
}

typedef struct
{
  SkTestDb *db;
  char     *user;
  char     *code;
  int       index;
  char     *outcome;
} Redeemer;

static gpointer
redeemer_thread (gpointer data)
{
  Redeemer *r = data;
  g_autoptr(PGconn) conn = sk_test_db_connect_as (r->db, r->user);
  g_autofree char *key = g_strdup_printf ("race-%d", r->index);
  g_autoptr(PGresult) result = sk_test_exec (conn,
    "SELECT outcome FROM record_purchase ('" SALON "', $1, 100000, now () - interval '1 minute',"
    " 'manual', p_member_id => '" ALICE "', p_coupon_code => $2)", key, r->code, NULL);

  r->outcome = g_strdup (PQresultStatus (result) == PGRES_TUPLES_OK
                         ? PQgetvalue (result, 0, 0) : PQresultErrorField (result, PG_DIAG_SQLSTATE));
  return NULL;
}

static void
test_coupon_race (Fixture       *fixture,
                  gconstpointer  data)
{
  Redeemer redeemers[8];
  GThread *threads[8];
  int recorded = 0;

  run (fixture,
       "INSERT INTO coupons (business_id, member_id, type, value_kopecks, code, activation_code,"
       "                     activated_at, activation_valid_until, expires_at) VALUES"
       " ('" SALON "', '" ALICE "', 'bonus', 20000, 'RACE-0001', 'RACE01', now () - interval '1 day',"
       "  now () + interval '1 day', now () + interval '1 day')");
  for (int i = 0; i < 8; i++)
    {
      redeemers[i] = (Redeemer) { fixture->db, g_strdup (PQuser (fixture->conn)), "RACE-0001", i,
                                  NULL };
      threads[i] = g_thread_new ("redeemer", redeemer_thread, &redeemers[i]);
    }
  for (int i = 0; i < 8; i++)
    {
      g_thread_join (threads[i]);
      if (g_strcmp0 (redeemers[i].outcome, "recorded") == 0)
        recorded++;
      else
        g_assert_cmpstr (redeemers[i].outcome, ==, "55000");
      g_free (redeemers[i].outcome);
      g_free (redeemers[i].user);
    }

  /* Exactly one purchase used it, and the bonus was credited once. */
  g_assert_cmpint (recorded, ==, 1);
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM bonus_ledger WHERE reason = 'coupon'"), ==, 1);
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM purchases WHERE coupon_id IS NOT NULL"), ==, 1);
}

static void
test_party_goer (Fixture       *fixture,
                 gconstpointer  data)
{
  run (fixture, "UPDATE rules SET valid_to = now () WHERE key = 'badge.party_goer.events'"
                " AND valid_to IS NULL AND business_id IS NULL;"
                "INSERT INTO rules (key, value, valid_from) VALUES"
                " ('badge.party_goer.events', 3, now ())");
  run (fixture,
       "INSERT INTO events (id, title, type, level, format, starts_at, capacity, status)"
       " SELECT ('eeeeeeee-0000-4000-8000-00000000000' || i)::uuid, 'Вечер ' || i, 'party', 'open',"
       "        'free', now () - make_interval (days => 10 * i), 50, 'completed'"
       "   FROM generate_series (1, 3) i");
  run (fixture, "INSERT INTO event_registrations (event_id, member_id, status, ticket_code)"
                " SELECT id, '" ALICE "', 'confirmed', 'TICKET-' || substr (id::text, 30) FROM events");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM member_badges"
                                  " WHERE badge_code = 'party_goer'"), ==, 0);

  /* Two of three attended: not yet; the third: the badge. */
  run (fixture, "UPDATE event_registrations SET status = 'attended'"
                " WHERE event_id IN ('eeeeeeee-0000-4000-8000-000000000001',"
                "                    'eeeeeeee-0000-4000-8000-000000000002')");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM member_badges"
                                  " WHERE badge_code = 'party_goer'"), ==, 0);
  run (fixture, "UPDATE event_registrations SET status = 'attended'"
                " WHERE event_id = 'eeeeeeee-0000-4000-8000-000000000003'");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM member_badges"
                                  " WHERE badge_code = 'party_goer' AND member_id = '" ALICE "'"),
                   ==, 1);
}

static void
test_referral_reward (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *rows = NULL;
  g_autofree char *still = NULL;

  run (fixture, "INSERT INTO referrals (referred_id, referrer_id, code_used)"
                " VALUES ('" BELLA "', '" ALICE "', 'ALICE1')");
  g_free (record_at (fixture, SALON, "ref-1", "100000", "now () - interval '2 hours'", BELLA));
  rows = ledger_of (fixture, ALICE);
  g_assert_cmpstr (rows, ==, "gift 0/50000/0 referral");
  g_assert_cmpint (qint (fixture, "SELECT count(*) FROM referrals WHERE qualified_at IS NOT NULL"
                                  " AND rewarded_at IS NOT NULL"), ==, 1);

  /* Only her first purchase. */
  g_free (record_at (fixture, MARKET, "ref-2", "100000", "now () - interval '1 hour'", BELLA));
  still = ledger_of (fixture, ALICE);
  g_assert_cmpstr (still, ==, "gift 0/50000/0 referral");
}

typedef struct
{
  SkKopecks amount;
  SkTier    tier;
  gboolean  premium;
  gboolean  new_category;
  gint64    multiplier_bp;
} CoreCase;

static const CoreCase core_cases[] = {
  { 500000, SK_TIER_NONE,         FALSE, TRUE,  10000 },
  { 333333, SK_TIER_INSIDER,      FALSE, FALSE, 10000 },
  { 333333, SK_TIER_VIP,          FALSE, TRUE,  15000 },
  { 123457, SK_TIER_ELITE,        FALSE, TRUE,  20000 },
  {  99999, SK_TIER_INNER_CIRCLE, FALSE, FALSE, 12500 },
  { 100001, SK_TIER_INSIDER,      TRUE,  TRUE,  10000 },
  {      7, SK_TIER_VIP,          FALSE, TRUE,  10000 },
  {     13, SK_TIER_INSIDER,      FALSE, FALSE, 10000 },
  { 999999, SK_TIER_NONE,         TRUE,  TRUE,  30000 },
};

static void
test_core_agrees (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(SkRules) rules = sk_rules_new_default ();

  for (guint i = 0; i < G_N_ELEMENTS (core_cases); i++)
    {
      const CoreCase *c = &core_cases[i];
      SkCashbackInput input = { c->amount, c->tier, c->premium, c->new_category, c->multiplier_bp };
      SkCashback expected;
      g_autoptr(GError) error = NULL;
      g_autofree char *member = g_strdup_printf ("44444444-0000-4000-8000-%012u", i);
      g_autofree char *biz = g_strdup_printf ("55555555-0000-4000-8000-%012u", i);
      g_autofree char *name = g_strdup_printf ("Case %u", i);
      g_autofree char *mult = g_strdup_printf ("%" G_GINT64_FORMAT, c->multiplier_bp);
      g_autofree char *amount = g_strdup_printf ("%" G_GINT64_FORMAT, c->amount);
      g_autofree char *got = NULL;

      g_assert_true (sk_cashback_compute (rules, &input, &expected, &error));
      g_assert_no_error (error);

      sk_test_assert_ok (sk_test_exec (fixture->conn,
        "INSERT INTO businesses (id, name, category) VALUES ($1::uuid, $2, 'beauty');"
        , biz, name, NULL));
      sk_test_assert_ok (sk_test_exec (fixture->conn,
        "INSERT INTO rules (key, business_id, value, valid_from)"
        " VALUES ('cashback.business_multiplier', $1::uuid, $2::bigint, '-infinity')",
        biz, mult, NULL));
      sk_test_assert_ok (sk_test_exec (fixture->conn,
        "INSERT INTO members (id, premium_until) VALUES ($1::uuid,"
        " CASE WHEN $2 THEN now () + interval '1 month' END)",
        member, c->premium ? "true" : "false", NULL));
      if (!c->new_category)
        g_free (record_at (fixture, biz, "prior", "100", "now () - interval '1 day'", member));
      sk_test_assert_ok (sk_test_exec (fixture->conn, "UPDATE members SET tier = $2 WHERE id = $1::uuid",
                                       member, sk_tier_to_string (c->tier), NULL));
      got = sk_test_query_value (fixture->conn,
                                 "SELECT bonus FROM record_purchase ($1::uuid, 'case', $2::bigint,"
                                 " now () - interval '1 hour', 'manual', p_member_id => $3::uuid)",
                                 biz, amount, member, NULL);
      g_assert_cmpint (g_ascii_strtoll (got, NULL, 10), ==, expected.cashback);
    }
}

/* The C wrappers: one purchase, a batch, a refused row, and a plain phone refused. */
static void
test_c_wrappers (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(SkPurchase) p = sk_purchase_new ();
  g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);
  g_autoptr(GArray) results = g_array_new (FALSE, TRUE, sizeof (SkRecordResult));
  g_autoptr(GError) error = NULL;
  SkRecordResult one;
  SkJobsReport report;

  p->business_id = g_strdup (SALON);
  p->external_id = g_strdup ("c-wrap-1");
  p->occurred_at = g_get_real_time () - (gint64) G_USEC_PER_SEC * 3600;
  p->member_id = g_strdup (ALICE);
  p->amount = 500000;
  p->category = SK_CATEGORY_NONE;
  p->source = SK_PURCHASE_SOURCE_MANUAL;
  p->involved_via = SK_INVOLVED_VIA_NONE;

  g_assert_true (sk_pipeline_record (fixture->conn, p, &one, &error));
  g_assert_no_error (error);
  g_assert_cmpint (one.outcome, ==, SK_RECORD_RECORDED);
  g_assert_cmpint (one.bonus, ==, 37500);
  g_assert_cmpint (one.budget, ==, 10000);
  g_assert_cmpstr (one.new_tier, ==, "insider");
  g_assert_cmpstr (one.badges, ==, "category:beauty");

  g_assert_true (sk_pipeline_record (fixture->conn, p, &one, &error));
  g_assert_cmpint (one.outcome, ==, SK_RECORD_DUPLICATE);

  for (int i = 0; i < 3; i++)
    {
      SkPurchase *q = sk_purchase_copy (p);

      g_free (q->external_id);
      q->external_id = g_strdup_printf ("c-wrap-b%d", i);
      q->amount = i == 1 ? 0 : 100000;
      g_ptr_array_add (many, q);
    }
  g_assert_true (sk_pipeline_record_batch (fixture->conn, many, results, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 3);
  g_assert_cmpint (g_array_index (results, SkRecordResult, 0).outcome, ==, SK_RECORD_RECORDED);
  g_assert_cmpint (g_array_index (results, SkRecordResult, 0).bonus, ==, 5000);
  g_assert_cmpint (g_array_index (results, SkRecordResult, 1).outcome, ==, SK_RECORD_REJECTED);
  g_assert_cmpstr (g_array_index (results, SkRecordResult, 1).sqlstate, ==, "23514");
  g_assert_cmpint (g_array_index (results, SkRecordResult, 2).outcome, ==, SK_RECORD_RECORDED);

  /* A refused single purchase is an error. */
  g_free (p->external_id);
  p->external_id = g_strdup ("c-wrap-0");
  p->amount = 0;
  g_assert_false (sk_pipeline_record (fixture->conn, p, &one, &error));
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY);
  g_clear_error (&error);

  /* A plain phone never goes to SQL. */
  p->amount = 100;
  p->phone_e164 = g_strdup ("+79990000009");
  g_clear_pointer (&p->member_id, g_free);
  g_assert_false (sk_pipeline_record (fixture->conn, p, &one, &error));
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA);
  g_clear_error (&error);

  g_assert_true (sk_pipeline_run_jobs (fixture->conn, NULL, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpint (report.released, ==, 0);
  g_assert_cmpint (report.ranked, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/pipeline/insider-first-purchase", test_insider_first_purchase);
  ADD ("/pipeline/new-category-insider-vs-vip", test_new_category_insider_vs_vip);
  ADD ("/pipeline/business-multiplier", test_business_multiplier);
  ADD ("/pipeline/cross-bonus-window", test_cross_bonus_window);
  ADD ("/pipeline/tier-exactly-at-threshold", test_tier_exactly_at_threshold);
  ADD ("/pipeline/rule-in-force-at-purchase-time", test_rule_in_force_at_purchase_time);
  ADD ("/pipeline/top-share", test_top_share);
  ADD ("/pipeline/premium", test_premium);
  ADD ("/pipeline/invitation-never-lowered", test_invitation_never_lowered);
  ADD ("/pipeline/replay-is-duplicate", test_replay_is_duplicate);
  ADD ("/pipeline/batch-rejects-rows", test_batch_rejects_rows);
  ADD ("/pipeline/unmatched-then-registered", test_unmatched_then_registered);
  ADD ("/pipeline/coupon-once-before-expiry", test_coupon_once_before_expiry);
  ADD ("/pipeline/coupon-issue-activate-bonus", test_coupon_issue_activate_bonus);
  ADD ("/pipeline/coupon-race", test_coupon_race);
  ADD ("/pipeline/party-goer", test_party_goer);
  ADD ("/pipeline/referral-reward", test_referral_reward);
  ADD ("/pipeline/core-agrees", test_core_agrees);
  ADD ("/pipeline/c-wrappers", test_c_wrappers);

  return g_test_run ();
}
