/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "sk-bgnbd.h"
#include "sk-core-error.h"

/*
 * The BG/NBD model of Fader, Hardie & Lee (2005), "Counting your customers the easy way",
 * Marketing Science 24(2):275–284, with the formulas of Fader & Hardie's notes:
 *
 * - while alive a customer buys as a Poisson process of rate lambda ~ Gamma(r, alpha);
 * - after each purchase he drops out with probability p ~ Beta(a, b).
 *
 * A customer's data are x repeat purchases, the last at t_x, observed up to T.
 */

/* No real customer has more purchases or a longer age; bigger values would make lgamma()
 * of them lose every digit. */
#define VALUE_MAX 1e12

/* The Nelder–Mead settings: stop when the simplex spans less than XTOL in every
 * log-parameter and less than FTOL (relative) in -LL. */
#define NM_DIM         4
#define NM_XTOL        1e-7
#define NM_FTOL        1e-12
#define NM_STEP        0.5
#define NM_MAX_ITER    5000
#define NM_MAX_RESTART 5

/* The hypergeometric series stops after this many terms even if the tail is not yet below
 * the tolerance; it needs about 40 / (1 - z) terms, and z = t / (alpha + T + t). */
#define SERIES_MAX_TERMS 2000000

const char *
sk_bgnbd_status_to_string (SkBgnbdStatus status)
{
  switch (status)
    {
    case SK_BGNBD_CONVERGED:
      return "converged";
    case SK_BGNBD_NOT_CONVERGED:
      return "not-converged";
    case SK_BGNBD_TOO_LITTLE_DATA:
      return "too-little-data";
    default:
      g_return_val_if_reached ("unknown");
    }
}

/**
 * sk_bgnbd_customer_valid:
 * @customer: a customer
 *
 * Whether the model can use @customer: all values finite and at most 10^12, @x a whole
 * number >= 0, 0 <= @t_x <= @T, and @t_x = 0 when @x = 0.
 *
 * Returns: %TRUE when valid
 */
gboolean
sk_bgnbd_customer_valid (const SkBgnbdCustomer *customer)
{
  g_return_val_if_fail (customer != NULL, FALSE);

  /* The comparisons are false for NaN, so NaN fails each of them. */
  if (!(customer->x >= 0 && customer->x <= VALUE_MAX && customer->x == floor (customer->x)))
    return FALSE;
  if (!(customer->T >= 0 && customer->T <= VALUE_MAX))
    return FALSE;
  if (!(customer->t_x >= 0 && customer->t_x <= customer->T))
    return FALSE;
  if (customer->x == 0 && customer->t_x != 0)
    return FALSE;
  return TRUE;
}

static gboolean
params_valid (const SkBgnbdParams *p)
{
  return p != NULL &&
         isfinite (p->r) && p->r > 0 &&
         isfinite (p->alpha) && p->alpha > 0 &&
         isfinite (p->a) && p->a > 0 &&
         isfinite (p->b) && p->b > 0;
}

/* log (exp (u) + exp (v)) without overflow. */
static inline double
log_add_exp (double u,
             double v)
{
  double hi = MAX (u, v);
  double lo = MIN (u, v);

  if (hi == -INFINITY)
    return -INFINITY;
  return hi + log1p (exp (lo - hi));
}

/* Fader, Hardie & Lee (2005) eq. 6, as in Fader & Hardie's note on implementing it:
 *   LL = A1 + A2 + log (exp (A3) + [x > 0] exp (A4))
 *   A1 = lnΓ(r+x) − lnΓ(r) + r ln α
 *   A2 = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)      (0 when x = 0)
 *   A3 = −(r+x) ln(α+T)
 *   A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x)
 * Every term is a logarithm, so nothing overflows however large x or T are. */
static double
customer_log_likelihood (const SkBgnbdParams   *p,
                         const SkBgnbdCustomer *c)
{
  double rx = p->r + c->x;
  double a1 = lgamma (rx) - lgamma (p->r) + p->r * log (p->alpha);
  double a3 = -rx * log (p->alpha + c->T);
  double a2, a4;

  if (c->x == 0)
    return a1 + a3;

  a2 = lgamma (p->a + p->b) + lgamma (p->b + c->x) - lgamma (p->b) - lgamma (p->a + p->b + c->x);
  a4 = log (p->a) - log (p->b + c->x - 1) - rx * log (p->alpha + c->t_x);
  return a1 + a2 + log_add_exp (a3, a4);
}

