/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <math.h>
#include <string.h>

#include "sk-bgnbd.h"
#include "sk-core-error.h"

/*
 * Reference values:
 * - Fader, Hardie & Lee (2005), Sec. 7, fitted to CDNOW: r = 0.243, alpha = 4.414, a = 0.793,
 *   b = 2.426, LL = -9582.4; Hardie's spreadsheet: E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226
 *   and E[X(t)] for t = 0.1429 … 78 (as in lifetimes' tests).
 * - lifetimes docs/Quickstart.md: its fit r=0.242593, alpha=4.413532, a=0.792886,
 *   b=2.425752, and E[Y(1)] of its five best customers to 6 decimals.
 * - Values marked "ref" come from a separate double-precision Python script that uses the
 *   formulas as printed (plain 2F1 series, no transformation), at the published parameters.
 */

static const SkBgnbdParams published = { 0.243, 4.414, 0.793, 2.426 };
static const SkBgnbdParams lifetimes_fit = { 0.242593, 4.413532, 0.792886, 2.425752 };

static GArray *cdnow_customers;
static GPtrArray *cdnow_ids;

static void
load_cdnow (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "core", "data",
                                                 "cdnow_customers_summary.csv", NULL);
  g_autofree char *text = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &text, &length, &error));
  g_assert_no_error (error);
  g_assert_true (sk_bgnbd_parse_summary (text, length, &cdnow_ids, &cdnow_customers, &error));
  g_assert_no_error (error);
}

static const SkBgnbdCustomer *
cdnow (void)
{
  return (const SkBgnbdCustomer *) cdnow_customers->data;
}

static void
test_parse_cdnow (void)
{
  const char *root = g_getenv ("SVOIKRUG_SOURCE_ROOT");
  double total_x = 0;
  guint zeros = 0;
  const SkBgnbdCustomer *c = cdnow ();

  g_assert_cmpuint (cdnow_customers->len, ==, 2357);
  g_assert_cmpuint (cdnow_ids->len, ==, 2357);
  g_assert_cmpstr (g_ptr_array_index (cdnow_ids, 0), ==, "1");
  g_assert_cmpstr (g_ptr_array_index (cdnow_ids, 2356), ==, "2357");
  /* 1,2,30.43,38.86 and 2357,0,0.0,27.0 */
  g_assert_cmpfloat (c[0].x, ==, 2);
  g_assert_cmpfloat (c[0].t_x, ==, 30.43);
  g_assert_cmpfloat (c[0].T, ==, 38.86);
  g_assert_cmpfloat (c[2356].x, ==, 0);
  g_assert_cmpfloat (c[2356].T, ==, 27.0);
  for (guint i = 0; i < cdnow_customers->len; i++)
    {
      g_assert_true (sk_bgnbd_customer_valid (&c[i]));
      total_x += c[i].x;
      zeros += c[i].x == 0;
    }
  /* The paper: 2,457 repeat transactions; 1,411 customers made none. */
  g_assert_cmpfloat (total_x, ==, 2457);
  g_assert_cmpuint (zeros, ==, 1411);

  /* The copy in tests/core/data is byte for byte the shared data set, where that is here. */
  if (root != NULL)
    {
      g_autofree char *shared = g_build_filename (root, "..", "shared", "datasets",
                                                  "cdnow_customers_summary.csv", NULL);
      g_autofree char *local = g_test_build_filename (G_TEST_DIST, "core", "data",
                                                      "cdnow_customers_summary.csv", NULL);
      g_autofree char *a = NULL;
      g_autofree char *b = NULL;
      gsize la, lb;

      if (g_file_get_contents (shared, &a, &la, NULL))
        {
          g_assert_true (g_file_get_contents (local, &b, &lb, NULL));
          g_assert_cmpmem (a, la, b, lb);
        }
      else
        g_test_message ("no %s to compare with", shared);
    }
}

static void
test_log_likelihood (void)
{
  double ll = sk_bgnbd_log_likelihood (&published, cdnow (), cdnow_customers->len);
  g_autofree double *twos = g_new (double, cdnow_customers->len);

  /* ref: -9582.426831182353 */
  g_assert_cmpfloat_with_epsilon (ll, -9582.43, 0.01);
  g_assert_cmpfloat_with_epsilon (ll, -9582.426831182353, 1e-7);
  /* ref: -9582.42556056739 at lifetimes' fit */
  g_assert_cmpfloat_with_epsilon (sk_bgnbd_log_likelihood (&lifetimes_fit, cdnow (),
                                                           cdnow_customers->len),
                                  -9582.42556056739, 1e-7);

  /* A weight of 2 counts each customer twice. */
  for (guint i = 0; i < cdnow_customers->len; i++)
    twos[i] = 2;
  g_assert_cmpfloat_with_epsilon (sk_bgnbd_log_likelihood_weighted (&published, cdnow (), twos,
                                                                    cdnow_customers->len),
                                  2 * ll, 1e-8);
  g_assert_cmpfloat (sk_bgnbd_log_likelihood (&published, NULL, 0), ==, 0);

  /* One customer by hand: x = 0, T = 38.86 gives LL = r ln (α / (α+T)). */
  {
    SkBgnbdCustomer one = { 0, 0, 38.86 };

    g_assert_cmpfloat_with_epsilon (sk_bgnbd_log_likelihood (&published, &one, 1),
                                    0.243 * log (4.414 / (4.414 + 38.86)), 1e-14);
  }
}

