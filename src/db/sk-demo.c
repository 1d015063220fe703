/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include "sk-demo.h"

void
sk_demo_options_init (SkDemoOptions *options)
{
  memset (options, 0, sizeof *options);
  options->members = SK_DEMO_DEFAULT_MEMBERS;
  options->months = SK_DEMO_DEFAULT_MONTHS;
  options->seed = SK_DEMO_DEFAULT_SEED;
  options->timezone = "Europe/Moscow";
  g_date_clear (&options->until, 1);
}

gboolean
sk_demo_load (PGconn              *conn,
              const SkDemoOptions *options,
              SkDemoProgressFunc   progress,
              gpointer             user_data,
              SkDemoCounts        *counts,
              GError             **error)
{
  g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_DATA, "not yet");
  return FALSE;
}