/**
 * sk_bgnbd_log_likelihood_weighted:
 * @params: the model
 * @customers: (array length=n_customers): customers
 * @weights: (array length=n_customers) (nullable): how many customers each entry stands
 *   for; %NULL for one each
 * @n_customers: the number of entries
 *
 * The log-likelihood of the valid customers with a positive finite weight; the others are
 * skipped.
 *
 * Returns: the log-likelihood (0 for no customers)
 */
double
sk_bgnbd_log_likelihood_weighted (const SkBgnbdParams   *params,
                                  const SkBgnbdCustomer *customers,
                                  const double          *weights,
                                  gsize                  n_customers)
{
  double ll = 0;

  g_return_val_if_fail (params_valid (params), NAN);
  g_return_val_if_fail (customers != NULL || n_customers == 0, NAN);

  for (gsize i = 0; i < n_customers; i++)
    {
      double w = weights != NULL ? weights[i] : 1;

      if (!(w > 0 && isfinite (w)) || !sk_bgnbd_customer_valid (&customers[i]))
        continue;
      ll += w * customer_log_likelihood (params, &customers[i]);
    }
  return ll;
}

/**
 * sk_bgnbd_log_likelihood:
 * @params: the model
 * @customers: (array length=n_customers): customers; invalid ones are skipped
 * @n_customers: how many
 *
 * Returns: the log-likelihood of the customers (eq. 6 of the paper, summed)
 */
double
sk_bgnbd_log_likelihood (const SkBgnbdParams   *params,
                         const SkBgnbdCustomer *customers,
                         gsize                  n_customers)
{
  return sk_bgnbd_log_likelihood_weighted (params, customers, NULL, n_customers);
}

/* The fit works on customers collapsed into groups of equal (x, t_x, T): CDNOW's 2,357
 * customers are far fewer groups, since all the one-time buyers of a week are alike. The
 * terms that depend on x only are computed once per distinct x. */
typedef struct
{
  double x;
  double t_x;
  double T;
  double w;
  guint  xi;          /* index into FitData.xs */
  guint  t_xi;        /* index of t_x into FitData.times */
  guint  Ti;          /* index of T into FitData.times */
} Group;

typedef struct
{
  Group  *groups;
  gsize   n_groups;
  double *xs;         /* distinct x, ascending */
  gsize   n_xs;
  double *x_terms;    /* scratch: 3 per distinct x */
  double *times;      /* distinct t_x and T, ascending: data in weeks or days repeat a lot */
  gsize   n_times;
  double *ln_times;   /* scratch: ln (α + time) */
  double  total_w;
  double  total_wx;
  double  total_wT;
  double  total_w_repeaters;
} FitData;

static int
compare_doubles (const void *pa,
                 const void *pb)
{
  double a = *(const double *) pa;
  double b = *(const double *) pb;

  return a < b ? -1 : a > b ? 1 : 0;
}

static int
compare_groups (const void *pa,
                const void *pb)
{
  const Group *a = pa;
  const Group *b = pb;

  if (a->x != b->x)
    return a->x < b->x ? -1 : 1;
  if (a->t_x != b->t_x)
    return a->t_x < b->t_x ? -1 : 1;
  if (a->T != b->T)
    return a->T < b->T ? -1 : 1;
  return 0;
}