static void
test_fit_cdnow (void)
{
  SkBgnbdFit fit;
  double seconds;

  g_test_timer_start ();
  sk_bgnbd_fit (cdnow (), cdnow_customers->len, &fit);
  seconds = g_test_timer_elapsed ();
  g_test_message ("fit: r=%.6f alpha=%.6f a=%.6f b=%.6f LL=%.6f in %u iterations, %.1f ms",
                  fit.params.r, fit.params.alpha, fit.params.a, fit.params.b,
                  fit.log_likelihood, fit.iterations, seconds * 1000);

  g_assert_cmpint (fit.status, ==, SK_BGNBD_CONVERGED);
  g_assert_cmpstr (sk_bgnbd_status_to_string (fit.status), ==, "converged");
  g_assert_cmpuint (fit.iterations, >, 0);
  /* The paper's figures, to the 3 decimals it prints. */
  g_assert_cmpfloat_with_epsilon (fit.params.r, 0.243, 0.0005);
  g_assert_cmpfloat_with_epsilon (fit.params.alpha, 4.414, 0.0005);
  g_assert_cmpfloat_with_epsilon (fit.params.a, 0.793, 0.0005);
  g_assert_cmpfloat_with_epsilon (fit.params.b, 2.426, 0.0005);
  g_assert_cmpfloat_with_epsilon (fit.log_likelihood, -9582.4, 0.05);
  /* lifetimes' fit, to the precision of its optimiser. */
  g_assert_cmpfloat_with_epsilon (fit.params.r, lifetimes_fit.r, 2e-5);
  g_assert_cmpfloat_with_epsilon (fit.params.alpha, lifetimes_fit.alpha, 5e-4);
  g_assert_cmpfloat_with_epsilon (fit.params.a, lifetimes_fit.a, 5e-4);
  g_assert_cmpfloat_with_epsilon (fit.params.b, lifetimes_fit.b, 5e-4);

  /* A maximum: no worse than the published or lifetimes' parameters, and the reported LL is
   * the LL of the reported parameters. */
  g_assert_cmpfloat (fit.log_likelihood, >=, -9582.42556056739 - 1e-9);
  g_assert_cmpfloat_with_epsilon (sk_bgnbd_log_likelihood (&fit.params, cdnow (),
                                                           cdnow_customers->len),
                                  fit.log_likelihood, 1e-7);

  /* Hardie's spreadsheet: E[X(t)] at the fitted parameters (3 decimals, as lifetimes). */
  {
    static const double t[] = { 0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00 };
    static const double expected[] = { 0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576 };

    for (guint i = 0; i < G_N_ELEMENTS (t); i++)
      g_assert_cmpfloat_with_epsilon (sk_bgnbd_expected_purchases_unconditional (&fit.params,
                                                                                 t[i]),
                                      expected[i], 1e-3);
  }
  /* Hardie: E[Y(39) | 2, 30.43, 38.86] = 1.226 at the fitted parameters too. */
  {
    SkBgnbdCustomer c = { 2, 30.43, 38.86 };

    g_assert_cmpfloat_with_epsilon (sk_bgnbd_expected_purchases (&fit.params, &c, 39), 1.226,
                                    5e-4);
  }
}

static void
assert_same_fit (const SkBgnbdFit *a,
                 const SkBgnbdFit *b)
{
  g_assert_cmpint (a->status, ==, b->status);
  g_assert_cmpuint (a->iterations, ==, b->iterations);
  g_assert_cmpfloat (a->params.r, ==, b->params.r);
  g_assert_cmpfloat (a->params.alpha, ==, b->params.alpha);
  g_assert_cmpfloat (a->params.a, ==, b->params.a);
  g_assert_cmpfloat (a->params.b, ==, b->params.b);
  g_assert_cmpfloat (a->log_likelihood, ==, b->log_likelihood);
}

