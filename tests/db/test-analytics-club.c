/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <math.h>

#include "sk-analytics-club.h"
#include "sk-commission.h"
#include "sk-db.h"
#include "sk-test-pg.h"

/*
 * Club-level analytics (src/db/sk-analytics-club.c) on a small hand-built history, every
 * figure worked out below and asserted exactly. Purchases are inserted directly (nothing in
 * the schema maintains anything behind a direct INSERT, and the analytics read purchases
 * only); times are local, in the club's time zone (Europe/Moscow, UTC+3).
 *
 * Partners, all joined 2024-09-15 (commission month 6 is 2025-02-15..03-14, month 7 starts
 * 2025-03-15):
 *   SALON  Миндаль     beauty
 *   MARKET Лисичкино   gastronomy
 *   CLINIC Стим Центр  dentistry, medical (its purchases say only 'medical_service')
 *   MEDIC  Миллениум   medicine, medical
 *
 * Members, joined 2024-12-01 12:00 unless said; tier now:
 *   A vip      a1 SALON 01-15 08:00, a2 MARKET 03-16 20:00  (60 calendar days, 60.5 × 24 h)
 *   B insider  b1 SALON 01-15, b2 MARKET 02-10, b3 MARKET 03-17  (b3: 61 days after b1)
 *   C insider  c1 SALON 03-02, c2 SALON 03-20, c3r refund of c2 on 03-22 (−400 ₽)
 *   D elite    d1 CLINIC 03-05, d2 SALON 03-10
 *   E insider  joined 2025-01-01 01:00 (still 2024-12-31 in UTC); e1 CLINIC 03-05,
 *              e2 MEDIC 03-06 (both 'medical_service', counted dentistry and medicine)
 *   F none     joined 2025-03-10; no purchases
 *   G none     joined 2025-04-05; g1 SALON 03-03, g2 MARKET 03-04 (bought before joining)
 *   H insider  deleted 2025-03-20; h1 SALON 03-01, h2 MARKET 03-02
 *   J vip      j1 SALON 01-05, j2 MARKET 01-10, j3 MARKET 03-09 (j3: 63 days after j1)
 *   K insider  k1 SALON and k2 MARKET both 2025-03-01 00:30 (still February in UTC)
 * All at 12:00 unless said, 1 000 ₽ each. Not members' (unmatched): u1 SALON 03-15, and the
 * involved sales p1 SALON 03-14 10 000 ₽ promo, p2 SALON 03-15 3 333,33 ₽ app booking,
 * p3 SALON 03-20 12:00 1 000,25 ₽ cross-bonus, p4 SALON 03-20 14:00 1 000,25 ₽ promo, and the
 * refunds p1r of p1 on 03-25 (−5 000 ₽) and p2r of p2 on 03-28 (−1 111,11 ₽, itself sent
 * with involved_via 'none').
 */

#define SALON  "cccccccc-0000-4000-8000-000000000001"
#define MARKET "cccccccc-0000-4000-8000-000000000002"
#define CLINIC "cccccccc-0000-4000-8000-000000000003"
#define MEDIC  "cccccccc-0000-4000-8000-000000000004"

#define MEMBER(x) "dddddddd-0000-4000-8000-0000000000" x
#define A MEMBER ("0a")
#define B MEMBER ("0b")
#define C MEMBER ("0c")
#define D MEMBER ("0d")
#define E MEMBER ("0e")
#define F MEMBER ("0f")
#define G MEMBER ("10")
#define H MEMBER ("11")
#define J MEMBER ("13")
#define K MEMBER ("14")

#define EVENT1 "eeeeeeee-0000-4000-8000-000000000001"
#define EVENT2 "eeeeeeee-0000-4000-8000-000000000002"
#define EVENT3 "eeeeeeee-0000-4000-8000-000000000003"

typedef struct
{
  SkTestDb *db;
  PGconn   *conn;
} Fixture;

static void
run (Fixture    *f,
     const char *sql)
{
  sk_test_assert_ok (PQexec (f->conn, sql));
}

/* A sale (@original "") or a refund of the sale @original, at local time @when; @member ""
 * for an unmatched one. */
static void
record (Fixture    *f,
        const char *external_id,
        const char *business,
        const char *member,
        const char *when,
        const char *amount,
        const char *via,
        const char *original)
{
  sk_test_assert_ok (sk_test_exec (f->conn,
    "WITH k AS ("
    "  INSERT INTO purchase_keys (business_id, external_id, occurred_at)"
    "  VALUES ($1::uuid, $2, $3::timestamp AT TIME ZONE club_time_zone ())"
    "  RETURNING id, occurred_at)"
    "INSERT INTO purchases (id, occurred_at, business_id, member_id, amount,"
    "                       original_purchase_id, category, source, involved_via, status,"
    "                       external_id)"
    "SELECT k.id, k.occurred_at, b.id, nullif ($4, '')::uuid, $5::bigint, o.id,"
    "       CASE WHEN b.is_medical THEN 'medical_service' ELSE b.category END, 'manual', $6,"
    "       CASE WHEN $4 = '' THEN 'unmatched' ELSE 'recorded' END, $2"
    "  FROM k JOIN businesses b ON b.id = $1::uuid"
    "  LEFT JOIN purchase_keys o ON o.business_id = b.id AND o.external_id = nullif ($7, '')",
    business, external_id, when, member, amount, via, original, NULL));
}