static void
fit_data_init (FitData               *d,
               const SkBgnbdCustomer *customers,
               const double          *weights,
               gsize                  n_customers)
{
  gsize n = 0;

  memset (d, 0, sizeof *d);
  d->groups = g_new (Group, MAX (n_customers, 1));
  for (gsize i = 0; i < n_customers; i++)
    {
      double w = weights != NULL ? weights[i] : 1;

      if (!(w > 0 && isfinite (w)) || !sk_bgnbd_customer_valid (&customers[i]))
        continue;
      d->groups[n++] = (Group) { customers[i].x, customers[i].t_x, customers[i].T, w, 0, 0, 0 };
    }

  /* qsort is not stable, but equal keys are merged, so the result does not depend on it. */
  qsort (d->groups, n, sizeof (Group), compare_groups);

  d->xs = g_new (double, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      Group *g = &d->groups[i];

      if (d->n_groups > 0 && compare_groups (&d->groups[d->n_groups - 1], g) == 0)
        {
          d->groups[d->n_groups - 1].w += g->w;
          continue;
        }
      if (d->n_xs == 0 || d->xs[d->n_xs - 1] != g->x)
        d->xs[d->n_xs++] = g->x;
      g->xi = d->n_xs - 1;
      d->groups[d->n_groups++] = *g;
    }

  /* Totals over the merged groups, so that grouping the customers beforehand (with
   * whole-number weights) does not change a single bit of the fit. */
  for (gsize i = 0; i < d->n_groups; i++)
    {
      const Group *g = &d->groups[i];

      d->total_w += g->w;
      d->total_wx += g->w * g->x;
      d->total_wT += g->w * g->T;
      if (g->x > 0)
        d->total_w_repeaters += g->w;
    }
  d->x_terms = g_new (double, 3 * MAX (d->n_xs, 1));

  d->times = g_new (double, 2 * MAX (d->n_groups, 1));
  for (gsize i = 0; i < d->n_groups; i++)
    {
      d->times[2 * i] = d->groups[i].t_x;
      d->times[2 * i + 1] = d->groups[i].T;
    }
  qsort (d->times, 2 * d->n_groups, sizeof (double), compare_doubles);
  for (gsize i = 0; i < 2 * d->n_groups; i++)
    if (d->n_times == 0 || d->times[d->n_times - 1] != d->times[i])
      d->times[d->n_times++] = d->times[i];
  for (gsize i = 0; i < d->n_groups; i++)
    {
      Group *g = &d->groups[i];
      double *at = bsearch (&g->t_x, d->times, d->n_times, sizeof (double), compare_doubles);
      double *aT = bsearch (&g->T, d->times, d->n_times, sizeof (double), compare_doubles);

      g_assert (at != NULL && aT != NULL);
      g->t_xi = at - d->times;
      g->Ti = aT - d->times;
    }
  d->ln_times = g_new (double, MAX (d->n_times, 1));
}

static void
fit_data_clear (FitData *d)
{
  g_clear_pointer (&d->groups, g_free);
  g_clear_pointer (&d->xs, g_free);
  g_clear_pointer (&d->x_terms, g_free);
  g_clear_pointer (&d->times, g_free);
  g_clear_pointer (&d->ln_times, g_free);
}

/* The same sum as sk_bgnbd_log_likelihood(), reorganised for speed. */
static double
fit_data_log_likelihood (FitData             *d,
                         const SkBgnbdParams *p)
{
  double lg_r = lgamma (p->r);
  double lg_b = lgamma (p->b);
  double lg_ab = lgamma (p->a + p->b);
  double ln_a = log (p->a);
  double ll = d->total_w * p->r * log (p->alpha);

  for (gsize j = 0; j < d->n_xs; j++)
    {
      double x = d->xs[j];
      double *t = &d->x_terms[3 * j];

      if (x == 0)
        {
          t[0] = t[1] = t[2] = 0;
          continue;
        }
      t[0] = lgamma (p->r + x) - lg_r;
      t[1] = lg_ab + lgamma (p->b + x) - lg_b - lgamma (p->a + p->b + x);
      t[2] = ln_a - log (p->b + x - 1);
    }
  for (gsize k = 0; k < d->n_times; k++)
    d->ln_times[k] = log (p->alpha + d->times[k]);

  for (gsize i = 0; i < d->n_groups; i++)
    {
      const Group *g = &d->groups[i];
      const double *t = &d->x_terms[3 * g->xi];
      double rx = p->r + g->x;
      double a3 = -rx * d->ln_times[g->Ti];

      if (g->x == 0)
        ll += g->w * a3;
      else
        ll += g->w * (t[0] + t[1] + log_add_exp (a3, t[2] - rx * d->ln_times[g->t_xi]));
    }
  return ll;
}

static const double log_min = -9.210340371976182;  /* log (SK_BGNBD_PARAM_MIN) */
static const double log_max = 9.210340371976182;   /* log (SK_BGNBD_PARAM_MAX) */

static void
clamp_point (double th[NM_DIM])
{
  for (guint j = 0; j < NM_DIM; j++)
    th[j] = CLAMP (th[j], log_min, log_max);
}

static SkBgnbdParams
params_from_point (const double th[NM_DIM])
{
  return (SkBgnbdParams) { exp (th[0]), exp (th[1]), exp (th[2]), exp (th[3]) };
}

/* −LL at a point in log-parameters, clamped to the bounds; NaN counts as +∞ so that the
 * simplex moves away from it. */
static double
objective (FitData *d,
           double   th[NM_DIM])
{
  SkBgnbdParams p;
  double ll;

  clamp_point (th);
  p = params_from_point (th);
  ll = fit_data_log_likelihood (d, &p);
  return isnan (ll) ? INFINITY : -ll;
}

/* One Nelder–Mead run (Lagarias et al. 1998 coefficients 1, 2, ½, ½) from @start with the
 * given step; leaves the best point in @start and returns its value. */