static void
test_fit_deterministic (void)
{
  guint n = cdnow_customers->len;
  g_autofree SkBgnbdCustomer *reversed = g_new (SkBgnbdCustomer, n);
  g_autofree SkBgnbdCustomer *unique = g_new (SkBgnbdCustomer, n);
  g_autofree double *weights = g_new0 (double, n);
  guint n_unique = 0;
  SkBgnbdFit first, again, backwards, grouped;

  sk_bgnbd_fit (cdnow (), n, &first);
  sk_bgnbd_fit (cdnow (), n, &again);
  assert_same_fit (&first, &again);

  /* Order does not matter: the fit groups equal customers after sorting them. */
  for (guint i = 0; i < n; i++)
    reversed[i] = cdnow ()[n - 1 - i];
  sk_bgnbd_fit (reversed, n, &backwards);
  assert_same_fit (&first, &backwards);

  /* Nor does grouping them first with weights. */
  for (guint i = 0; i < n; i++)
    {
      const SkBgnbdCustomer *c = &cdnow ()[i];
      guint j;

      for (j = 0; j < n_unique; j++)
        if (unique[j].x == c->x && unique[j].t_x == c->t_x && unique[j].T == c->T)
          break;
      if (j == n_unique)
        unique[n_unique++] = *c;
      weights[j] += 1;
    }
  g_test_message ("%u distinct (x, t_x, T) among %u customers", n_unique, n);
  g_assert_cmpuint (n_unique, <, n);
  sk_bgnbd_fit_weighted (unique, weights, n_unique, &grouped);
  assert_same_fit (&first, &grouped);
}

static const struct
{
  double x, t_x, T;
  double p_alive;         /* ref, published parameters */
  double e39;             /* ref, E[Y(39)], published parameters */
} customer_cases[] = {
  { 2, 30.43, 38.86, 0.726578570080673, 1.226028174767135 },
  { 1, 1.71, 38.86, 0.2121009853773791, 0.20318698707975696 },
  { 0, 0, 38.86, 1.0, 0.19509805201125396 },
  { 18, 35.14, 35.86, 0.9463156157976148, 12.82050577420966 },
  { 29, 37.71, 38.0, 0.9691295181593396, 20.052948986497213 },
  { 7, 29.43, 38.86, 0.6417563459461072, 3.337053274851383 },
  { 5, 5, 38, 0.003018712383720731, 0.011684908384756795 },
};

static void
test_predictions (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (customer_cases); i++)
    {
      SkBgnbdCustomer c = { customer_cases[i].x, customer_cases[i].t_x, customer_cases[i].T };

      g_assert_cmpfloat_with_epsilon (sk_bgnbd_p_alive (&published, &c),
                                      customer_cases[i].p_alive, 1e-12);
      g_assert_cmpfloat_with_epsilon (sk_bgnbd_expected_purchases (&published, &c, 39),
                                      customer_cases[i].e39, 1e-9 * customer_cases[i].e39);
    }

  /* The paper's (Hardie's) worked customer. */
  {
    SkBgnbdCustomer c = { 2, 30.43, 38.86 };

    g_assert_cmpfloat_with_epsilon (sk_bgnbd_expected_purchases (&published, &c, 39), 1.226,
                                    5e-4);
  }

  /* lifetimes Quickstart: E[Y(1)] of its top five at its fitted parameters, 6 decimals. */
  {
    static const struct
    {
      double x, t_x, T, e1;
    } top[] = {
      { 18, 35.14, 35.86, 0.424877 },
      { 19, 34.00, 34.14, 0.474738 },
      { 17, 28.43, 28.86, 0.486526 },
      { 29, 37.71, 38.00, 0.662396 },
      { 26, 30.86, 31.00, 0.710623 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (top); i++)
      {
        SkBgnbdCustomer c = { top[i].x, top[i].t_x, top[i].T };

        g_assert_cmpfloat_with_epsilon (sk_bgnbd_expected_purchases (&lifetimes_fit, &c, 1),
                                        top[i].e1, 5e-7);
      }
  }

  /* E[X(t)] (eq. 7) at the published parameters; ref. */
  {
    static const double t[] = { 0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0 };
    static const double ref[] = {
      0.007828347516068002, 0.05326789117165627, 0.15086523089304896,
      1.0419960608522008, 1.0452433283744407, 1.8605190579427502,
    };

    for (guint i = 0; i < G_N_ELEMENTS (t); i++)
      g_assert_cmpfloat_with_epsilon (sk_bgnbd_expected_purchases_unconditional (&published,
                                                                                 t[i]),
                                      ref[i], 1e-10 * ref[i]);
    g_assert_cmpfloat (sk_bgnbd_expected_purchases_unconditional (&published, 0), ==, 0);
  }
}

/* The formula as printed, with the plain series: a reference for moderate values. */
static double
naive_expected (const SkBgnbdParams   *p,
                const SkBgnbdCustomer *c,
                double                 t)
{
  double z = t / (p->alpha + c->T + t);
  double A = p->r + c->x, B = p->b + c->x, C = p->a + p->b + c->x - 1;
  double term = 1, sum = 1;
  double pa = 1;

  for (guint k = 0; k < 100000; k++)
    {
      term *= (A + k) * (B + k) / ((C + k) * (k + 1)) * z;
      sum += term;
      if (fabs (term) < 1e-18 * fabs (sum) && k > 10)
        break;
    }
  if (c->x > 0)
    pa = 1 / (1 + p->a / (p->b + c->x - 1) *
              pow ((p->alpha + c->T) / (p->alpha + c->t_x), p->r + c->x));
  return C / (p->a - 1) * (1 - pow ((p->alpha + c->T) / (p->alpha + c->T + t), A) * sum) * pa;
}