static void
sale (Fixture    *f,
      const char *external_id,
      const char *business,
      const char *member,
      const char *when)
{
  record (f, external_id, business, member, when, "100000", "none", "");
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->db = sk_test_db_new ("analytics_club");
  f->conn = f->db->conn;

  run (f,
       "INSERT INTO businesses (id, name, category, is_medical, joined_on) VALUES"
       " ('" SALON "', 'Миндаль', 'beauty', false, '2024-09-15'),"
       " ('" MARKET "', 'Лисичкино', 'gastronomy', false, '2024-09-15'),"
       " ('" CLINIC "', 'Стим Центр', 'dentistry', true, '2024-09-15'),"
       " ('" MEDIC "', 'Миллениум', 'medicine', true, '2024-09-15');"
       "INSERT INTO members (id, tier, joined_at, deleted_at)"
       "SELECT id::uuid, tier, joined::timestamp AT TIME ZONE 'Europe/Moscow',"
       "       deleted::timestamp AT TIME ZONE 'Europe/Moscow'"
       "  FROM (VALUES"
       "  ('" A "', 'vip',     '2024-12-01 12:00', NULL),"
       "  ('" B "', 'insider', '2024-12-01 12:00', NULL),"
       "  ('" C "', 'insider', '2024-12-01 12:00', NULL),"
       "  ('" D "', 'elite',   '2024-12-01 12:00', NULL),"
       "  ('" E "', 'insider', '2025-01-01 01:00', NULL),"
       "  ('" F "', 'none',    '2025-03-10 12:00', NULL),"
       "  ('" G "', 'none',    '2025-04-05 12:00', NULL),"
       "  ('" H "', 'insider', '2024-12-01 12:00', '2025-03-20 12:00'),"
       "  ('" J "', 'vip',     '2024-12-01 12:00', NULL),"
       "  ('" K "', 'insider', '2024-12-01 12:00', NULL)) v (id, tier, joined, deleted)");

  sale (f, "a1", SALON, A, "2025-01-15 08:00");
  sale (f, "a2", MARKET, A, "2025-03-16 20:00");
  sale (f, "b1", SALON, B, "2025-01-15 12:00");
  sale (f, "b2", MARKET, B, "2025-02-10 12:00");
  sale (f, "b3", MARKET, B, "2025-03-17 12:00");
  sale (f, "c1", SALON, C, "2025-03-02 12:00");
  sale (f, "c2", SALON, C, "2025-03-20 12:00");
  record (f, "c3r", SALON, C, "2025-03-22 12:00", "-40000", "none", "c2");
  sale (f, "d1", CLINIC, D, "2025-03-05 12:00");
  sale (f, "d2", SALON, D, "2025-03-10 12:00");
  sale (f, "e1", CLINIC, E, "2025-03-05 12:00");
  sale (f, "e2", MEDIC, E, "2025-03-06 12:00");
  sale (f, "g1", SALON, G, "2025-03-03 12:00");
  sale (f, "g2", MARKET, G, "2025-03-04 12:00");
  sale (f, "h1", SALON, H, "2025-03-01 12:00");
  sale (f, "h2", MARKET, H, "2025-03-02 12:00");
  sale (f, "j1", SALON, J, "2025-01-05 12:00");
  sale (f, "j2", MARKET, J, "2025-01-10 12:00");
  sale (f, "j3", MARKET, J, "2025-03-09 12:00");
  sale (f, "k1", SALON, K, "2025-03-01 00:30");
  sale (f, "k2", MARKET, K, "2025-03-01 00:30");
  sale (f, "u1", SALON, "", "2025-03-15 12:00");
  record (f, "p1", SALON, "", "2025-03-14 12:00", "1000000", "promo", "");
  record (f, "p2", SALON, "", "2025-03-15 12:00", "333333", "app_booking", "");
  record (f, "p3", SALON, "", "2025-03-20 12:00", "100025", "cross_bonus", "");
  record (f, "p4", SALON, "", "2025-03-20 14:00", "100025", "promo", "");
  record (f, "p1r", SALON, "", "2025-03-25 12:00", "-500000", "none", "p1");
  record (f, "p2r", SALON, "", "2025-03-28 12:00", "-111111", "none", "p2");

  /* Events: EVENT1 on 03-12 at the salon, EVENT2 cancelled, EVENT3 in April. */
  run (f,
       "INSERT INTO events (id, title, level, format, starts_at, location_business_id, status)"
       " VALUES"
       " ('" EVENT1 "', 'Девичник', 'open', 'free', '2025-03-12 16:00Z', '" SALON "',"
       "  'completed'),"
       " ('" EVENT2 "', 'Отменён', 'open', 'free', '2025-03-14 16:00Z', NULL, 'cancelled'),"
       " ('" EVENT3 "', 'Апрель', 'open', 'free', '2025-04-10 16:00Z', NULL, 'completed');"
       "INSERT INTO event_registrations (event_id, member_id, status, waitlist_position,"
       "                                 ticket_code, cancelled_at) VALUES"
       " ('" EVENT1 "', '" A "', 'attended', NULL, 'ticket-a-1', NULL),"
       " ('" EVENT1 "', '" B "', 'no_show', NULL, 'ticket-b-1', NULL),"
       " ('" EVENT1 "', '" C "', 'confirmed', NULL, 'ticket-c-1', NULL),"
       " ('" EVENT1 "', '" D "', 'cancelled', NULL, 'ticket-d-1', now ()),"
       " ('" EVENT1 "', '" E "', 'waitlist', 1, 'ticket-e-1', NULL),"
       " ('" EVENT2 "', '" J "', 'attended', NULL, 'ticket-j-2', NULL),"
       " ('" EVENT3 "', '" K "', 'attended', NULL, 'ticket-k-3', NULL);");

  /* Events budget: March collects 60 + 100 − 20 = 140 (the last two from the salon),
   * February 40; allocated 140 in March, 100 in February; spent 30 and 5 on EVENT1. */
  run (f,
       "INSERT INTO events_budget_contributions (purchase_id, business_id, member_id,"
       "                                         amount_kopecks, month)"
       "SELECT k.id, k.business_id, NULL, v.amount, v.month::date"
       "  FROM (VALUES ('a2', 60, '2025-03-01'), ('d2', 100, '2025-03-01'),"
       "               ('c3r', -20, '2025-03-01'), ('b2', 40, '2025-02-01')) v (ext, amount, month)"
       "  JOIN purchase_keys k ON k.external_id = v.ext;"
       "INSERT INTO events_budget_allocations (month, level, share_bp, amount_kopecks) VALUES"
       " ('2025-03-01', 'open', 3000, 42), ('2025-03-01', 'vip', 4000, 56),"
       " ('2025-03-01', 'elite', 2000, 28), ('2025-03-01', 'reserve', 1000, 14),"
       " ('2025-02-01', 'open', 10000, 100);"
       "INSERT INTO events_budget_spending (event_id, month, level, amount_kopecks) VALUES"
       " ('" EVENT1 "', '2025-03-01', 'open', 30), ('" EVENT1 "', '2025-02-01', 'open', 5);");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->db, sk_test_db_free);
}

