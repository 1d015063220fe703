/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <string.h>

#include "sk-rfm.h"

static void
assert_scores (const gint64 *values,
               gsize         n,
               gboolean      higher_is_better,
               const guint8 *expected)
{
  g_autofree guint8 *scores = g_new0 (guint8, n);

  sk_rfm_score (values, n, higher_is_better, scores);
  for (gsize i = 0; i < n; i++)
    {
      if (scores[i] != expected[i])
        g_error ("value %" G_GINT64_FORMAT " (#%zu): score %u, expected %u",
                 values[i], i, scores[i], expected[i]);
    }
}

/* Eight distinct values: two of each score, whatever the order. */
static void
test_score_distinct (void)
{
  const gint64 up[] = { 10, 20, 30, 40, 50, 60, 70, 80 };
  const guint8 up_scores[] = { 1, 1, 2, 2, 3, 3, 4, 4 };
  const gint64 shuffled[] = { 50, 10, 80, 30, 20, 70, 40, 60 };
  const guint8 shuffled_scores[] = { 3, 1, 4, 2, 1, 4, 2, 3 };
  /* Recency: fewer days is better, so the order turns round. */
  const guint8 days_scores[] = { 4, 4, 3, 3, 2, 2, 1, 1 };

  assert_scores (up, 8, TRUE, up_scores);
  assert_scores (shuffled, 8, TRUE, shuffled_scores);
  assert_scores (up, 8, FALSE, days_scores);
}

/* 20 and 20 sit at ranks 2 and 3, across the boundary between score 1 and 2: W = 1, E = 2,
 * 1 + (4 + 4) / 8 = 2 for both. 30 then has W = 3, E = 1: 1 + 14 / 8 = 2. */
static void
test_score_tie_across_boundary (void)
{
  const gint64 values[] = { 10, 20, 20, 30, 40, 50, 60, 70 };
  const guint8 expected[] = { 1, 2, 2, 2, 3, 3, 4, 4 };
  /* The same for days: 20 days has W = 5 (30..70 are worse), E = 2: 1 + 24 / 8 = 4;
   * 10 days: W = 7, 1 + 30 / 8 = 4; 30 days: W = 4, 1 + 18 / 8 = 3. */
  const guint8 expected_days[] = { 4, 4, 4, 3, 2, 2, 1, 1 };
  /* Frequency as it really looks: many one-time customers. 1 visit: W = 0, E = 5,
   * 1 + 10 / 8 = 2; 2 visits: W = 5, E = 2, 1 + 24 / 8 = 4; 5 visits: W = 7, 1 + 30 / 8 = 4. */
  const gint64 visits[] = { 1, 1, 1, 1, 1, 2, 2, 5 };
  const guint8 expected_visits[] = { 2, 2, 2, 2, 2, 4, 4, 4 };

  assert_scores (values, 8, TRUE, expected);
  assert_scores (values, 8, FALSE, expected_days);
  assert_scores (visits, 8, TRUE, expected_visits);
}

static void
test_score_small (void)
{
  const gint64 one[] = { 42 };
  const guint8 one_scores[] = { 3 };
  /* n = 2: p = 1/4, 3/4 -> 2, 4. n = 3: p = 1/6, 1/2, 5/6 -> 1, 3, 4. */
  const gint64 two[] = { 7, 3 };
  const guint8 two_scores[] = { 4, 2 };
  const gint64 three[] = { 1, 2, 3 };
  const guint8 three_scores[] = { 1, 3, 4 };
  const guint8 three_days[] = { 4, 3, 1 };
  const gint64 equal[] = { 5, 5, 5, 5, 5 };
  const guint8 equal_scores[] = { 3, 3, 3, 3, 3 };
  guint8 untouched = 9;

  assert_scores (one, 1, TRUE, one_scores);
  assert_scores (one, 1, FALSE, one_scores);
  assert_scores (two, 2, TRUE, two_scores);
  assert_scores (three, 3, TRUE, three_scores);
  assert_scores (three, 3, FALSE, three_days);
  assert_scores (equal, 5, TRUE, equal_scores);
  assert_scores (equal, 5, FALSE, equal_scores);
  sk_rfm_score (NULL, 0, TRUE, &untouched);
  g_assert_cmpuint (untouched, ==, 9);
}

/* Negative money (refunds after the period's purchases) and large values sort as numbers. */
static void
test_score_negative (void)
{
  const gint64 values[] = { -500, 0, G_GINT64_CONSTANT (900000000000), 100 };
  const guint8 expected[] = { 1, 2, 4, 3 };

  assert_scores (values, 4, TRUE, expected);
}