static double
nelder_mead (FitData  *d,
             double    start[NM_DIM],
             double    step,
             guint    *iterations,
             gboolean *converged)
{
  double v[NM_DIM + 1][NM_DIM];
  double f[NM_DIM + 1];
  guint it;

  *converged = FALSE;
  for (guint i = 0; i <= NM_DIM; i++)
    {
      memcpy (v[i], start, sizeof v[i]);
      if (i > 0)
        {
          guint j = i - 1;

          /* Step inwards at an upper bound, so that the simplex does not collapse. */
          if (v[i][j] + step <= log_max)
            v[i][j] += step;
          else
            v[i][j] -= step;
        }
      f[i] = objective (d, v[i]);
    }

  for (it = 0; it < NM_MAX_ITER; it++)
    {
      double c[NM_DIM], xr[NM_DIM], xe[NM_DIM], xc[NM_DIM];
      double fr, fe, fc, spread = 0;

      /* Insertion sort, best first; stable, so ties keep their order (determinism). */
      for (guint i = 1; i <= NM_DIM; i++)
        for (guint k = i; k > 0 && f[k] < f[k - 1]; k--)
          {
            double tf = f[k], tv[NM_DIM];

            f[k] = f[k - 1];
            f[k - 1] = tf;
            memcpy (tv, v[k], sizeof tv);
            memcpy (v[k], v[k - 1], sizeof tv);
            memcpy (v[k - 1], tv, sizeof tv);
          }

      for (guint i = 1; i <= NM_DIM; i++)
        for (guint j = 0; j < NM_DIM; j++)
          spread = MAX (spread, fabs (v[i][j] - v[0][j]));
      if (spread <= NM_XTOL && f[NM_DIM] - f[0] <= NM_FTOL * (1 + fabs (f[0])))
        {
          *converged = TRUE;
          break;
        }

      for (guint j = 0; j < NM_DIM; j++)
        {
          c[j] = 0;
          for (guint i = 0; i < NM_DIM; i++)
            c[j] += v[i][j];
          c[j] /= NM_DIM;
          xr[j] = c[j] + (c[j] - v[NM_DIM][j]);
        }
      fr = objective (d, xr);

      if (fr < f[0])
        {
          for (guint j = 0; j < NM_DIM; j++)
            xe[j] = c[j] + 2 * (xr[j] - c[j]);
          fe = objective (d, xe);
          if (fe < fr)
            {
              memcpy (v[NM_DIM], xe, sizeof xe);
              f[NM_DIM] = fe;
            }
          else
            {
              memcpy (v[NM_DIM], xr, sizeof xr);
              f[NM_DIM] = fr;
            }
          continue;
        }
      if (fr < f[NM_DIM - 1])
        {
          memcpy (v[NM_DIM], xr, sizeof xr);
          f[NM_DIM] = fr;
          continue;
        }

      if (fr < f[NM_DIM])
        {
          for (guint j = 0; j < NM_DIM; j++)
            xc[j] = c[j] + 0.5 * (xr[j] - c[j]);
          fc = objective (d, xc);
          if (fc <= fr)
            {
              memcpy (v[NM_DIM], xc, sizeof xc);
              f[NM_DIM] = fc;
              continue;
            }
        }
      else
        {
          for (guint j = 0; j < NM_DIM; j++)
            xc[j] = c[j] + 0.5 * (v[NM_DIM][j] - c[j]);
          fc = objective (d, xc);
          if (fc < f[NM_DIM])
            {
              memcpy (v[NM_DIM], xc, sizeof xc);
              f[NM_DIM] = fc;
              continue;
            }
        }

      /* Shrink towards the best vertex. */
      for (guint i = 1; i <= NM_DIM; i++)
        {
          for (guint j = 0; j < NM_DIM; j++)
            v[i][j] = v[0][j] + 0.5 * (v[i][j] - v[0][j]);
          f[i] = objective (d, v[i]);
        }
    }

  *iterations += it;
  {
    guint best = 0;

    for (guint i = 1; i <= NM_DIM; i++)
      if (f[i] < f[best])
        best = i;
    memcpy (start, v[best], sizeof v[best]);
    return f[best];
  }
}