static SkAnalyticsPeriod *
period_new (const char *business_id,
            const char *from,
            const char *to)
{
  GDate first, last;

  g_date_set_parse (&first, from);
  g_date_set_parse (&last, to);
  g_assert_true (g_date_valid (&first) && g_date_valid (&last));
  return sk_analytics_period_new (business_id, &first, &last);
}

static void
assert_point (const SkAnalyticsNsmPoint *point,
              const char                *month,
              gint64                     members,
              gint64                     active,
              gint64                     qualified)
{
  g_assert_cmpstr (point->month, ==, month);
  g_assert_cmpint (point->members, ==, members);
  g_assert_cmpint (point->active, ==, active);
  g_assert_cmpint (point->qualified, ==, qualified);
  g_assert_cmpfloat (point->value, ==, members ? (double) qualified / members : 0);
  g_assert_cmpfloat (point->value_of_active, ==, active ? (double) qualified / active : 0);
}

static SkAnalyticsNsm *
nsm_of (Fixture    *f,
        const char *business_id,
        const char *from,
        const char *to)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (business_id, from, to);
  g_autoptr(GError) error = NULL;
  SkAnalyticsNsm *nsm = sk_analytics_nsm (f->conn, period, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (nsm);
  g_assert_cmpint (nsm->window_days, ==, 60);
  return nsm;
}

/*
 * March 2025. Who counts (joined before 04-01, not deleted by then): A B C D E F J K = 8
 * (G joined 04-05, H was deleted 03-20). Bought in March: A B C D E J K = 7. North-star
 * purchases in March:
 *   A  a2 is 60 calendar days after a1 (another category): counts, though 60.5 × 24 h
 *   B  b3's latest earlier purchase in another category is b1, 61 days before: no (b2 is
 *      gastronomy like b3)
 *   C  beauty twice: no
 *   D  d2 beauty 5 days after d1 at the dental clinic (counted as dentistry): counts
 *   E  dentistry then medicine, both stored 'medical_service': counts
 *   J  j3's latest earlier other category is j1, 63 days: no (j2 is gastronomy)
 *   K  two categories at the same moment: counts
 * so 4 of 8 (0.5), 4 of the 7 who bought.
 *
 * The trend is six months, 2024-10 to 2025-03:
 *   10, 11  nobody had joined: 0 0 0
 *   12      A B C D H J K = 7 (E joined 01-01 01:00 local), nobody bought
 *   01      + E = 8; bought A B J; J's j2 is 5 days after j1: 1
 *   02      8 (H still a member); bought B; b2 is 26 days after b1: 1
 *   03      8 7 4
 */
static void
test_nsm_month (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SkAnalyticsNsm) nsm = nsm_of (f, NULL, "2025-03-01", "2025-03-31");

  g_assert_cmpint (nsm->members, ==, 8);
  g_assert_cmpint (nsm->active, ==, 7);
  g_assert_cmpint (nsm->qualified, ==, 4);
  g_assert_cmpfloat (nsm->value, ==, 0.5);
  g_assert_cmpfloat (nsm->value_of_active, ==, 4.0 / 7.0);

  g_assert_cmpuint (nsm->trend->len, ==, 6);
  assert_point (g_ptr_array_index (nsm->trend, 0), "2024-10-01", 0, 0, 0);
  assert_point (g_ptr_array_index (nsm->trend, 1), "2024-11-01", 0, 0, 0);
  assert_point (g_ptr_array_index (nsm->trend, 2), "2024-12-01", 7, 0, 0);
  assert_point (g_ptr_array_index (nsm->trend, 3), "2025-01-01", 8, 3, 1);
  assert_point (g_ptr_array_index (nsm->trend, 4), "2025-02-01", 8, 1, 1);
  assert_point (g_ptr_array_index (nsm->trend, 5), "2025-03-01", 8, 7, 4);
}

/* January to March: the same 8 members; bought A B C D E J K = 7; a north-star purchase in
 * the quarter: A (03), B (02), D, E, J (01), K = 6. The trend is the same six months.
 * A period ending mid-month stops its last month there. 03-01 to 03-09: members A B C D E
 * H J K = 8 (F joined 03-10, H was deleted only on 03-20); bought C D E H J K = 6; north-star
 * purchases E, H (h2 the day after h1) and K = 3 (D's d2 came on 03-10). */