static void
test_segment_table (void)
{
  guint cells[SK_RFM_N_SEGMENTS] = { 0 };
  guint recent[SK_RFM_N_SEGMENTS] = { 0 };
  guint high_f[SK_RFM_N_SEGMENTS] = { 0 };
  guint high_m[SK_RFM_N_SEGMENTS] = { 0 };
  GHashTable *ids = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint r = 1; r <= SK_RFM_LEVELS; r++)
    for (guint f = 1; f <= SK_RFM_LEVELS; f++)
      for (guint m = 1; m <= SK_RFM_LEVELS; m++)
        {
          SkRfmSegment s = sk_rfm_segment (r, f, m);

          g_assert_cmpint (s, >=, 0);
          g_assert_cmpint (s, <, SK_RFM_N_SEGMENTS);
          cells[s]++;
          recent[s] += r >= 3;
          high_f[s] += f >= 3;
          high_m[s] += m >= 3;
        }

  for (guint s = 0; s < SK_RFM_N_SEGMENTS; s++)
    {
      const char *id = sk_rfm_segment_id (s);

      /* Reachable, named once, with an action. */
      g_assert_cmpuint (cells[s], >, 0);
      g_assert_nonnull (id);
      g_assert_false (g_hash_table_contains (ids, id));
      g_hash_table_add (ids, (gpointer) id);
      g_assert_nonnull (sk_rfm_segment_label (s));
      g_assert_cmpstr (sk_rfm_segment_action (s), !=, "");

      /* The characteristics are the majority of the segment's cells; recency even holds
       * for every cell (the map splits at the median of R). */
      g_assert_true (recent[s] == 0 || recent[s] == cells[s]);
      g_assert_cmpstr (sk_rfm_segment_recency (s), ==,
                       2 * recent[s] > cells[s] ? "recent" : "long_ago");
      g_assert_cmpstr (sk_rfm_segment_frequency (s), ==,
                       2 * high_f[s] > cells[s] ? "high" : "low");
      g_assert_cmpstr (sk_rfm_segment_monetary (s), ==,
                       2 * high_m[s] > cells[s] ? "high" : "low");
    }
  g_assert_cmpuint (g_hash_table_size (ids), ==, 11);
  g_hash_table_unref (ids);

  /* The map cell by cell (see segment_table). */
  g_assert_cmpuint (cells[SK_RFM_CHAMPIONS], ==, 6);
  g_assert_cmpuint (cells[SK_RFM_LOYAL], ==, 10);
  g_assert_cmpuint (cells[SK_RFM_POTENTIAL_LOYALIST], ==, 6);
  g_assert_cmpuint (cells[SK_RFM_NEW], ==, 4);
  g_assert_cmpuint (cells[SK_RFM_PROMISING], ==, 6);
  g_assert_cmpuint (cells[SK_RFM_NEED_ATTENTION], ==, 2);
  g_assert_cmpuint (cells[SK_RFM_ABOUT_TO_SLEEP], ==, 8);
  g_assert_cmpuint (cells[SK_RFM_AT_RISK], ==, 9);
  g_assert_cmpuint (cells[SK_RFM_CANT_LOSE_THEM], ==, 3);
  g_assert_cmpuint (cells[SK_RFM_HIBERNATING], ==, 6);
  g_assert_cmpuint (cells[SK_RFM_LOST], ==, 4);

  /* The brief's examples. */
  g_assert_cmpstr (sk_rfm_segment_id (SK_RFM_AT_RISK), ==, "At Risk");
  g_assert_cmpstr (sk_rfm_segment_recency (SK_RFM_AT_RISK), ==, "long_ago");
  g_assert_cmpstr (sk_rfm_segment_frequency (SK_RFM_AT_RISK), ==, "high");
  g_assert_cmpstr (sk_rfm_segment_monetary (SK_RFM_AT_RISK), ==, "high");
  g_assert_cmpstr (sk_rfm_segment_recency (SK_RFM_CHAMPIONS), ==, "recent");
  g_assert_cmpstr (sk_rfm_segment_monetary (SK_RFM_CHAMPIONS), ==, "high");
  g_assert_cmpstr (sk_rfm_segment_id (SK_RFM_CANT_LOSE_THEM), ==, "Can't Lose Them");
}

