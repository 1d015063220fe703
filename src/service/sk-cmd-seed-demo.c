/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include <inttypes.h>
#include "config.h"

#include <stdio.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "sk-command.h"
#include "sk-demo.h"
#include "sk-service.h"

typedef struct
{
  gboolean  tty;
  char     *stage;
  int       last_step;
} Progress;

/* Long loads report on stderr: a line per stage and per tenth (or one updated line on a
 * terminal). */
static void
progress_cb (const char *stage,
             guint64     done,
             guint64     total,
             gpointer    user_data)
{
  Progress *progress = user_data;
  int step = total > 0 ? (int) (done * 10 / total) : 10;

  if (g_strcmp0 (progress->stage, stage) != 0)
    {
      if (progress->tty && progress->stage != NULL)
        fputc ('\n', stderr);
      g_free (progress->stage);
      progress->stage = g_strdup (stage);
      progress->last_step = -1;
    }

  if (!progress->tty && step == progress->last_step)
    return;
  progress->last_step = step;

  fprintf (stderr, progress->tty ? "\r%s: %s %" PRIu64 "/%" PRIu64
                                 : "%s: %s %" PRIu64 "/%" PRIu64 "\n",
           "svoikrugd", stage, done, total);
  fflush (stderr);
}

static gboolean
seed_demo_run (const SkCommandContext  *context,
               GStrv                   *args,
               GError                 **error)
{
  g_autoptr(SkConfig) config = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autofree char *until = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) now = NULL;
  SkDemoOptions options;
  GDate today;
  SkDemoCounts counts = { 0, };
  Progress progress = { 0, };
  gboolean help_shown;
  gboolean ok;
  int members = SK_DEMO_DEFAULT_MEMBERS;
  int months = SK_DEMO_DEFAULT_MONTHS;
  gint64 seed = SK_DEMO_DEFAULT_SEED;
  gboolean replace = FALSE;
  char until_text[16];
  const GOptionEntry entries[] = {
    { "members", 0, 0, G_OPTION_ARG_INT, &members,
      N_("Number of members (default 500)"), "N" },
    { "months", 0, 0, G_OPTION_ARG_INT, &months,
      N_("Months of purchase history (default 12)"), "M" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed,
      N_("Random seed: the same seed gives the same data (default 1)"), "S" },
    { "until", 0, 0, G_OPTION_ARG_STRING, &until,
      N_("Last day of the history (default yesterday)"), N_("YYYY-MM-DD") },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("Replace the data of an earlier seed-demo"), NULL },
    { NULL }
  };

  if (!sk_command_parse_options (context, entries, args, &help_shown, error))
    return FALSE;
  if (help_shown)
    return TRUE;

  if (members < 1 || members > SK_DEMO_MAX_MEMBERS)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--members must be between 1 and %d"), SK_DEMO_MAX_MEMBERS);
      return FALSE;
    }
  if (months < 1 || months > SK_DEMO_MAX_MONTHS)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--months must be between 1 and %d"), SK_DEMO_MAX_MONTHS);
      return FALSE;
    }

  sk_demo_options_init (&options);
  options.members = (guint) members;
  options.months = (guint) months;
  options.seed = (guint64) seed;
  options.replace = replace;

  if (until != NULL)
    {
      guint64 y, m, d;
      g_auto(GStrv) parts = g_strsplit (until, "-", -1);

      if (g_strv_length (parts) != 3 ||
          !g_ascii_string_to_unsigned (parts[0], 10, 2000, 2100, &y, NULL) ||
          !g_ascii_string_to_unsigned (parts[1], 10, 1, 12, &m, NULL) ||
          !g_ascii_string_to_unsigned (parts[2], 10, 1, 31, &d, NULL) ||
          !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                       _("--until \"%s\" is not a date (YYYY-MM-DD)"), until);
          return FALSE;
        }
      g_date_set_dmy (&options.until, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
    }

  config = sk_command_load_config (context, error);
  if (config == NULL)
    return FALSE;
  options.timezone = config->timezone;

  /* Purchases are never dated in the future. */
  tz = g_time_zone_new_identifier (config->timezone);
  now = g_date_time_new_now (tz);
  g_date_clear (&today, 1);
  g_date_set_dmy (&today, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                  g_date_time_get_year (now));
  if (!g_date_valid (&options.until))
    {
      /* Yesterday: the whole of the last day is history, and the data stay the same all day. */
      options.until = today;
      g_date_subtract_days (&options.until, 1);
    }
  else if (g_date_compare (&options.until, &today) > 0)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--until \"%s\" is in the future"), until);
      return FALSE;
    }

  conn = sk_db_connect (config->database_url, error);
  if (conn == NULL)
    return FALSE;

  progress.tty = isatty (STDERR_FILENO);
  ok = sk_demo_load (conn, &options, progress_cb, &progress, &counts, error);
  if (progress.tty && progress.stage != NULL)
    fputc ('\n', stderr);
  g_free (progress.stage);
  if (!ok)
    return FALSE;

  g_date_strftime (until_text, sizeof until_text, "%Y-%m-%d", &options.until);
  g_print (_("seeded %" PRIu64 " members, %" PRIu64 " partners, %"
             PRIu64 " purchases, %" PRIu64 " events, %" PRIu64
             " proposals (seed %" PRId64 ", %d months until %s)\n"),
           counts.members, counts.businesses, counts.purchases, counts.events,
           counts.proposals, seed, months, until_text);
  return TRUE;
}

const SkCommand sk_command_seed_demo = {
  .name = "seed-demo",
  .summary = N_("Fill the database with demo data shaped like the pilot"),
  .flags = SK_COMMAND_NEEDS_DATABASE,
  .run = seed_demo_run,
};