static void
test_expected_branches (void)
{
  /* Both series (a <= r+x+1 and a > r+x+1) against the plain formula, and a = 1. */
  static const double as[] = { 0.3, 0.9, 0.999, 1.001, 1.2, 2.5, 4.0, 9.0 };
  static const double bs[] = { 0.2, 2.4, 15.0 };
  static const SkBgnbdCustomer customers[] = {
    { 0, 0, 0 }, { 0, 0, 20 }, { 1, 3, 20 }, { 3, 19, 20 }, { 10, 12, 30 },
  };
  static const double horizons[] = { 0.5, 10, 52 };

  for (guint ia = 0; ia < G_N_ELEMENTS (as); ia++)
    for (guint ib = 0; ib < G_N_ELEMENTS (bs); ib++)
      for (guint ic = 0; ic < G_N_ELEMENTS (customers); ic++)
        for (guint ih = 0; ih < G_N_ELEMENTS (horizons); ih++)
          {
            SkBgnbdParams p = { 0.7, 3.0, as[ia], bs[ib] };
            const SkBgnbdCustomer *c = &customers[ic];
            double got = sk_bgnbd_expected_purchases (&p, c, horizons[ih]);
            double want;

            /* The plain series needs C = a+b+x−1 > 0. */
            if (p.a + p.b + c->x - 1 <= 0)
              continue;
            want = naive_expected (&p, c, horizons[ih]);
            /* The plain formula loses digits near a = 1 (0/0): compare loosely there. */
            g_assert_cmpfloat_with_epsilon (got, want,
                                            (fabs (p.a - 1) < 0.01 ? 1e-9 : 1e-11) * want);
          }

  /* Across a = 1 the value is continuous (the plain formula is 0/0 there). */
  for (guint ic = 0; ic < G_N_ELEMENTS (customers); ic++)
    {
      SkBgnbdParams at = { 0.7, 3.0, 1.0, 2.0 };
      SkBgnbdParams below = { 0.7, 3.0, 1.0 - 1e-9, 2.0 };
      SkBgnbdParams above = { 0.7, 3.0, 1.0 + 1e-9, 2.0 };
      double e = sk_bgnbd_expected_purchases (&at, &customers[ic], 10);

      g_assert_true (isfinite (e) && e > 0);
      g_assert_cmpfloat_with_epsilon (sk_bgnbd_expected_purchases (&below, &customers[ic], 10),
                                      e, 1e-8 * e);
      g_assert_cmpfloat_with_epsilon (sk_bgnbd_expected_purchases (&above, &customers[ic], 10),
                                      e, 1e-8 * e);
    }

  /* x = 0 and a + b < 1: C < 0, which the plain series cannot take. For T = 0 the answer
   * must still grow with t and stay finite. */
  {
    SkBgnbdParams p = { 0.7, 3.0, 0.3, 0.2 };
    SkBgnbdCustomer c = { 0, 0, 0 };
    double prev = 0;

    for (double t = 1; t <= 64; t *= 2)
      {
        double e = sk_bgnbd_expected_purchases (&p, &c, t);

        g_assert_true (isfinite (e));
        g_assert_cmpfloat (e, >, prev);
        prev = e;
      }
  }
}

