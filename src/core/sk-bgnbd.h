/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * SkBgnbdParams:
 * @r: shape of the gamma mixing distribution of purchase rates
 * @alpha: scale of the gamma mixing distribution (in the customers' time unit)
 * @a: first shape of the beta mixing distribution of dropout probabilities
 * @b: second shape of the beta mixing distribution of dropout probabilities
 *
 * The four parameters of the BG/NBD model (Fader, Hardie & Lee 2005), all > 0.
 */
typedef struct
{
  double r;
  double alpha;
  double a;
  double b;
} SkBgnbdParams;

/**
 * SkBgnbdCustomer:
 * @x: repeat purchases (purchases after the first), >= 0
 * @t_x: time of the last purchase since the first, 0 <= @t_x <= @T (0 when @x is 0)
 * @T: time since the first purchase until the end of the observation
 *
 * A customer's sufficient statistics, all times in one unit (weeks for CDNOW, days or weeks
 * for the club: the fitted @alpha is in the same unit).
 */
typedef struct
{
  double x;
  double t_x;
  double T;
} SkBgnbdCustomer;

/**
 * SkBgnbdStatus:
 * @SK_BGNBD_CONVERGED: the optimiser met its tolerance
 * @SK_BGNBD_NOT_CONVERGED: it stopped at its iteration limit; the parameters are the best seen
 * @SK_BGNBD_TOO_LITTLE_DATA: too few customers or repeat purchases to fit; no parameters
 */
typedef enum
{
  SK_BGNBD_CONVERGED,
  SK_BGNBD_NOT_CONVERGED,
  SK_BGNBD_TOO_LITTLE_DATA,
} SkBgnbdStatus;

typedef struct
{
  SkBgnbdParams params;
  double        log_likelihood;
  guint         iterations;
  SkBgnbdStatus status;
} SkBgnbdFit;

gboolean sk_bgnbd_customer_valid     (const SkBgnbdCustomer *customer);
double   sk_bgnbd_log_likelihood     (const SkBgnbdParams   *params,
                                      const SkBgnbdCustomer *customers,
                                      gsize                  n_customers);
void     sk_bgnbd_fit                (const SkBgnbdCustomer *customers,
                                      gsize                  n_customers,
                                      SkBgnbdFit            *fit);
double   sk_bgnbd_p_alive            (const SkBgnbdParams   *params,
                                      const SkBgnbdCustomer *customer);
double   sk_bgnbd_expected_purchases (const SkBgnbdParams   *params,
                                      const SkBgnbdCustomer *customer,
                                      double                 horizon);

/* Additions to the contract above (same model, same units). */

/**
 * SK_BGNBD_MIN_CUSTOMERS:
 *
 * sk_bgnbd_fit() needs at least this many valid customers, at least
 * %SK_BGNBD_MIN_REPEAT_PURCHASES repeat purchases among them, and at least
 * %SK_BGNBD_MIN_REPEAT_CUSTOMERS customers with a repeat purchase; with fewer the likelihood
 * has no interior maximum worth reporting and the status is %SK_BGNBD_TOO_LITTLE_DATA.
 */
#define SK_BGNBD_MIN_CUSTOMERS        10
#define SK_BGNBD_MIN_REPEAT_PURCHASES 5
#define SK_BGNBD_MIN_REPEAT_CUSTOMERS 2

/* Bounds of every fitted parameter. */
#define SK_BGNBD_PARAM_MIN 1e-4
#define SK_BGNBD_PARAM_MAX 1e4

const char *sk_bgnbd_status_to_string                 (SkBgnbdStatus          status);

double      sk_bgnbd_log_likelihood_weighted          (const SkBgnbdParams   *params,
                                                       const SkBgnbdCustomer *customers,
                                                       const double          *weights,
                                                       gsize                  n_customers);
void        sk_bgnbd_fit_weighted                     (const SkBgnbdCustomer *customers,
                                                       const double          *weights,
                                                       gsize                  n_customers,
                                                       SkBgnbdFit            *fit);
double      sk_bgnbd_expected_purchases_unconditional (const SkBgnbdParams   *params,
                                                       double                 horizon);

gboolean    sk_bgnbd_parse_summary                    (const char            *text,
                                                       gsize                  length,
                                                       GPtrArray            **ids,
                                                       GArray               **customers,
                                                       GError               **error);

G_END_DECLS