static void
test_nsm_quarter (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SkAnalyticsNsm) quarter = nsm_of (f, NULL, "2025-01-01", "2025-03-31");
  g_autoptr(SkAnalyticsNsm) part = nsm_of (f, NULL, "2025-03-01", "2025-03-09");

  g_assert_cmpint (quarter->members, ==, 8);
  g_assert_cmpint (quarter->active, ==, 7);
  g_assert_cmpint (quarter->qualified, ==, 6);
  g_assert_cmpfloat (quarter->value, ==, 0.75);
  g_assert_cmpuint (quarter->trend->len, ==, 6);
  assert_point (g_ptr_array_index (quarter->trend, 5), "2025-03-01", 8, 7, 4);

  g_assert_cmpint (part->members, ==, 8);
  g_assert_cmpint (part->active, ==, 6);
  g_assert_cmpint (part->qualified, ==, 3);
  assert_point (g_ptr_array_index (part->trend, 5), "2025-03-01", 8, 6, 3);
}

/* For the salon, the members counted are its customers from the later of joining and their
 * first purchase there: A B J from January, C K D in March; G (a customer before she
 * joined, 04-05) and H (deleted) are not. March: A B C D J K = 6, all bought in March;
 * north-star purchases A D K = 3. January: A B J, all bought, J's: 1. February: A B J,
 * B bought and qualifies: 1. */
static void
test_nsm_business (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SkAnalyticsNsm) nsm = nsm_of (f, SALON, "2025-03-01", "2025-03-31");

  g_assert_cmpint (nsm->members, ==, 6);
  g_assert_cmpint (nsm->active, ==, 6);
  g_assert_cmpint (nsm->qualified, ==, 3);
  g_assert_cmpfloat (nsm->value, ==, 0.5);
  assert_point (g_ptr_array_index (nsm->trend, 2), "2024-12-01", 0, 0, 0);
  assert_point (g_ptr_array_index (nsm->trend, 3), "2025-01-01", 3, 3, 1);
  assert_point (g_ptr_array_index (nsm->trend, 4), "2025-02-01", 3, 1, 1);
  assert_point (g_ptr_array_index (nsm->trend, 5), "2025-03-01", 6, 6, 3);
}

static void
assert_tier (const SkAnalyticsClubOverview *overview,
             guint                          index,
             const char                    *tier,
             gint64                         members,
             gint64                         active,
             gint64                         cross_buyers)
{
  const SkAnalyticsTierCount *count = g_ptr_array_index (overview->tiers, index);

  g_assert_cmpstr (count->tier, ==, tier);
  g_assert_cmpint (count->members, ==, members);
  g_assert_cmpint (count->active, ==, active);
  g_assert_cmpint (count->cross_buyers, ==, cross_buyers);
}

static void
assert_budget_month (const SkAnalyticsClubOverview *overview,
                     guint                          index,
                     const char                    *month,
                     gint64                         collected,
                     gint64                         allocated,
                     gint64                         spent)
{
  const SkAnalyticsBudgetMonth *m = g_ptr_array_index (overview->budget_months, index);

  g_assert_cmpstr (m->month, ==, month);
  g_assert_cmpint (m->collected_kopecks, ==, collected);
  g_assert_cmpint (m->allocated_kopecks, ==, allocated);
  g_assert_cmpint (m->spent_kopecks, ==, spent);
}

static SkAnalyticsClubOverview *
overview_of (Fixture    *f,
             const char *business_id,
             const char *from,
             const char *to)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (business_id, from, to);
  g_autoptr(GError) error = NULL;
  SkAnalyticsClubOverview *overview = sk_analytics_club_overview (f->conn, period, NULL,
                                                                  &error);

  g_assert_no_error (error);
  g_assert_nonnull (overview);
  return overview;
}

/*
 * March 2025, the club.
 * Tiers now (H deleted is left out): none F G, insider B C E K, vip A J, elite D = 9.
 * Bought in March: G; B C E K; A J; D = 8. In two or more counted categories in March:
 * G (beauty, gastronomy), E (dentistry, medicine), K, D (dentistry, beauty) = 4: rate 0.5.
 * First purchase ever in March (H deleted by then is left out): C, D, E, G, K = 5; another
 * category after D 5 days (03-05 → 03-10), E 1, G 1, K 0 (same moment), C never: 4 of them,
 * median of 0 1 1 5 = 1, mean 7 / 4.
 * EVENT1 is the only event held: confirmed A-attended, B no-show, C confirmed = 3 places,
 * 1 attended, 1 no-show, E on the waitlist, D cancelled: attendance 1 / 3.
 * Budget of March: 140 collected, 140 allocated, 30 spent.
 */
static void
test_overview (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SkAnalyticsClubOverview) o = overview_of (f, NULL, "2025-03-01", "2025-03-31");

  g_assert_cmpuint (o->tiers->len, ==, 5);
  assert_tier (o, 0, "none", 2, 1, 1);
  assert_tier (o, 1, "insider", 4, 4, 2);
  assert_tier (o, 2, "vip", 2, 2, 0);
  assert_tier (o, 3, "elite", 1, 1, 1);
  assert_tier (o, 4, "inner_circle", 0, 0, 0);
  g_assert_cmpint (o->members, ==, 9);
  g_assert_cmpint (o->active_members, ==, 8);
  g_assert_cmpint (o->cross_buyers, ==, 4);
  g_assert_cmpfloat (o->cross_purchase_rate, ==, 0.5);

  g_assert_cmpint (o->first_buyers, ==, 5);
  g_assert_cmpint (o->second_category_buyers, ==, 4);
  g_assert_cmpfloat (o->second_category_median_days, ==, 1.0);
  g_assert_cmpfloat (o->second_category_mean_days, ==, 1.75);

  g_assert_cmpint (o->events, ==, 1);
  g_assert_cmpint (o->registered, ==, 3);
  g_assert_cmpint (o->attended, ==, 1);
  g_assert_cmpint (o->no_show, ==, 1);
  g_assert_cmpint (o->waitlist, ==, 1);
  g_assert_cmpfloat (o->attendance_rate, ==, 1.0 / 3.0);

  g_assert_cmpuint (o->budget_months->len, ==, 1);
  assert_budget_month (o, 0, "2025-03-01", 140, 140, 30);
  g_assert_cmpint (o->budget_collected_kopecks, ==, 140);
  g_assert_cmpint (o->budget_allocated_kopecks, ==, 140);
  g_assert_cmpint (o->budget_spent_kopecks, ==, 30);
}

