/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>

#include "sk-analytics-business.h"
#include "sk-analytics-club.h"
#include "sk-analytics-customers.h"
#include "sk-command.h"
#include "sk-db.h"
#include "sk-report-bgnbd.h"
#include "sk-report-output.h"
#include "sk-service.h"

/*
 * svoikrugd report KIND [--business ID] [--from DAY] [--to DAY] [--format json|csv]
 * svoikrugd report bgnbd --summary-csv FILE [--horizon WEEKS]
 *
 * Prints one analytics report, computed by the same src/db functions the Studio and the
 * owner API call. Days are calendar days in the club's time zone; the period defaults to the
 * 30 days ending today. Reads from the analytics replica when one is configured.
 */

#define DEFAULT_PERIOD_DAYS 30
#define DEFAULT_HORIZON_WEEKS 39.0

typedef struct
{
  const char            *name;
  SkAnalyticsReportFunc  run;
  gboolean               needs_business;
} ReportKind;

static const ReportKind report_kinds[] = {
  { "overview",     sk_analytics_report_overview,     TRUE },
  { "sources",      sk_analytics_report_sources,      TRUE },
  { "destinations", sk_analytics_report_destinations, TRUE },
  { "chains",       sk_analytics_report_chains,       FALSE },
  { "rfm",          sk_analytics_report_rfm,          FALSE },
  { "churn",        sk_analytics_report_churn,        FALSE },
  { "club",         sk_analytics_report_club,         FALSE },
  { "nsm",          sk_analytics_report_nsm,          FALSE },
  { "cohorts",      sk_analytics_report_cohorts,      FALSE },
  { "commission",   sk_analytics_report_commission,   FALSE },
};

static char *
kind_names (void)
{
  GString *names = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (report_kinds); i++)
    g_string_append_printf (names, "%s, ", report_kinds[i].name);
  g_string_append (names, "bgnbd");
  return g_string_free (names, FALSE);
}

static const ReportKind *
find_kind (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (report_kinds); i++)
    if (g_str_equal (report_kinds[i].name, name))
      return &report_kinds[i];
  return NULL;
}

/* A day given as YYYY-MM-DD (or a time, whose day in the club's zone counts). */
static gboolean
parse_day (const char  *option,
           const char  *text,
           GTimeZone   *tz,
           GDate       *day,
           GError     **error)
{
  g_autoptr(GDateTime) time = sk_command_parse_time (text, tz);
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("%s “%s” is not a day (YYYY-MM-DD)"), option, text);
      return FALSE;
    }
  local = g_date_time_to_timezone (time, tz);
  g_date_clear (day, 1);
  g_date_set_dmy (day, (GDateDay) g_date_time_get_day_of_month (local),
                  (GDateMonth) g_date_time_get_month (local),
                  (GDateYear) g_date_time_get_year (local));
  return TRUE;
}

static gboolean
write_all (const char  *text,
           GError     **error)
{
  gsize len = strlen (text);

  if (fwrite (text, 1, len, stdout) != len || fflush (stdout) != 0)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_RUNTIME,
                   _("cannot write the report to standard output"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
report_bgnbd (const char  *summary_csv,
              const char  *horizon_text,
              GError     **error)
{
  g_autoptr(GOutputStream) out = NULL;
  double horizon = DEFAULT_HORIZON_WEEKS;

  if (summary_csv == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("report bgnbd needs --summary-csv FILE (rows of ID,frequency,recency,T)"));
      return FALSE;
    }
  if (horizon_text != NULL)
    {
      char *end = NULL;

      horizon = g_ascii_strtod (horizon_text, &end);
      if (end == horizon_text || *end != '\0' || !(horizon > 0 && horizon <= 520))
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                       _("--horizon “%s” is not a number of weeks from 0 to 520"),
                       horizon_text);
          return FALSE;
        }
    }

  /* Whole, or nothing: a failure half-way prints no half a document. */
  out = g_memory_output_stream_new_resizable ();
  if (!sk_report_bgnbd (summary_csv, horizon, out, error) ||
      !g_output_stream_write_all (out, "", 1, NULL, NULL, error) ||
      !g_output_stream_close (out, NULL, error))
    return FALSE;
  return write_all (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), error);
}

