/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-bench"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "sk-bgnbd.h"

/*
 * bench/bgnbd: how long sk_bgnbd_fit() takes on a customer summary CSV, by default the
 * CDNOW sample (2,357 customers; tests/core/data/README.md). It fits --runs times and
 * prints the median and best wall time against the 50 ms target, then the time to score
 * every customer (P(alive) and E[Y(39 weeks)]). Figures, not pass/fail.
 *
 *   _build/bench/bgnbd [--runs 50] [FILE.csv]
 */

#define TARGET_MS 50.0

static gint runs = 50;

static const GOptionEntry entries[] = {
  { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Fits to time (50)", "N" },
  { NULL }
};

static int
compare_doubles (const void *pa,
                 const void *pb)
{
  double a = *(const double *) pa;
  double b = *(const double *) pb;

  return a < b ? -1 : a > b ? 1 : 0;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("[FILE.csv]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GArray) customers = NULL;
  g_autofree char *text = NULL;
  g_autofree double *ms = NULL;
  const char *path = SK_CDNOW_CSV;
  const SkBgnbdCustomer *c;
  SkBgnbdFit fit = { 0 };
  double repeat = 0, median, sum = 0;
  gsize length;
  gint64 start;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bgnbd: %s\n", error->message);
      return 2;
    }
  if (argc > 2 || runs < 1)
    {
      g_printerr ("bgnbd: usage: bgnbd [--runs N] [FILE.csv]\n");
      return 2;
    }
  if (argc == 2)
    path = argv[1];

  if (!g_file_get_contents (path, &text, &length, &error) ||
      !sk_bgnbd_parse_summary (text, length, &ids, &customers, &error))
    {
      g_printerr ("bgnbd: %s: %s\n", path, error->message);
      return 1;
    }
  c = (const SkBgnbdCustomer *) customers->data;
  for (guint i = 0; i < customers->len; i++)
    repeat += c[i].x;

  ms = g_new (double, runs);
  for (gint i = 0; i < runs; i++)
    {
      start = g_get_monotonic_time ();
      sk_bgnbd_fit (c, customers->len, &fit);
      ms[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  qsort (ms, runs, sizeof (double), compare_doubles);
  median = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;

  printf ("file: %s\n", path);
  printf ("customers %u, repeat purchases %.0f\n", customers->len, repeat);
  printf ("fit: r=%.6f alpha=%.6f a=%.6f b=%.6f LL=%.4f (%s, %u iterations)\n",
          fit.params.r, fit.params.alpha, fit.params.a, fit.params.b, fit.log_likelihood,
          sk_bgnbd_status_to_string (fit.status), fit.iterations);
  printf ("fit time over %d runs: median %.2f ms, best %.2f ms, worst %.2f ms\n",
          runs, median, ms[0], ms[runs - 1]);
  printf ("target %.0f ms: median/target %.3f, best/target %.3f\n",
          TARGET_MS, median / TARGET_MS, ms[0] / TARGET_MS);

  if (fit.status != SK_BGNBD_TOO_LITTLE_DATA)
    {
      start = g_get_monotonic_time ();
      for (guint i = 0; i < customers->len; i++)
        sum += sk_bgnbd_p_alive (&fit.params, &c[i]) +
               sk_bgnbd_expected_purchases (&fit.params, &c[i], 39);
      printf ("scoring %u customers (P(alive), E[Y(39)]): %.2f ms (checksum %.6f)\n",
              customers->len, (g_get_monotonic_time () - start) / 1000.0, sum);
    }
  return 0;
}