/* February and March: the budget has both months, February 40 / 100 / 5. First purchases
 * in the two months: B's first was in January, so still C D E G K; time to a second
 * category as above. Bought in February or March: also the same 8, B among them. */
static void
test_overview_two_months (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SkAnalyticsClubOverview) o = overview_of (f, NULL, "2025-02-01", "2025-03-31");

  g_assert_cmpint (o->active_members, ==, 8);
  g_assert_cmpint (o->first_buyers, ==, 5);
  g_assert_cmpuint (o->budget_months->len, ==, 2);
  assert_budget_month (o, 0, "2025-02-01", 40, 100, 5);
  assert_budget_month (o, 1, "2025-03-01", 140, 140, 30);
  g_assert_cmpint (o->budget_collected_kopecks, ==, 180);
  g_assert_cmpint (o->budget_allocated_kopecks, ==, 240);
  g_assert_cmpint (o->budget_spent_kopecks, ==, 35);
}

/*
 * March for the salon. Its customers (a purchase there by 03-31; H deleted is left out):
 * none G; insider B C K; vip A J; elite D = 7. Bought there in March: G; C K; D = 4, of whom
 * in two categories (anywhere): G, K, D = 3: rate 0.75. First purchase ever in March and
 * made at the salon: C, G, K (D and E began at the clinic) = 3; a second category: G after
 * 1 day, K 0: median and mean 0.5. EVENT1 was held at the salon. Budget: collected from the
 * salon's purchases 100 − 20 = 80; allocation is club-wide, 140; spent on EVENT1 30.
 */
static void
test_overview_business (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SkAnalyticsClubOverview) o = overview_of (f, SALON, "2025-03-01", "2025-03-31");

  assert_tier (o, 0, "none", 1, 1, 1);
  assert_tier (o, 1, "insider", 3, 2, 1);
  assert_tier (o, 2, "vip", 2, 0, 0);
  assert_tier (o, 3, "elite", 1, 1, 1);
  assert_tier (o, 4, "inner_circle", 0, 0, 0);
  g_assert_cmpint (o->members, ==, 7);
  g_assert_cmpint (o->active_members, ==, 4);
  g_assert_cmpint (o->cross_buyers, ==, 3);
  g_assert_cmpfloat (o->cross_purchase_rate, ==, 0.75);

  g_assert_cmpint (o->first_buyers, ==, 3);
  g_assert_cmpint (o->second_category_buyers, ==, 2);
  g_assert_cmpfloat (o->second_category_median_days, ==, 0.5);
  g_assert_cmpfloat (o->second_category_mean_days, ==, 0.5);

  g_assert_cmpint (o->events, ==, 1);
  g_assert_cmpint (o->registered, ==, 3);
  assert_budget_month (o, 0, "2025-03-01", 80, 140, 30);
}

/* A period before anyone bought: nobody is a first buyer, the median and mean are NAN (a
 * NULL cell in the report). */
static void
test_overview_empty (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SkAnalyticsClubOverview) o = overview_of (f, NULL, "2024-11-01", "2024-11-30");

  g_assert_cmpint (o->members, ==, 9);
  g_assert_cmpint (o->active_members, ==, 0);
  g_assert_cmpfloat (o->cross_purchase_rate, ==, 0.0);
  g_assert_cmpint (o->first_buyers, ==, 0);
  g_assert_true (isnan (o->second_category_median_days));
  g_assert_true (isnan (o->second_category_mean_days));
  g_assert_cmpint (o->events, ==, 0);
  assert_budget_month (o, 0, "2024-11-01", 0, 0, 0);
}

static void
assert_cells (const SkAnalyticsCohort *cohort,
              const char              *month,
              gint64                   size,
              const gint64            *active,
              guint                    n_active)
{
  g_assert_cmpstr (cohort->month, ==, month);
  g_assert_cmpint (cohort->size, ==, size);
  g_assert_cmpuint (cohort->cells->len, ==, n_active);
  for (guint i = 0; i < n_active; i++)
    {
      const SkAnalyticsCohortCell *cell = &g_array_index (cohort->cells,
                                                          SkAnalyticsCohortCell, i);

      g_assert_cmpuint (cell->offset, ==, i);
      g_assert_cmpint (cell->active, ==, active[i]);
    }
}

/*
 * December 2024 to March 2025, the club. Cohorts by the month joined (local time), left out
 * those deleted by 03-31 (H):
 *   2024-12  A B C D J K = 6; bought in Dec 0, Jan A B J 3, Feb B 1, Mar A B C D J K 6
 *   2025-01  E (joined 01-01 01:00, which is still December in UTC) = 1; Jan 0, Feb 0,
 *            Mar 1
 *   2025-02  nobody
 *   2025-03  F = 1, who never bought
 * G joined in April.
 */
