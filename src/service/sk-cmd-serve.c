/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "sk-command.h"
#include "sk-job-scheduler.h"
#include "sk-server.h"
#include "sk-service.h"
#include "sk-sync-scheduler.h"

static gboolean
quit_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

/* The partners' sync needs both keys; without them the service still serves and runs the
 * jobs, and says once why it does not sync. */
static SkSyncScheduler *
new_sync_scheduler (SkConfig *config)
{
  g_autoptr(SkMasterKey) master_key = NULL;
  g_autoptr(GBytes) phone_key = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GError) error = NULL;

  master_key = sk_config_load_master_key (config, &error);
  if (master_key != NULL)
    phone_key = sk_config_load_phone_hash_key (config, &error);
  if (phone_key == NULL)
    {
      g_message (_("partner sync is off: %s"), error->message);
      return NULL;
    }

  tz = g_time_zone_new_identifier (config->timezone);
  g_assert (tz != NULL);
  return sk_sync_scheduler_new (config->database_url,
                                sk_sync_runner_new (g_steal_pointer (&master_key), phone_key),
                                tz, config->sync_tick_seconds);
}

static gboolean
serve_run (const SkCommandContext  *context,
           GStrv                   *args,
           GError                 **error)
{
  g_autoptr(SkConfig) config = NULL;
  g_autoptr(SkServer) server = NULL;
  g_autoptr(SkJobScheduler) scheduler = NULL;
  g_autoptr(SkSyncScheduler) sync_scheduler = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *address = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *uri = NULL;
  gboolean help_shown;
  guint sigint_id;
  guint sigterm_id;
  guint port;
  const GOptionEntry entries[] = {
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
      N_("Listen on ADDRESS instead of [server] address"), N_("ADDRESS") },
    { "port", 'p', 0, G_OPTION_ARG_STRING, &port_text,
      N_("Listen on PORT instead of [server] port (0: any free port)"), N_("PORT") },
    { NULL }
  };

  if (!sk_command_parse_options (context, entries, args, &help_shown, error))
    return FALSE;
  if (help_shown)
    return TRUE;

  config = sk_command_load_config (context, error);
  if (config == NULL)
    return FALSE;

  port = config->port;
  if (port_text != NULL && !sk_config_parse_port (port_text, TRUE, &port))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--port \"%s\" is not a number between 0 and 65535"), port_text);
      return FALSE;
    }
  if (address != NULL)
    {
      g_autoptr(GInetAddress) parsed = g_inet_address_new_from_string (address);

      if (parsed == NULL)
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                       _("--address \"%s\" is not an IP address"), address);
          return FALSE;
        }
    }

  server = sk_server_new (config->database_url);
  if (!sk_server_listen (server, address ? address : config->listen_address, port, error))
    {
      g_prefix_error (error, _("cannot listen on %s port %u: "),
                      address ? address : config->listen_address, port);
      return FALSE;
    }

  /* Scripts and tests read the real port (when 0 was asked for) from this line, so it is
   * never translated. */
  uri = sk_server_dup_uri (server);
  g_print ("svoikrugd: listening on %s\n", uri);
  fflush (stdout);

  scheduler = sk_job_scheduler_new (config->database_url, config->jobs_interval_minutes);
  sk_job_scheduler_start (scheduler);
  sync_scheduler = new_sync_scheduler (config);
  if (sync_scheduler != NULL)
    sk_sync_scheduler_start (sync_scheduler);

  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_cb, loop);

  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  sk_job_scheduler_stop (scheduler);
  if (sync_scheduler != NULL)
    sk_sync_scheduler_stop (sync_scheduler);
  sk_server_shutdown (server);

  g_print ("%s\n", _("svoikrugd: stopped"));
  return TRUE;
}

const SkCommand sk_command_serve = {
  .name = "serve",
  .summary = N_("Serve the HTTP API (for now GET /healthz) and run the jobs and partner syncs on "
               "schedule"),
  .flags = SK_COMMAND_NEEDS_DATABASE,
  .run = serve_run,
};