static void
test_edge_cases (void)
{
  SkBgnbdCustomer newcomer = { 0, 0, 0 };
  SkBgnbdCustomer heavy_alive = { 1e6, 38.86, 38.86 };
  SkBgnbdCustomer heavy_gone = { 1e6, 1, 38.86 };
  SkBgnbdCustomer old = { 0, 0, 1e9 };
  SkBgnbdCustomer one_more = { 2, 30.43, 38.86 };
  double e, prev = 0;

  /* x = 0: alive by the model's assumptions, whatever T. */
  g_assert_cmpfloat (sk_bgnbd_p_alive (&published, &old), ==, 1);
  g_assert_cmpfloat (sk_bgnbd_p_alive (&published, &newcomer), ==, 1);

  /* T = 0: nothing observed, so the conditional expectation is the unconditional one, and
   * the customer adds 0 to the LL. */
  g_assert_cmpfloat (sk_bgnbd_expected_purchases (&published, &newcomer, 39), ==,
                     sk_bgnbd_expected_purchases_unconditional (&published, 39));
  g_assert_cmpfloat (sk_bgnbd_log_likelihood (&published, &newcomer, 1), ==, 0);

  /* Huge x: everything stays finite. Buying up to the end, alive for sure… */
  g_assert_true (isfinite (sk_bgnbd_log_likelihood (&published, &heavy_alive, 1)));
  g_assert_true (isfinite (sk_bgnbd_log_likelihood (&published, &heavy_gone, 1)));
  g_assert_cmpfloat_with_epsilon (sk_bgnbd_p_alive (&published, &heavy_alive), 1, 1e-5);
  e = sk_bgnbd_expected_purchases (&published, &heavy_alive, 1);
  /* … buying at about λ = (r+x)/(α+T) = 23,108.57 a week, and dropping out after each
   * purchase with probability about q = a/(a+b+x) = 7.93e-7: over one week that loses about
   * λq/2 = 0.92 % of the purchases, E ≈ 22,896.8 (the exact model says 22,899.7). */
  {
    double lambda = (0.243 + 1e6) / (4.414 + 38.86);
    double q = 0.793 / (0.793 + 2.426 + 1e6);

    g_assert_cmpfloat_with_epsilon (e, lambda * (1 - lambda * q / 2), 5e-4 * e);
    g_assert_cmpfloat (e, <, lambda);
  }
  /* … and silent for 38 weeks after 10^6 purchases: dead. */
  g_assert_cmpfloat (sk_bgnbd_p_alive (&published, &heavy_gone), ==, 0);
  g_assert_cmpfloat (sk_bgnbd_expected_purchases (&published, &heavy_gone, 39), ==, 0);

  /* Huge T. */
  g_assert_true (isfinite (sk_bgnbd_log_likelihood (&published, &old, 1)));
  e = sk_bgnbd_expected_purchases (&published, &old, 39);
  g_assert_true (e >= 0 && e < 1e-6);

  /* Horizon 0, and growth with the horizon. */
  g_assert_cmpfloat (sk_bgnbd_expected_purchases (&published, &one_more, 0), ==, 0);
  for (double t = 0.25; t <= 1024; t *= 2)
    {
      e = sk_bgnbd_expected_purchases (&published, &one_more, t);
      g_assert_cmpfloat (e, >, prev);
      prev = e;
    }
  /* A long horizon (z = 0.9996) still converges; with a < 1 there is no finite limit as
   * t grows (E[1/p] is infinite), so check only that it is finite and still growing. */
  e = sk_bgnbd_expected_purchases (&published, &one_more, 100000);
  g_assert_true (isfinite (e) && e > prev);
}

static void
test_too_little_data (void)
{
  SkBgnbdCustomer c[12];
  SkBgnbdFit fit;

  /* Fewer than 10 customers. */
  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    c[i] = (SkBgnbdCustomer) { 3, 10, 20 + i };
  sk_bgnbd_fit (c, 9, &fit);
  g_assert_cmpint (fit.status, ==, SK_BGNBD_TOO_LITTLE_DATA);
  g_assert_cmpstr (sk_bgnbd_status_to_string (fit.status), ==, "too-little-data");
  g_assert_cmpfloat (fit.params.r, ==, 0);
  g_assert_cmpfloat (fit.params.alpha, ==, 0);
  g_assert_cmpfloat (fit.params.a, ==, 0);
  g_assert_cmpfloat (fit.params.b, ==, 0);
  g_assert_cmpuint (fit.iterations, ==, 0);
  sk_bgnbd_fit (NULL, 0, &fit);
  g_assert_cmpint (fit.status, ==, SK_BGNBD_TOO_LITTLE_DATA);

  /* 12 customers, none with a repeat purchase. */
  for (guint i = 0; i < G_N_ELEMENTS (c); i++)
    c[i] = (SkBgnbdCustomer) { 0, 0, 20 + i };
  sk_bgnbd_fit (c, G_N_ELEMENTS (c), &fit);
  g_assert_cmpint (fit.status, ==, SK_BGNBD_TOO_LITTLE_DATA);

  /* 4 repeat purchases in all. */
  for (guint i = 0; i < 4; i++)
    c[i] = (SkBgnbdCustomer) { 1, 5, 20 };
  sk_bgnbd_fit (c, G_N_ELEMENTS (c), &fit);
  g_assert_cmpint (fit.status, ==, SK_BGNBD_TOO_LITTLE_DATA);

  /* 10 repeat purchases, all by one customer. */
  c[0] = (SkBgnbdCustomer) { 10, 15, 20 };
  for (guint i = 1; i < 4; i++)
    c[i] = (SkBgnbdCustomer) { 0, 0, 20 };
  sk_bgnbd_fit (c, G_N_ELEMENTS (c), &fit);
  g_assert_cmpint (fit.status, ==, SK_BGNBD_TOO_LITTLE_DATA);

  /* Invalid customers do not count towards the minimum: 9 valid + 3 invalid. */
  for (guint i = 0; i < 9; i++)
    c[i] = (SkBgnbdCustomer) { i % 3, i % 3 ? 5 : 0, 20 };
  for (guint i = 9; i < 12; i++)
    c[i] = (SkBgnbdCustomer) { 1, 30, 20 };
  sk_bgnbd_fit (c, G_N_ELEMENTS (c), &fit);
  g_assert_cmpint (fit.status, ==, SK_BGNBD_TOO_LITTLE_DATA);

  /* Just enough: 10 customers, 5 repeat purchases by 2 of them. It fits and converges. */
  for (guint i = 0; i < 10; i++)
    c[i] = (SkBgnbdCustomer) { 0, 0, 20 };
  c[0] = (SkBgnbdCustomer) { 3, 12, 20 };
  c[1] = (SkBgnbdCustomer) { 2, 18, 20 };
  sk_bgnbd_fit (c, 10, &fit);
  g_assert_cmpint (fit.status, !=, SK_BGNBD_TOO_LITTLE_DATA);
  g_assert_cmpfloat (fit.params.r, >=, SK_BGNBD_PARAM_MIN);
  g_assert_cmpfloat (fit.params.r, <=, SK_BGNBD_PARAM_MAX);
  g_assert_cmpfloat (fit.params.alpha, >=, SK_BGNBD_PARAM_MIN);
  g_assert_cmpfloat (fit.params.alpha, <=, SK_BGNBD_PARAM_MAX);
  g_assert_cmpfloat (fit.params.a, >=, SK_BGNBD_PARAM_MIN);
  g_assert_cmpfloat (fit.params.a, <=, SK_BGNBD_PARAM_MAX);
  g_assert_cmpfloat (fit.params.b, >=, SK_BGNBD_PARAM_MIN);
  g_assert_cmpfloat (fit.params.b, <=, SK_BGNBD_PARAM_MAX);
  g_assert_true (isfinite (fit.log_likelihood));
  g_assert_cmpfloat (fit.log_likelihood, >=,
                     sk_bgnbd_log_likelihood (&published, c, 10));
}