static void
test_cohorts (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (NULL, "2024-12-01", "2025-03-31");
  g_autoptr(SkAnalyticsCohorts) cohorts = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GError) error = NULL;
  const SkTable *table;
  static const gint64 december[] = { 0, 3, 1, 6 };
  static const gint64 january[] = { 0, 0, 1 };
  static const gint64 february[] = { 0, 0 };
  static const gint64 march[] = { 0 };

  cohorts = sk_analytics_cohorts (f->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cohorts->cohorts->len, ==, 4);
  assert_cells (g_ptr_array_index (cohorts->cohorts, 0), "2024-12-01", 6, december, 4);
  assert_cells (g_ptr_array_index (cohorts->cohorts, 1), "2025-01-01", 1, january, 3);
  assert_cells (g_ptr_array_index (cohorts->cohorts, 2), "2025-02-01", 0, february, 2);
  assert_cells (g_ptr_array_index (cohorts->cohorts, 3), "2025-03-01", 1, march, 1);

  /* The report: a row per cohort and offset, 4 + 3 + 2 + 1. */
  tables = sk_analytics_report_cohorts (f->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tables->len, ==, 1);
  table = g_ptr_array_index (tables, 0);
  g_assert_cmpstr (table->name, ==, "cohorts");
  g_assert_cmpuint (table->rows->len, ==, 10);
  g_assert_cmpstr (g_ptr_array_index (table->column_names, 2), ==, "month_offset");
  g_assert_cmpstr (sk_table_get (table, 1, 0), ==, "2024-12-01");
  g_assert_cmpstr (sk_table_get (table, 1, 1), ==, "6");
  g_assert_cmpstr (sk_table_get (table, 1, 2), ==, "1");
  g_assert_cmpstr (sk_table_get (table, 1, 3), ==, "3");
  g_assert_cmpstr (sk_table_get (table, 1, 4), ==, "0.5");
  g_assert_cmpstr (sk_table_get (table, 7, 0), ==, "2025-02-01");
  g_assert_cmpstr (sk_table_get (table, 7, 4), ==, "0");
}

/* The salon's cohorts, January to March, by the first purchase there (H deleted is left
 * out): January A B J = 3, bought there in Jan 3, Feb 0, Mar 0 (their March purchases were
 * at the market); February nobody; March C D G K = 4, all bought there in March. */
static void
test_cohorts_business (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (SALON, "2025-01-01", "2025-03-31");
  g_autoptr(SkAnalyticsCohorts) cohorts = NULL;
  g_autoptr(GError) error = NULL;
  static const gint64 january[] = { 3, 0, 0 };
  static const gint64 february[] = { 0, 0 };
  static const gint64 march[] = { 4 };

  cohorts = sk_analytics_cohorts (f->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cohorts->cohorts->len, ==, 3);
  assert_cells (g_ptr_array_index (cohorts->cohorts, 0), "2025-01-01", 3, january, 3);
  assert_cells (g_ptr_array_index (cohorts->cohorts, 1), "2025-02-01", 0, february, 2);
  assert_cells (g_ptr_array_index (cohorts->cohorts, 2), "2025-03-01", 4, march, 1);
}

static const SkAnalyticsStatement *
find_statement (const SkAnalyticsCommission *commission,
                const char                  *business_id,
                const char                  *month)
{
  for (guint i = 0; i < commission->statements->len; i++)
    {
      const SkAnalyticsStatement *s = g_ptr_array_index (commission->statements, i);

      if (g_str_equal (s->business_id, business_id) && g_str_equal (s->month, month))
        return s;
    }
  g_assert_not_reached ();
}

/* The core's commission of one purchase: the schedule of the default rules (0 % months 1-6,
 * 2 % 7-17, 3 % after). */
static SkKopecks
core_commission (const char *day,
                 SkKopecks   amount)
{
  static const SkCommissionPhase phases[] = { { 1, 0 }, { 7, 200 }, { 18, 300 } };
  g_autoptr(GError) error = NULL;
  GDate joined, date;
  SkKopecks commission = 0;

  g_date_set_dmy (&joined, 15, G_DATE_SEPTEMBER, 2024);
  g_date_set_parse (&date, day);
  g_assert_true (sk_commission_compute (phases, G_N_ELEMENTS (phases), &joined, &date, amount,
                                        NULL, &commission, &error));
  g_assert_no_error (error);
  return commission;
}

/*
 * March 2025. The salon (joined 2024-09-15) is in month 6 until 03-14 (0 %) and month 7
 * from 03-15 (2 %):
 *   p1 03-14 10 000 ₽ promo            0 %   0
 *   p2 03-15 3 333,33 ₽ app booking    2 %   6 666,66 → 6 667 kopecks
 *   p3 03-20 1 000,25 ₽ cross-bonus    2 %   2 000,5  → 2 001 (half away from zero)
 *   p4 03-20 1 000,25 ₽ promo          2 %   2 001
 *   p1r 03-25 −5 000 ₽ refund of p1    p1's 0 %: 0 (not 2 % of it, −10 000)
 *   p2r 03-28 −1 111,11 ₽ refund of p2 p2's 2 %: −2 222,22 → −2 222 (the refund row says
 *                                      'none'; its original was involved)
 * commission 6 667 + 2 × 2 001 − 2 222 = 8 447; involved revenue 10 000 + 3 333,33
 * + 2 × 1 000,25 − 5 000 − 1 111,11 = 9 222,72 ₽. Its sales: c1 c2 d2 g1 h1 k1 u1 (1 000 ₽
 * each) and p1-p4 = 11; revenue 7 000 + 15 333,83 − 400 (c3r) − 6 111,11 = 15 822,72 ₽.
 * The rate in force on 03-31 is 2 %, and two rates were charged.
 * The market: a2 b3 g2 h2 j3 k2 = 6 sales, 6 000 ₽, nothing involved. The clinic d1 e1,
 * the medical centre e2.
 */