/**
 * sk_bgnbd_fit_weighted:
 * @customers: (array length=n_customers): customers; invalid ones are skipped
 * @weights: (array length=n_customers) (nullable): how many customers each entry stands
 *   for (> 0; entries with another weight are skipped); %NULL for one each
 * @n_customers: the number of entries
 * @fit: (out caller-allocates): the result
 *
 * Fits the model by maximum likelihood: Nelder–Mead over the logarithms of the parameters,
 * each kept within [%SK_BGNBD_PARAM_MIN, %SK_BGNBD_PARAM_MAX], started from r = 1,
 * alpha = r × (ΣT / Σx) (the rate of a customer who never drops out), a = b = 1, and
 * restarted from its best point until a restart no longer improves the likelihood.
 * Deterministic: the same customers in any order give the same fit.
 *
 * With fewer than %SK_BGNBD_MIN_CUSTOMERS customers (by weight), fewer than
 * %SK_BGNBD_MIN_REPEAT_PURCHASES repeat purchases or fewer than
 * %SK_BGNBD_MIN_REPEAT_CUSTOMERS customers with a repeat purchase (all by weight), @fit gets
 * %SK_BGNBD_TOO_LITTLE_DATA and zero parameters.
 */
void
sk_bgnbd_fit_weighted (const SkBgnbdCustomer *customers,
                       const double          *weights,
                       gsize                  n_customers,
                       SkBgnbdFit            *fit)
{
  FitData d;
  double th[NM_DIM];
  double best;
  gboolean converged = FALSE;
  guint iterations = 0;

  g_return_if_fail (customers != NULL || n_customers == 0);
  g_return_if_fail (fit != NULL);

  memset (fit, 0, sizeof *fit);
  fit_data_init (&d, customers, weights, n_customers);

  if (d.total_w < SK_BGNBD_MIN_CUSTOMERS ||
      d.total_wx < SK_BGNBD_MIN_REPEAT_PURCHASES ||
      d.total_w_repeaters < SK_BGNBD_MIN_REPEAT_CUSTOMERS)
    {
      fit->status = SK_BGNBD_TOO_LITTLE_DATA;
      fit_data_clear (&d);
      return;
    }

  th[0] = 0;
  th[1] = log (d.total_wT > 0 ? d.total_wT / d.total_wx : 1);
  th[2] = 0;
  th[3] = 0;
  clamp_point (th);

  best = nelder_mead (&d, th, NM_STEP, &iterations, &converged);
  for (guint restart = 0; restart < NM_MAX_RESTART; restart++)
    {
      gboolean again_converged;
      double again = nelder_mead (&d, th, NM_STEP / 4, &iterations, &again_converged);
      double improvement = best - again;

      best = MIN (best, again);
      converged = again_converged;
      if (again_converged && improvement <= NM_FTOL * (1 + fabs (best)))
        break;
    }

  fit->params = params_from_point (th);
  fit->log_likelihood = -best;
  fit->iterations = iterations;
  fit->status = converged && isfinite (best) ? SK_BGNBD_CONVERGED : SK_BGNBD_NOT_CONVERGED;
  fit_data_clear (&d);
}

/**
 * sk_bgnbd_fit:
 * @customers: (array length=n_customers): customers; invalid ones are skipped
 * @n_customers: how many
 * @fit: (out caller-allocates): the result
 *
 * sk_bgnbd_fit_weighted() with one customer per entry.
 */
void
sk_bgnbd_fit (const SkBgnbdCustomer *customers,
              gsize                  n_customers,
              SkBgnbdFit            *fit)
{
  sk_bgnbd_fit_weighted (customers, NULL, n_customers, fit);
}

/* log of [x > 0] a / (b+x−1) × ((α+T) / (α+t_x))^(r+x): P(alive) = 1 / (1 + exp of it). */
static double
log_dead_odds (const SkBgnbdParams   *p,
               const SkBgnbdCustomer *c)
{
  return log (p->a) - log (p->b + c->x - 1) +
         (p->r + c->x) * (log (p->alpha + c->T) - log (p->alpha + c->t_x));
}

/**
 * sk_bgnbd_p_alive:
 * @params: the model
 * @customer: a valid customer
 *
 * P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b+x−1) × ((α+T) / (α+t_x))^(r+x))
 * (Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model", 2008). It is 1 when
 * x = 0: in this model a customer can only drop out right after a repeat purchase.
 *
 * Returns: the probability that the customer is still alive at T
 */
double
sk_bgnbd_p_alive (const SkBgnbdParams   *params,
                  const SkBgnbdCustomer *customer)
{
  g_return_val_if_fail (params_valid (params), NAN);
  g_return_val_if_fail (customer != NULL && sk_bgnbd_customer_valid (customer), NAN);

  if (customer->x == 0)
    return 1.0;
  /* exp() may overflow to +∞ and give exactly 0, which is right. */
  return 1.0 / (1.0 + exp (log_dead_odds (params, customer)));
}