static const struct
{
  SkBgnbdCustomer c;
  gboolean        valid;
} validity_cases[] = {
  { { 0, 0, 0 }, TRUE },
  { { 0, 0, 38.86 }, TRUE },
  { { 2, 30.43, 38.86 }, TRUE },
  { { 2, 38.86, 38.86 }, TRUE },
  { { 1, 0, 5 }, TRUE },                  /* a repeat purchase on the first day */
  { { 1e12, 1, 2 }, TRUE },
  { { -1, 0, 5 }, FALSE },
  { { 1.5, 2, 5 }, FALSE },
  { { 2, 6, 5 }, FALSE },                 /* t_x > T */
  { { 2, -1, 5 }, FALSE },
  { { 0, 3, 5 }, FALSE },                 /* t_x without a repeat purchase */
  { { 1, 1, -1 }, FALSE },
  { { NAN, 1, 5 }, FALSE },
  { { 1, NAN, 5 }, FALSE },
  { { 1, 1, NAN }, FALSE },
  { { INFINITY, 1, 5 }, FALSE },
  { { 1, 1, INFINITY }, FALSE },
  { { 2e12, 1, 2 }, FALSE },
};

static void
test_invalid_ignored (void)
{
  guint n = cdnow_customers->len;
  g_autoptr(GArray) mixed = g_array_copy (cdnow_customers);
  SkBgnbdFit clean, dirty;
  double ll;

  for (guint i = 0; i < G_N_ELEMENTS (validity_cases); i++)
    g_assert_cmpint (sk_bgnbd_customer_valid (&validity_cases[i].c), ==,
                     validity_cases[i].valid);

  for (guint i = 0; i < G_N_ELEMENTS (validity_cases); i++)
    if (!validity_cases[i].valid)
      g_array_insert_val (mixed, (i * 131) % mixed->len, validity_cases[i].c);
  g_assert_cmpuint (mixed->len, >, n);

  ll = sk_bgnbd_log_likelihood (&published, cdnow (), n);
  g_assert_cmpfloat (sk_bgnbd_log_likelihood (&published,
                                              (const SkBgnbdCustomer *) mixed->data,
                                              mixed->len), ==, ll);
  sk_bgnbd_fit (cdnow (), n, &clean);
  sk_bgnbd_fit ((const SkBgnbdCustomer *) mixed->data, mixed->len, &dirty);
  assert_same_fit (&clean, &dirty);

  /* Zero, negative or NaN weights drop an entry too. */
  {
    SkBgnbdCustomer c[3] = { { 2, 30.43, 38.86 }, { 1, 1.71, 38.86 }, { 0, 0, 38.86 } };
    double w[3] = { 1, 0, NAN };
    double w2[3] = { 1, -3, INFINITY };

    g_assert_cmpfloat (sk_bgnbd_log_likelihood_weighted (&published, c, w, 3), ==,
                       sk_bgnbd_log_likelihood (&published, c, 1));
    g_assert_cmpfloat (sk_bgnbd_log_likelihood_weighted (&published, c, w2, 3), ==,
                       sk_bgnbd_log_likelihood (&published, c, 1));
  }
}

/* Simulated customers from known parameters: the fit finds them again. The generator is
 * GLib's Mersenne Twister with a fixed seed, so the data are the same on every run. */