static void
test_commission (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (NULL, "2025-03-01", "2025-03-31");
  g_autoptr(SkAnalyticsCommission) commission = NULL;
  g_autoptr(GError) error = NULL;
  const SkAnalyticsStatement *salon, *market, *clinic, *medic;

  /* The same figures from the core, purchase by purchase. */
  g_assert_cmpint (core_commission ("2025-03-14", 1000000), ==, 0);
  g_assert_cmpint (core_commission ("2025-03-15", 333333), ==, 6667);
  g_assert_cmpint (core_commission ("2025-03-20", 100025), ==, 2001);
  g_assert_cmpint (core_commission ("2025-03-15", -111111), ==, -2222);

  /* A job's stored statements: the salon's agrees, the market's does not. */
  run (f,
       "INSERT INTO partner_statements (business_id, month, revenue_kopecks, involved_kopecks,"
       "                                commission_bp, commission_kopecks) VALUES"
       " ('" SALON "', '2025-03-01', 1582272, 922272, 200, 8447),"
       " ('" MARKET "', '2025-03-01', 600000, 0, 200, 5)");

  commission = sk_analytics_commission (f->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (commission->statements->len, ==, 4);

  salon = find_statement (commission, SALON, "2025-03-01");
  g_assert_cmpstr (salon->business_name, ==, "Миндаль");
  g_assert_cmpint (salon->transactions, ==, 11);
  g_assert_cmpint (salon->revenue_kopecks, ==, 1582272);
  g_assert_cmpint (salon->involved_revenue_kopecks, ==, 922272);
  g_assert_cmpint (salon->rate_bp, ==, 200);
  g_assert_true (salon->mixed_rates);
  g_assert_cmpint (salon->commission_kopecks, ==,
                   core_commission ("2025-03-14", 1000000) +
                   core_commission ("2025-03-15", 333333) +
                   2 * core_commission ("2025-03-20", 100025) +
                   core_commission ("2025-03-14", -500000) +
                   core_commission ("2025-03-15", -111111));
  g_assert_cmpint (salon->commission_kopecks, ==, 8447);
  g_assert_true (salon->stored);
  g_assert_cmpint (salon->stored_commission_kopecks, ==, 8447);

  market = find_statement (commission, MARKET, "2025-03-01");
  g_assert_cmpint (market->transactions, ==, 6);
  g_assert_cmpint (market->revenue_kopecks, ==, 600000);
  g_assert_cmpint (market->involved_revenue_kopecks, ==, 0);
  g_assert_cmpint (market->rate_bp, ==, 200);
  g_assert_false (market->mixed_rates);
  g_assert_cmpint (market->commission_kopecks, ==, 0);
  g_assert_true (market->stored);
  g_assert_cmpint (market->stored_commission_kopecks, ==, 5);

  clinic = find_statement (commission, CLINIC, "2025-03-01");
  g_assert_cmpint (clinic->transactions, ==, 2);
  g_assert_cmpint (clinic->revenue_kopecks, ==, 200000);
  g_assert_false (clinic->stored);
  medic = find_statement (commission, MEDIC, "2025-03-01");
  g_assert_cmpint (medic->transactions, ==, 1);

  g_assert_cmpint (commission->revenue_kopecks, ==, 1582272 + 600000 + 200000 + 100000);
  g_assert_cmpint (commission->involved_revenue_kopecks, ==, 922272);
  g_assert_cmpint (commission->commission_kopecks, ==, 8447);
  g_assert_cmpuint (commission->disagreements, ==, 1);
}

/* The salon alone, February and March: February is all month 5-6, 0 % on its last day, and
 * it sold nothing; March as above. The report's table has the same figures. */
static void
test_commission_business (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (SALON, "2025-02-01", "2025-03-31");
  g_autoptr(SkAnalyticsCommission) commission = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GError) error = NULL;
  const SkAnalyticsStatement *february;
  const SkTable *table;

  commission = sk_analytics_commission (f->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (commission->statements->len, ==, 2);
  february = g_ptr_array_index (commission->statements, 0);
  g_assert_cmpstr (february->month, ==, "2025-02-01");
  g_assert_cmpint (february->transactions, ==, 0);
  g_assert_cmpint (february->revenue_kopecks, ==, 0);
  g_assert_cmpint (february->rate_bp, ==, 0);
  g_assert_cmpint (february->commission_kopecks, ==, 0);
  g_assert_false (february->stored);
  g_assert_cmpint (commission->commission_kopecks, ==, 8447);
  g_assert_cmpuint (commission->disagreements, ==, 0);

  tables = sk_analytics_report_commission (f->conn, period, NULL, &error);
  g_assert_no_error (error);
  table = g_ptr_array_index (tables, 0);
  g_assert_cmpstr (table->name, ==, "statements");
  g_assert_cmpuint (sk_table_n_columns (table), ==, 8);
  g_assert_cmpuint (table->rows->len, ==, 2);
  g_assert_cmpstr (sk_table_get (table, 1, 0), ==, SALON);
  g_assert_cmpstr (sk_table_get (table, 1, 1), ==, "Миндаль");
  g_assert_cmpstr (sk_table_get (table, 1, 2), ==, "2025-03-01");
  g_assert_cmpstr (sk_table_get (table, 1, 3), ==, "11");
  g_assert_cmpstr (sk_table_get (table, 1, 4), ==, "1582272");
  g_assert_cmpstr (sk_table_get (table, 1, 5), ==, "922272");
  g_assert_cmpstr (sk_table_get (table, 1, 6), ==, "200");
  g_assert_cmpstr (sk_table_get (table, 1, 7), ==, "8447");
}

/* The club and north-star reports: their tables, names and a few cells. */
static void
test_reports (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (NULL, "2025-03-01", "2025-03-31");
  g_autoptr(GPtrArray) club = NULL;
  g_autoptr(GPtrArray) nsm = NULL;
  g_autoptr(GError) error = NULL;
  const SkTable *table;

  club = sk_analytics_report_club (f->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (club->len, ==, 3);
  table = g_ptr_array_index (club, 0);
  g_assert_cmpstr (table->name, ==, "overview");
  g_assert_cmpuint (table->rows->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (table->column_names, 3), ==, "cross_purchase_rate");
  g_assert_cmpstr (sk_table_get (table, 0, 3), ==, "0.5");
  g_assert_cmpstr (sk_table_get (table, 0, 6), ==, "1");
  g_assert_cmpstr (sk_table_get (table, 0, 7), ==, "1.75");
  table = g_ptr_array_index (club, 1);
  g_assert_cmpstr (table->name, ==, "tiers");
  g_assert_cmpuint (table->rows->len, ==, 5);
  g_assert_cmpstr (sk_table_get (table, 1, 0), ==, "insider");
  g_assert_cmpstr (sk_table_get (table, 1, 1), ==, "4");
  table = g_ptr_array_index (club, 2);
  g_assert_cmpstr (table->name, ==, "budget");
  g_assert_cmpstr (sk_table_get (table, 0, 1), ==, "140");

  nsm = sk_analytics_report_nsm (f->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nsm->len, ==, 2);
  table = g_ptr_array_index (nsm, 0);
  g_assert_cmpstr (table->name, ==, "nsm");
  g_assert_cmpuint (table->rows->len, ==, 1);
  g_assert_cmpstr (sk_table_get (table, 0, 0), ==, "2025-03-01");
  g_assert_cmpstr (sk_table_get (table, 0, 2), ==, "60");
  g_assert_cmpstr (sk_table_get (table, 0, 6), ==, "0.5");
  table = g_ptr_array_index (nsm, 1);
  g_assert_cmpstr (table->name, ==, "trend");
  g_assert_cmpuint (table->rows->len, ==, 6);
  g_assert_cmpstr (sk_table_get (table, 4, 0), ==, "2025-02-01");
  g_assert_cmpstr (sk_table_get (table, 4, 3), ==, "1");
}

/* A cancelled GCancellable stops every report before it reaches the server, and leaves the
 * connection idle for the next one. */
static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (NULL, "2025-03-01", "2025-03-31");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  static const SkAnalyticsReportFunc reports[] = {
    sk_analytics_report_club, sk_analytics_report_nsm, sk_analytics_report_cohorts,
    sk_analytics_report_commission,
  };

  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (reports); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) tables = reports[i] (f->conn, period, cancellable, &error);

      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (tables);
      g_assert_cmpint (PQtransactionStatus (f->conn), ==, PQTRANS_IDLE);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SkAnalyticsNsm) nsm = sk_analytics_nsm (f->conn, period, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpint (nsm->qualified, ==, 4);
  }
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  g_cancellable_cancel (data);
  return NULL;
}

