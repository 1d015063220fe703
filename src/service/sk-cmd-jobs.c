/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include <glib/gi18n.h>

#include "sk-command.h"
#include "sk-db.h"
#include "sk-job-scheduler.h"
#include "sk-pipeline.h"
#include "sk-service.h"

/*
 * svoikrugd jobs run-once [--now TIMESTAMP]
 *
 * Runs the periodic ledger and tier work (jobs_run()) once, as `serve` does every
 * [jobs] interval-minutes, and prints what it did. --now runs it as of another time: to
 * catch up, or to see what a later run would do.
 */

#define JOBS_ACTION_RUN_ONCE "run-once"

static gboolean
jobs_run (const SkCommandContext  *context,
          GStrv                   *args,
          GError                 **error)
{
  g_autoptr(SkConfig) config = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *now_text = NULL;
  g_autofree char *summary = NULL;
  g_auto(GStrv) actions = NULL;
  SkJobsReport report = { 0, };
  gboolean help_shown;
  const GOptionEntry entries[] = {
    { "now", 0, 0, G_OPTION_ARG_STRING, &now_text,
      N_("Run as of TIME (ISO 8601, e.g. 2026-01-15 or 2026-01-15T03:00:00+03:00) "
         "instead of now"), N_("TIME") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &actions, NULL, NULL },
    { NULL }
  };

  if (!sk_command_parse_options (context, entries, args, &help_shown, error))
    return FALSE;
  if (help_shown)
    return TRUE;

  if (actions == NULL || actions[0] == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("jobs needs an action: %s"), JOBS_ACTION_RUN_ONCE);
      return FALSE;
    }
  if (!g_str_equal (actions[0], JOBS_ACTION_RUN_ONCE))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("jobs: unknown action “%s”; the only one is %s"),
                   actions[0], JOBS_ACTION_RUN_ONCE);
      return FALSE;
    }
  if (actions[1] != NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("%s: unexpected argument “%s”"), context->command->name, actions[1]);
      return FALSE;
    }

  config = sk_command_load_config (context, error);
  if (config == NULL)
    return FALSE;

  if (now_text != NULL)
    {
      tz = g_time_zone_new_identifier (config->timezone);
      g_assert (tz != NULL);
      now = sk_command_parse_time (now_text, tz);
      if (now == NULL)
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                       _("--now “%s” is not a date or time in ISO 8601 "
                         "(e.g. 2026-01-15 or 2026-01-15T03:00:00+03:00)"), now_text);
          return FALSE;
        }
    }

  conn = sk_db_connect (config->database_url, error);
  if (conn == NULL)
    return FALSE;

  if (!sk_pipeline_run_jobs (conn, now, &report, error))
    return FALSE;

  summary = sk_job_scheduler_describe_report (&report);
  g_print ("%s\n", summary);
  return TRUE;
}

const SkCommand sk_command_jobs = {
  .name = "jobs",
  .parameters = JOBS_ACTION_RUN_ONCE,
  .summary = N_("Release and expire bonuses and recompute tiers: “jobs run-once”"),
  .flags = SK_COMMAND_NEEDS_DATABASE,
  .run = jobs_run,
};