static double
sample_gamma (GRand  *rng,
              double  shape)
{
  /* Marsaglia & Tsang (2000); shape < 1 through the boost U^(1/shape). */
  double boost = 1;
  double d, c;

  if (shape < 1)
    {
      boost = pow (g_rand_double (rng), 1 / shape);
      shape += 1;
    }
  d = shape - 1.0 / 3;
  c = 1 / sqrt (9 * d);
  for (;;)
    {
      double x, v, u;

      do
        {
          /* Box–Muller */
          double u1 = 1 - g_rand_double (rng), u2 = g_rand_double (rng);

          x = sqrt (-2 * log (u1)) * cos (2 * G_PI * u2);
          v = 1 + c * x;
        }
      while (v <= 0);
      v = v * v * v;
      u = 1 - g_rand_double (rng);
      if (log (u) < 0.5 * x * x + d - d * v + d * log (v))
        return d * v * boost;
    }
}

static void
test_fit_simulated (void)
{
  const SkBgnbdParams truth = { 0.6, 5.0, 0.8, 2.5 };
  const guint n = 20000;
  g_autoptr(GRand) rng = g_rand_new_with_seed (20050401);
  g_autofree SkBgnbdCustomer *c = g_new (SkBgnbdCustomer, n);
  SkBgnbdFit fit;

  for (guint i = 0; i < n; i++)
    {
      double lambda = sample_gamma (rng, truth.r) / truth.alpha;
      double ga = sample_gamma (rng, truth.a);
      double p = ga / (ga + sample_gamma (rng, truth.b));
      double T = g_rand_double_range (rng, 26, 52);
      double t = 0;

      c[i] = (SkBgnbdCustomer) { 0, 0, T };
      for (;;)
        {
          t += -log (1 - g_rand_double (rng)) / lambda;
          if (t > T)
            break;
          c[i].x += 1;
          c[i].t_x = t;
          if (g_rand_double (rng) < p)
            break;
        }
    }

  sk_bgnbd_fit (c, n, &fit);
  g_test_message ("simulated: r=%.4f alpha=%.4f a=%.4f b=%.4f (%u iterations)",
                  fit.params.r, fit.params.alpha, fit.params.a, fit.params.b,
                  fit.iterations);
  g_assert_cmpint (fit.status, ==, SK_BGNBD_CONVERGED);
  /* Within about three standard errors for 20,000 customers. */
  g_assert_cmpfloat_with_epsilon (fit.params.r, truth.r, 0.05);
  g_assert_cmpfloat_with_epsilon (fit.params.alpha, truth.alpha, 0.5);
  g_assert_cmpfloat_with_epsilon (fit.params.a, truth.a, 0.2);
  g_assert_cmpfloat_with_epsilon (fit.params.b, truth.b, 0.8);
  /* The maximum is at least as likely as the truth. */
  g_assert_cmpfloat (fit.log_likelihood, >=, sk_bgnbd_log_likelihood (&truth, c, n));
}

typedef struct
{
  const char *name;
  const char *text;
  const char *message;      /* NULL: parses */
  guint       n;            /* customers when it parses */
} ParseCase;

static const ParseCase parse_cases[] = {
  { "plain", "ID,frequency,recency,T\n1,2,30.43,38.86\n2,0,0,38.86\n", NULL, 2 },
  { "crlf-bom-blank", "\xef\xbb\xbfID,frequency,recency,T\r\n1,2,30.43,38.86\r\n\r\n"
    "2,0,0.0,38.86", NULL, 2 },
  { "reordered-aliases-extra", "t,x,zbar,id,t_x\n38.86,2,22.35,a,30.43\n", NULL, 1 },
  { "header-only", "ID,frequency,recency,T\n", NULL, 0 },
  { "quoted-id", "ID,frequency,recency,T\n\"c-1\",1,2,3\n", NULL, 1 },
  { "empty", "", "Line 1: the file is empty; expected the header ID,frequency,recency,T" },
  { "blank", "\n  \n", "Line 1: the file is empty; expected the header ID,frequency,recency,T" },
  { "no-recency", "ID,frequency,T\n1,2,38.86\n",
    "Line 1: the header has no column recency; expected ID,frequency,recency,T" },
  { "no-header", "1,2,30.43,38.86\n",
    "Line 1: the header has no column ID; expected ID,frequency,recency,T" },
  { "twice", "ID,frequency,x,recency,T\n",
    "Line 1: the column frequency appears twice in the header" },
  { "text-in-number", "ID,frequency,recency,T\n1,2,30.43,38.86\n2,two,1,38.86\n",
    "Line 3: frequency “two” is not a number" },
  { "empty-number", "ID,frequency,recency,T\n1,2,,38.86\n",
    "Line 2: recency “” is not a number" },
  { "trailing-text", "ID,frequency,recency,T\n1,2,3,38.86w\n",
    "Line 2: T “38.86w” is not a number" },
  { "nan", "ID,frequency,recency,T\n1,2,3,nan\n", "Line 2: T “nan” is not a number" },
  { "long-field", "ID,frequency,recency,T\n1,2,3,"
    "0123456789012345678901234567890123456789xyz\n",
    "Line 2: T “0123456789012345678901234567890123456789…” is not a number" },
  { "missing-field", "ID,frequency,recency,T\n\n1,2,30.43\n",
    "Line 3: 3 fields, but the header has 4" },
  { "extra-field", "ID,frequency,recency,T\n1,2,30.43,38.86,5\n",
    "Line 2: 5 fields, but the header has 4" },
  { "empty-id", "ID,frequency,recency,T\n ,2,30.43,38.86\n", "Line 2: the ID is empty" },
  { "fractional-x", "ID,frequency,recency,T\n1,2.5,30.43,38.86\n",
    "Line 2: frequency must be a whole number, 0 or more" },
  { "negative-x", "ID,frequency,recency,T\n1,-1,0,38.86\n",
    "Line 2: frequency must be a whole number, 0 or more" },
  { "negative-T", "ID,frequency,recency,T\n1,0,0,-1\n",
    "Line 2: recency and T must be 0 or more" },
  { "recency-after-T", "ID,frequency,recency,T\n1,2,40,38.86\n",
    "Line 2: recency is greater than T" },
  { "recency-without-repeat", "ID,frequency,recency,T\n1,0,3,38.86\n",
    "Line 2: recency must be 0 when frequency is 0" },
  { "too-big", "ID,frequency,recency,T\n1,0,0,1e300\n", "Line 2: the values are out of range" },
  { "not-utf8", "ID,frequency,recency,T\n1,2,3,4\n\xff\xfe,1,2,3\n", "Line 3: not UTF-8 text" },
};