static gboolean
report_run (const SkCommandContext  *context,
            GStrv                   *args,
            GError                 **error)
{
  g_autoptr(SkConfig) config = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(SkAnalyticsPeriod) period = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  g_autofree char *business_id = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  g_autofree char *format = NULL;
  g_autofree char *summary_csv = NULL;
  g_autofree char *horizon_text = NULL;
  g_autofree char *from_string = NULL;
  g_autofree char *to_string = NULL;
  g_autofree char *output = NULL;
  g_autofree char *names = NULL;
  g_auto(GStrv) kinds = NULL;
  const ReportKind *kind;
  gboolean help_shown;
  GDate from, to;
  const GOptionEntry entries[] = {
    { "business", 0, 0, G_OPTION_ARG_STRING, &business_id,
      N_("The business id (without it, the whole club where the report allows)"), N_("ID") },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from_text,
      N_("First day of the period, YYYY-MM-DD (default: 29 days before --to)"), N_("DAY") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text,
      N_("Last day of the period, YYYY-MM-DD (default: today)"), N_("DAY") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
      N_("json (default) or csv"), N_("FORMAT") },
    { "summary-csv", 0, 0, G_OPTION_ARG_FILENAME, &summary_csv,
      N_("bgnbd: fit the model to this file of ID,frequency,recency,T rows"), N_("FILE") },
    { "horizon", 0, 0, G_OPTION_ARG_STRING, &horizon_text,
      N_("bgnbd: weeks ahead for the expected purchases (default 39)"), N_("WEEKS") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &kinds, NULL, NULL },
    { NULL }
  };

  if (!sk_command_parse_options (context, entries, args, &help_shown, error))
    return FALSE;
  if (help_shown)
    return TRUE;

  names = kind_names ();
  if (kinds == NULL || kinds[0] == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("report needs a kind: %s"), names);
      return FALSE;
    }
  if (kinds[1] != NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("%s: unexpected argument “%s”"), context->command->name, kinds[1]);
      return FALSE;
    }

  if (g_str_equal (kinds[0], "bgnbd"))
    return report_bgnbd (summary_csv, horizon_text, error);

  kind = find_kind (kinds[0]);
  if (kind == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("report: unknown kind “%s”; use one of %s"), kinds[0], names);
      return FALSE;
    }
  if (summary_csv != NULL || horizon_text != NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--summary-csv and --horizon are for report bgnbd only"));
      return FALSE;
    }
  if (format != NULL && !g_str_equal (format, "json") && !g_str_equal (format, "csv"))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--format “%s”: use json or csv"), format);
      return FALSE;
    }
  if (business_id != NULL && !g_uuid_string_is_valid (business_id))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--business “%s” is not a business id (a UUID)"), business_id);
      return FALSE;
    }
  if (business_id == NULL && kind->needs_business)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("report %s needs --business ID"), kind->name);
      return FALSE;
    }

  config = sk_command_load_config (context, error);
  if (config == NULL)
    return FALSE;
  tz = g_time_zone_new_identifier (config->timezone);
  g_assert (tz != NULL);

  now = g_date_time_new_now (tz);
  g_date_clear (&to, 1);
  g_date_set_dmy (&to, (GDateDay) g_date_time_get_day_of_month (now),
                  (GDateMonth) g_date_time_get_month (now),
                  (GDateYear) g_date_time_get_year (now));
  if (to_text != NULL && !parse_day ("--to", to_text, tz, &to, error))
    return FALSE;
  from = to;
  g_date_subtract_days (&from, DEFAULT_PERIOD_DAYS - 1);
  if (from_text != NULL && !parse_day ("--from", from_text, tz, &from, error))
    return FALSE;
  if (g_date_compare (&from, &to) > 0)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--from is after --to"));
      return FALSE;
    }

  /* Reports only read: the analytics replica takes them off the primary when there is one. */
  if (config->analytics_url == NULL && !sk_config_require_database (config, error))
    return FALSE;
  conn = sk_analytics_connect (config->analytics_url != NULL ? config->analytics_url
                                                             : config->database_url, error);
  if (conn == NULL)
    return FALSE;

  period = sk_analytics_period_new (business_id, &from, &to);
  tables = kind->run (conn, period, NULL, error);
  if (tables == NULL)
    return FALSE;

  from_string = sk_analytics_date_string (&from);
  to_string = sk_analytics_date_string (&to);
  if (format != NULL && g_str_equal (format, "csv"))
    output = sk_report_to_csv (tables);
  else
    {
      SkReportHeader header = { kind->name, business_id, from_string, to_string };
      g_autofree char *json = sk_report_to_json (&header, tables);

      output = g_strconcat (json, "\n", NULL);
    }
  return write_all (output, error);
}

const SkCommand sk_command_report = {
  .name = "report",
  .parameters = "overview|sources|destinations|chains|rfm|churn|club|nsm|cohorts|commission|bgnbd",
  .summary = N_("Print an analytics report as JSON or CSV"),
  .flags = SK_COMMAND_NONE,
  .run = report_run,
};