/*
 * E[Y(t) | x, t_x, T] (paper eq. 10) is
 *
 *   C / (a−1) × [1 − (1−z)^(r+x) ₂F₁(r+x, b+x; C; z)] × P(alive),
 *   C = a+b+x−1,  z = t / (α+T+t).
 *
 * As written it has 0/0 at a = 1, C ≤ 0 for x = 0 and a+b ≤ 1, and a series whose terms
 * grow like k^(r+x−a) z^k, so for big x it needs many terms of huge size. Euler's
 * transformation ₂F₁(A, B; C; z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z) turns the bracket
 * over (a−1) into
 *
 *   C g − (1−z)^(a−1) S,   g = (1 − (1−z)^(a−1)) / (a−1)  (→ −ln(1−z) at a = 1),
 *   S = Σ_{k≥1} (a+b−1−r)_k (a)_(k−1) z^k / ((C+1)_(k−1) k!)
 *
 * with no division by a−1 or by C, and terms that fall like k^(a−r−x−2) z^k. That is the
 * better series when a ≤ r+x+1; otherwise the original one is (its terms fall like
 * k^(r+x−a) z^k, a > 1 and C > 0 there), so each case uses its better form.
 */
/* Σ_{n≥0} t_n from t_0 = @term at index @k, t_{n+1} = t_n (p+k)(q+k) z / ((c+k)(k+1)) with
 * k counting up from @k: a Gauss hypergeometric series or its tail. Where p+k, q+k and c+k
 * are positive the ratio can only fall towards z from above or stay below z (c+1 > p+q
 * in both uses), so the rest is at most |t| × ρ / (1−ρ) with ρ = max (ratio, z). */
static double
hypergeometric_sum (double term,
                    guint  k,
                    double p,
                    double q,
                    double c,
                    double z)
{
  double sum = term;

  for (guint n = 0; n < SERIES_MAX_TERMS && term != 0; n++, k++)
    {
      double ratio = (p + k) * (q + k) * z / ((c + k) * (k + 1));
      double rho = MAX (ratio, z);

      term *= ratio;
      sum += term;
      if (p + k > 0 && q + k > 0 && rho < 1 &&
          fabs (term) * rho <= 1e-17 * fabs (sum) * (1 - rho))
        break;
    }
  return sum;
}

static double
conditional_bracket (const SkBgnbdParams   *p,
                     const SkBgnbdCustomer *c,
                     double                 t)
{
  double base = p->alpha + c->T;
  double z = t / (base + t);
  double ln1mz = -log1p (t / base);           /* ln (1−z), exact for small t */
  double C = p->a + p->b + c->x - 1;

  if (p->a <= p->r + c->x + 1)
    {
      double eps = p->a - 1;
      double ap = p->a + p->b - 1 - p->r;
      double g = eps * ln1mz == 0 ? -ln1mz : -expm1 (eps * ln1mz) / eps;
      /* S from its k = 1 term; the ratio of terms k+1 and k is
       * (ap+k)(a−1+k) z / ((C+k)(k+1)), and C+1 = a+b+x > 0. */
      double sum = hypergeometric_sum (ap * z, 1, ap, eps, C, z);

      return C * g - exp (eps * ln1mz) * sum;
    }
  else
    {
      double A = p->r + c->x;
      double sum = hypergeometric_sum (1, 0, A, p->b + c->x, C, z);

      return C / (p->a - 1) * -expm1 (A * ln1mz + log (sum));
    }
}

/**
 * sk_bgnbd_expected_purchases:
 * @params: the model
 * @customer: a valid customer
 * @horizon: t >= 0, in the customers' time unit
 *
 * E[Y(t) | x, t_x, T]: the expected number of purchases in the @horizon after T (paper
 * eq. 10). The Gauss hypergeometric series in it needs about 40 / (1 − z) terms for
 * z = t / (α+T+t), so a @horizon many thousands of times α + T is slow.
 *
 * Returns: the expected number of purchases in (T, T + @horizon]
 */
double
sk_bgnbd_expected_purchases (const SkBgnbdParams   *params,
                             const SkBgnbdCustomer *customer,
                             double                 horizon)
{
  double e;

  g_return_val_if_fail (params_valid (params), NAN);
  g_return_val_if_fail (customer != NULL && sk_bgnbd_customer_valid (customer), NAN);
  g_return_val_if_fail (horizon >= 0 && isfinite (horizon), NAN);

  if (horizon == 0)
    return 0;
  e = conditional_bracket (params, customer, horizon) * sk_bgnbd_p_alive (params, customer);
  /* Rounding can leave a tiny negative value when the answer is about 0. */
  return MAX (e, 0.0);
}