static void
test_parse_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      const ParseCase *pc = &parse_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) ids = NULL;
      g_autoptr(GArray) customers = NULL;
      gboolean ok;

      g_test_message ("case %s", pc->name);
      ok = sk_bgnbd_parse_summary (pc->text, strlen (pc->text), &ids, &customers, &error);
      if (pc->message == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpuint (customers->len, ==, pc->n);
          g_assert_cmpuint (ids->len, ==, pc->n);
        }
      else
        {
          g_assert_false (ok);
          g_assert_null (ids);
          g_assert_null (customers);
          g_assert_nonnull (error);
          g_assert_true (error->domain == SK_CORE_ERROR);
          g_assert_cmpstr (error->message, ==, pc->message);
        }
    }

  /* The values, not just the count. */
  {
    const char *text = "t,x,zbar,id,t_x\n38.86,2,22.35,a,30.43\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) ids = NULL;
    g_autoptr(GArray) customers = NULL;
    SkBgnbdCustomer *c;

    g_assert_true (sk_bgnbd_parse_summary (text, strlen (text), &ids, &customers, &error));
    c = &g_array_index (customers, SkBgnbdCustomer, 0);
    g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, "a");
    g_assert_cmpfloat (c->x, ==, 2);
    g_assert_cmpfloat (c->t_x, ==, 30.43);
    g_assert_cmpfloat (c->T, ==, 38.86);
  }
  {
    const char *text = "ID,frequency,recency,T\n\"c-1\",1,2,3\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) ids = NULL;
    g_autoptr(GArray) customers = NULL;

    /* Only the given length is read: the second line is cut off. */
    g_assert_true (sk_bgnbd_parse_summary (text, 23, &ids, &customers, &error));
    g_assert_cmpuint (customers->len, ==, 0);
    g_clear_pointer (&ids, g_ptr_array_unref);
    g_clear_pointer (&customers, g_array_unref);
    g_assert_true (sk_bgnbd_parse_summary (text, strlen (text), &ids, &customers, &error));
    g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, "c-1");
  }
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  load_cdnow ();

  g_test_add_func ("/core/bgnbd/parse-cdnow", test_parse_cdnow);
  g_test_add_func ("/core/bgnbd/log-likelihood", test_log_likelihood);
  g_test_add_func ("/core/bgnbd/fit-cdnow", test_fit_cdnow);
  g_test_add_func ("/core/bgnbd/fit-deterministic", test_fit_deterministic);
  g_test_add_func ("/core/bgnbd/predictions", test_predictions);
  g_test_add_func ("/core/bgnbd/expected-branches", test_expected_branches);
  g_test_add_func ("/core/bgnbd/edge-cases", test_edge_cases);
  g_test_add_func ("/core/bgnbd/too-little-data", test_too_little_data);
  g_test_add_func ("/core/bgnbd/invalid-ignored", test_invalid_ignored);
  g_test_add_func ("/core/bgnbd/fit-simulated", test_fit_simulated);
  g_test_add_func ("/core/bgnbd/parse-errors", test_parse_errors);

  status = g_test_run ();
  g_clear_pointer (&cdnow_ids, g_ptr_array_unref);
  g_clear_pointer (&cdnow_customers, g_array_unref);
  return status;
}