static void
test_segment_cells (void)
{
  g_assert_cmpint (sk_rfm_segment (4, 4, 1), ==, SK_RFM_CHAMPIONS);
  g_assert_cmpint (sk_rfm_segment (4, 3, 3), ==, SK_RFM_CHAMPIONS);
  g_assert_cmpint (sk_rfm_segment (4, 3, 2), ==, SK_RFM_LOYAL);
  g_assert_cmpint (sk_rfm_segment (3, 4, 4), ==, SK_RFM_LOYAL);
  g_assert_cmpint (sk_rfm_segment (4, 2, 3), ==, SK_RFM_POTENTIAL_LOYALIST);
  g_assert_cmpint (sk_rfm_segment (4, 2, 2), ==, SK_RFM_PROMISING);
  g_assert_cmpint (sk_rfm_segment (3, 2, 1), ==, SK_RFM_POTENTIAL_LOYALIST);
  g_assert_cmpint (sk_rfm_segment (4, 1, 4), ==, SK_RFM_NEW);
  g_assert_cmpint (sk_rfm_segment (3, 1, 4), ==, SK_RFM_PROMISING);
  g_assert_cmpint (sk_rfm_segment (2, 3, 2), ==, SK_RFM_NEED_ATTENTION);
  g_assert_cmpint (sk_rfm_segment (2, 3, 3), ==, SK_RFM_AT_RISK);
  g_assert_cmpint (sk_rfm_segment (2, 4, 3), ==, SK_RFM_AT_RISK);
  g_assert_cmpint (sk_rfm_segment (2, 4, 4), ==, SK_RFM_CANT_LOSE_THEM);
  g_assert_cmpint (sk_rfm_segment (1, 4, 3), ==, SK_RFM_CANT_LOSE_THEM);
  g_assert_cmpint (sk_rfm_segment (1, 4, 2), ==, SK_RFM_AT_RISK);
  g_assert_cmpint (sk_rfm_segment (1, 3, 4), ==, SK_RFM_AT_RISK);
  g_assert_cmpint (sk_rfm_segment (1, 3, 1), ==, SK_RFM_HIBERNATING);
  g_assert_cmpint (sk_rfm_segment (2, 2, 4), ==, SK_RFM_ABOUT_TO_SLEEP);
  g_assert_cmpint (sk_rfm_segment (1, 2, 4), ==, SK_RFM_HIBERNATING);
  g_assert_cmpint (sk_rfm_segment (1, 1, 4), ==, SK_RFM_LOST);
}

/* Eight customers of one business, each placed by hand. Scores from the values:
 *   days    2  5  9  30  60  90  200  300   -> R 4 4 3 3 2 2 1 1
 *   visits  (see below)                       ties handled as in test_score_*
 */
static void
test_score_customers (void)
{
  SkRfmCustomer c[] = {
    /* days, visits, kopecks */
    { 2, 12, 900000 },   /* R 4; visits 12 highest: W 7 -> F 4; M: W 7 -> 4: Champions */
    { 5, 1, 50000 },     /* R 4; 1 visit: W 0, E 2 -> 1 + 4/8 = 1; M W 1 -> 1 + 6/8 = 1: New */
    { 9, 6, 300000 },    /* R 3; 6 visits W 5 -> 1 + 22/8 = 3; M W 5 -> 3: Loyal */
    { 30, 2, 100000 },   /* R 3; 2 visits W 2 -> 1 + 10/8 = 2; M W 3 -> 1 + 14/8 = 2: Potential Loyalist */
    { 60, 8, 400000 },   /* R 2; 8 visits W 6 -> 1 + 26/8 = 4; M W 6 -> 4: Can't Lose Them */
    { 90, 4, 200000 },   /* R 2; 4 visits W 4 -> 1 + 18/8 = 3; M W 4 -> 1 + 18/8 = 3: At Risk */
    { 200, 3, 60000 },   /* R 1; 3 visits W 3 -> 1 + 14/8 = 2; M W 2 -> 1 + 10/8 = 2: Hibernating */
    { 300, 1, 10000 },   /* R 1; 1 visit -> F 1; M W 0 -> 1: Lost */
  };
  const guint8 r[] = { 4, 4, 3, 3, 2, 2, 1, 1 };
  const guint8 f[] = { 4, 1, 3, 2, 4, 3, 2, 1 };
  const guint8 m[] = { 4, 1, 3, 2, 4, 3, 2, 1 };
  const SkRfmSegment s[] = {
    SK_RFM_CHAMPIONS, SK_RFM_NEW, SK_RFM_LOYAL, SK_RFM_POTENTIAL_LOYALIST,
    SK_RFM_CANT_LOSE_THEM, SK_RFM_AT_RISK, SK_RFM_HIBERNATING, SK_RFM_LOST,
  };

  sk_rfm_score_customers (c, G_N_ELEMENTS (c));
  for (gsize i = 0; i < G_N_ELEMENTS (c); i++)
    {
      g_assert_cmpuint (c[i].r, ==, r[i]);
      g_assert_cmpuint (c[i].f, ==, f[i]);
      g_assert_cmpuint (c[i].m, ==, m[i]);
      g_assert_cmpint (c[i].segment, ==, s[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rfm/score/distinct", test_score_distinct);
  g_test_add_func ("/rfm/score/tie-across-boundary", test_score_tie_across_boundary);
  g_test_add_func ("/rfm/score/small", test_score_small);
  g_test_add_func ("/rfm/score/negative", test_score_negative);
  g_test_add_func ("/rfm/segment/table", test_segment_table);
  g_test_add_func ("/rfm/segment/cells", test_segment_cells);
  g_test_add_func ("/rfm/customers", test_score_customers);

  return g_test_run ();
}