/**
 * sk_bgnbd_expected_purchases_unconditional:
 * @params: the model
 * @horizon: t >= 0
 *
 * E[X(t)] (paper eq. 7): the expected number of repeat purchases in the first @horizon after
 * a new customer's first purchase. It is eq. 10 for x = t_x = T = 0.
 *
 * Returns: the expected number of repeat purchases in (0, @horizon]
 */
double
sk_bgnbd_expected_purchases_unconditional (const SkBgnbdParams *params,
                                           double               horizon)
{
  static const SkBgnbdCustomer newcomer = { 0, 0, 0 };

  return sk_bgnbd_expected_purchases (params, &newcomer, horizon);
}

/* The summary CSV. */

typedef enum
{
  SUMMARY_ID,
  SUMMARY_X,
  SUMMARY_T_X,
  SUMMARY_T,
  N_SUMMARY_COLUMNS,
} SummaryColumn;

static const struct
{
  const char   *name;
  SummaryColumn column;
} summary_aliases[] = {
  { "ID", SUMMARY_ID },
  { "customer_id", SUMMARY_ID },
  { "frequency", SUMMARY_X },
  { "x", SUMMARY_X },
  { "recency", SUMMARY_T_X },
  { "t_x", SUMMARY_T_X },
  { "T", SUMMARY_T },
};

static const char * const summary_names[N_SUMMARY_COLUMNS] = {
  "ID", "frequency", "recency", "T",
};

/* Field text quoted in an error message is cut to this many bytes (at a character). */
#define QUOTE_MAX 40

static char *
quote_field (const char *field)
{
  const char *end;

  if (strlen (field) <= QUOTE_MAX)
    return g_strdup (field);
  end = g_utf8_find_prev_char (field, field + QUOTE_MAX + 1);
  return g_strdup_printf ("%.*s…", (int) (end - field), field);
}

/* Splits a line at commas and trims each field (and a pair of double quotes around it). */
static GStrv
split_fields (const char *line)
{
  GStrv fields = g_strsplit (line, ",", -1);

  for (guint i = 0; fields[i] != NULL; i++)
    {
      char *f = g_strstrip (fields[i]);
      gsize len = strlen (f);

      if (len >= 2 && f[0] == '"' && f[len - 1] == '"')
        {
          memmove (fields[i], f + 1, len - 2);
          fields[i][len - 2] = '\0';
        }
      else if (f != fields[i])
        memmove (fields[i], f, len + 1);
    }
  return fields;
}

static gboolean
parse_number (const char *text,
              double     *out)
{
  char *end = NULL;

  if (*text == '\0')
    return FALSE;
  *out = g_ascii_strtod (text, &end);
  return end != NULL && *end == '\0' && isfinite (*out);
}

static gboolean
parse_header (const char *line,
              guint       line_no,
              int         columns[N_SUMMARY_COLUMNS],
              guint      *n_fields,
              GError    **error)
{
  g_auto(GStrv) fields = split_fields (line);

  for (guint c = 0; c < N_SUMMARY_COLUMNS; c++)
    columns[c] = -1;
  *n_fields = g_strv_length (fields);

  for (guint i = 0; fields[i] != NULL; i++)
    for (guint k = 0; k < G_N_ELEMENTS (summary_aliases); k++)
      {
        SummaryColumn c = summary_aliases[k].column;

        if (g_ascii_strcasecmp (fields[i], summary_aliases[k].name) != 0)
          continue;
        if (columns[c] >= 0)
          {
            g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                         _("Line %u: the column %s appears twice in the header"),
                         line_no, summary_names[c]);
            return FALSE;
          }
        columns[c] = (int) i;
      }

  for (guint c = 0; c < N_SUMMARY_COLUMNS; c++)
    if (columns[c] < 0)
      {
        g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                     _("Line %u: the header has no column %s; expected ID,frequency,recency,T"),
                     line_no, summary_names[c]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
parse_row (const char      *line,
           guint            line_no,
           const int        columns[N_SUMMARY_COLUMNS],
           guint            n_fields,
           char           **id_out,
           SkBgnbdCustomer *customer,
           GError         **error)
{
  g_auto(GStrv) fields = split_fields (line);
  guint n = g_strv_length (fields);
  double values[N_SUMMARY_COLUMNS];

  if (n != n_fields)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("Line %u: %u fields, but the header has %u"), line_no, n, n_fields);
      return FALSE;
    }
  if (fields[columns[SUMMARY_ID]][0] == '\0')
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("Line %u: the ID is empty"), line_no);
      return FALSE;
    }
  for (guint c = SUMMARY_X; c < N_SUMMARY_COLUMNS; c++)
    if (!parse_number (fields[columns[c]], &values[c]))
      {
        g_autofree char *quoted = quote_field (fields[columns[c]]);

        g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                     _("Line %u: %s “%s” is not a number"), line_no, summary_names[c], quoted);
        return FALSE;
      }

  *customer = (SkBgnbdCustomer) { values[SUMMARY_X], values[SUMMARY_T_X], values[SUMMARY_T] };
  if (!(customer->x >= 0 && customer->x == floor (customer->x)))
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("Line %u: frequency must be a whole number, 0 or more"), line_no);
      return FALSE;
    }
  if (customer->t_x < 0 || customer->T < 0)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("Line %u: recency and T must be 0 or more"), line_no);
      return FALSE;
    }
  if (customer->t_x > customer->T)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("Line %u: recency is greater than T"), line_no);
      return FALSE;
    }
  if (customer->x == 0 && customer->t_x != 0)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("Line %u: recency must be 0 when frequency is 0"), line_no);
      return FALSE;
    }
  if (!sk_bgnbd_customer_valid (customer))
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("Line %u: the values are out of range"), line_no);
      return FALSE;
    }

  *id_out = g_strdup (fields[columns[SUMMARY_ID]]);
  return TRUE;
}

