/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <glib/gi18n.h>

#include "sk-command.h"
#include "sk-db.h"
#include "sk-service.h"
#include "sk-sync-runner.h"
#include "sk-sync.h"

/*
 * svoikrugd sync [--business ID] [--since TIME]
 *
 * One pass by hand over the partners `serve` would sync now (the due ones), or over every
 * enabled integration of one business, one after the other on one connection. Prints one
 * summary line per partner; a partner another instance is syncing is reported, not waited
 * for. --since starts this run's window at TIME instead of the stored cursor (which the run
 * still advances, as any run does).
 */

static GArray *
business_integrations (PGconn      *conn,
                       const char  *business_id,
                       GError     **error)
{
  g_autoptr(GPtrArray) list = sk_sync_list_integrations (conn, business_id, error);
  GArray *ids;

  if (list == NULL)
    return NULL;

  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < list->len; i++)
    {
      const SkIntegrationInfo *info = g_ptr_array_index (list, i);

      if (info->enabled)
        g_array_append_val (ids, info->id);
    }
  return ids;
}

static gboolean
sync_run (const SkCommandContext  *context,
          GStrv                   *args,
          GError                 **error)
{
  g_autoptr(SkConfig) config = NULL;
  g_autoptr(SkSyncRunner) runner = NULL;
  g_autoptr(SkMasterKey) master_key = NULL;
  g_autoptr(GBytes) phone_key = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) since = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *business_id = NULL;
  g_autofree char *since_text = NULL;
  g_autofree char *cursor = NULL;
  gboolean help_shown;
  guint failed = 0;
  const GOptionEntry entries[] = {
    { "business", 0, 0, G_OPTION_ARG_STRING, &business_id,
      N_("Sync every enabled integration of this business (its id), due or not"), N_("ID") },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since_text,
      N_("Fetch from TIME (ISO 8601, e.g. 2026-01-15 or 2026-01-15T03:00:00+03:00) instead "
         "of where the last run ended"), N_("TIME") },
    { NULL }
  };

  if (!sk_command_parse_options (context, entries, args, &help_shown, error))
    return FALSE;
  if (help_shown)
    return TRUE;

  if (business_id != NULL && !g_uuid_string_is_valid (business_id))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--business “%s” is not a business id (a UUID)"), business_id);
      return FALSE;
    }

  config = sk_command_load_config (context, error);
  if (config == NULL)
    return FALSE;
  tz = g_time_zone_new_identifier (config->timezone);
  g_assert (tz != NULL);

  if (since_text != NULL)
    {
      since = sk_command_parse_time (since_text, tz);
      if (since == NULL)
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                       _("--since “%s” is not a date or time in ISO 8601 "
                         "(e.g. 2026-01-15 or 2026-01-15T03:00:00+03:00)"), since_text);
          return FALSE;
        }
      /* The connectors' cursor: the unix microseconds the last window ended at. */
      cursor = g_strdup_printf ("%" G_GINT64_FORMAT, g_date_time_to_unix (since) * G_USEC_PER_SEC);
    }

  master_key = sk_config_load_master_key (config, error);
  if (master_key == NULL)
    return FALSE;
  phone_key = sk_config_load_phone_hash_key (config, error);
  if (phone_key == NULL)
    return FALSE;
  runner = sk_sync_runner_new (g_steal_pointer (&master_key), phone_key);

  conn = sk_db_connect (config->database_url, error);
  if (conn == NULL)
    return FALSE;

  ids = business_id != NULL ? business_integrations (conn, business_id, error)
                            : sk_sync_due (conn, error);
  if (ids == NULL)
    return FALSE;

  if (ids->len == 0)
    {
      g_print ("%s\n", business_id != NULL ? _("No enabled partner integrations")
                                           : _("No partner is due for a sync"));
      return TRUE;
    }

  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(SkSyncSummary) summary = NULL;
      g_autofree char *line = NULL;

      summary = sk_sync_runner_run (runner, conn, g_array_index (ids, gint64, i), cursor, NULL);
      line = sk_sync_summary_describe (summary, tz);
      g_print ("%s\n", line);
      fflush (stdout);
      if (sk_sync_summary_failed (summary))
        failed++;
    }

  if (failed > 0)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_RUNTIME,
                   g_dngettext (GETTEXT_PACKAGE,
                                "%u of %u partner syncs failed",
                                "%u of %u partner syncs failed",
                                ids->len),
                   failed, ids->len);
      return FALSE;
    }
  return TRUE;
}

const SkCommand sk_command_sync = {
  .name = "sync",
  .summary = N_("Sync the partners that are due, or every one of a business, once"),
  .flags = SK_COMMAND_NEEDS_DATABASE,
  .run = sync_run,
};