/* Cancelled while the server works (here: waits for a lock another session holds), the
 * query is cancelled on the server, the report's own transaction rolled back, and the
 * connection is idle again. */
static void
test_cancelled_running (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (NULL, "2025-03-01", "2025-03-31");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SkAnalyticsNsm) nsm = NULL;
  PGconn *other = sk_test_db_connect_as (f->db, NULL);
  GThread *thread;

  sk_test_assert_ok (PQexec (other, "BEGIN; LOCK TABLE members IN ACCESS EXCLUSIVE MODE"));
  thread = g_thread_new ("cancel", cancel_later, cancellable);
  nsm = sk_analytics_nsm (f->conn, period, cancellable, &error);
  g_thread_join (thread);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (nsm);
  g_assert_cmpint (PQtransactionStatus (f->conn), ==, PQTRANS_IDLE);

  sk_test_assert_ok (PQexec (other, "ROLLBACK"));
  PQfinish (other);
}

/* Inside the caller's transaction a report runs there and leaves it open; a period that
 * ends before it begins is refused. */
static void
test_callers_transaction (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(SkAnalyticsPeriod) period = period_new (NULL, "2025-03-01", "2025-03-31");
  g_autoptr(SkAnalyticsPeriod) backwards = period_new (NULL, "2025-03-31", "2025-03-01");
  g_autoptr(SkAnalyticsCommission) commission = NULL;
  g_autoptr(SkAnalyticsCohorts) cohorts = NULL;
  g_autoptr(GError) error = NULL;

  run (f, "BEGIN");
  commission = sk_analytics_commission (f->conn, period, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (commission->commission_kopecks, ==, 8447);
  g_assert_cmpint (PQtransactionStatus (f->conn), ==, PQTRANS_INTRANS);
  run (f, "COMMIT");

  cohorts = sk_analytics_cohorts (f->conn, backwards, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (cohorts);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ((path), Fixture, NULL, fixture_setup, (fn), fixture_teardown)
  ADD ("/analytics-club/nsm/month", test_nsm_month);
  ADD ("/analytics-club/nsm/quarter", test_nsm_quarter);
  ADD ("/analytics-club/nsm/business", test_nsm_business);
  ADD ("/analytics-club/overview/month", test_overview);
  ADD ("/analytics-club/overview/two-months", test_overview_two_months);
  ADD ("/analytics-club/overview/business", test_overview_business);
  ADD ("/analytics-club/overview/empty", test_overview_empty);
  ADD ("/analytics-club/cohorts/club", test_cohorts);
  ADD ("/analytics-club/cohorts/business", test_cohorts_business);
  ADD ("/analytics-club/commission/club", test_commission);
  ADD ("/analytics-club/commission/business", test_commission_business);
  ADD ("/analytics-club/reports", test_reports);
  ADD ("/analytics-club/cancelled/before", test_cancelled);
  ADD ("/analytics-club/cancelled/running", test_cancelled_running);
  ADD ("/analytics-club/callers-transaction", test_callers_transaction);
#undef ADD

  return g_test_run ();
}