/**
 * sk_bgnbd_parse_summary:
 * @text: (array length=length): the file's bytes, UTF-8
 * @length: their number
 * @ids: (out) (transfer full) (element-type utf8): the customers' IDs, as written
 * @customers: (out) (transfer full) (element-type SkBgnbdCustomer): their statistics
 * @error: return location for a #GError
 *
 * Parses a customer summary CSV as lifetimes writes it: a header line naming the columns
 * `ID`, `frequency`, `recency` and `T` (any order, any case; `customer_id`, `x` and `t_x`
 * are accepted too, other columns are ignored), then one customer per line. Fields are
 * comma-separated with no commas inside them; blank lines, a BOM and CRLF line ends are
 * fine. IDs are not checked for duplicates.
 *
 * Returns: %TRUE on success; on failure @error names the line (the first line is 1) and
 *   @ids and @customers are left alone
 */
gboolean
sk_bgnbd_parse_summary (const char  *text,
                        gsize        length,
                        GPtrArray  **ids,
                        GArray     **customers,
                        GError     **error)
{
  g_autoptr(GPtrArray) out_ids = NULL;
  g_autoptr(GArray) out_customers = NULL;
  int columns[N_SUMMARY_COLUMNS];
  guint n_fields = 0;
  gboolean have_header = FALSE;
  const char *invalid = NULL;
  const char *p = text;
  const char *end = text + length;
  guint line_no = 0;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (ids != NULL, FALSE);
  g_return_val_if_fail (customers != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (length > 0 && !g_utf8_validate_len (text, length, &invalid))
    {
      guint bad_line = 1;

      for (const char *q = text; q < invalid; q++)
        bad_line += *q == '\n';
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_INVALID,
                   _("Line %u: not UTF-8 text"), bad_line);
      return FALSE;
    }
  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    p += 3;

  out_ids = g_ptr_array_new_with_free_func (g_free);
  out_customers = g_array_new (FALSE, FALSE, sizeof (SkBgnbdCustomer));

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;
      g_autofree char *line = g_strndup (p, line_end - p);

      line_no++;
      p = nl != NULL ? nl + 1 : end;
      g_strstrip (line);    /* also drops the CR of CRLF */
      if (line[0] == '\0')
        continue;

      if (!have_header)
        {
          if (!parse_header (line, line_no, columns, &n_fields, error))
            return FALSE;
          have_header = TRUE;
        }
      else
        {
          SkBgnbdCustomer customer;
          char *id = NULL;

          if (!parse_row (line, line_no, columns, n_fields, &id, &customer, error))
            return FALSE;
          g_ptr_array_add (out_ids, id);
          g_array_append_val (out_customers, customer);
        }
    }

  if (!have_header)
    {
      g_set_error (error, SK_CORE_ERROR, SK_CORE_ERROR_EMPTY,
                   _("Line 1: the file is empty; expected the header ID,frequency,recency,T"));
      return FALSE;
    }

  *ids = g_steal_pointer (&out_ids);
  *customers = g_steal_pointer (&out_customers);
  return TRUE;
}
