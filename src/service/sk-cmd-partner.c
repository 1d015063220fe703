/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>

#include "sk-command.h"
#include "sk-credentials.h"
#include "sk-db.h"
#include "sk-service.h"
#include "sk-sync.h"

/*
 * svoikrugd partner set-credentials --business ID --system SYSTEM [--account ACCOUNT]
 *                                   [--time-zone ZONE] [--interval-minutes N]
 *                                   [--from-file FILE]
 * svoikrugd partner list [--business ID]
 *
 * set-credentials reads one JSON object of credentials (from FILE, else from standard input,
 * so that no secret is ever on a command line), seals it with the master key and stores it,
 * creating the integration when it is missing. Nothing here prints or logs the credentials:
 * errors about them say what is wrong, never what they hold.
 */

#define ACTION_SET_CREDENTIALS "set-credentials"
#define ACTION_LIST            "list"
/* Credentials are a few tokens; anything much bigger is the wrong file. */
#define CREDENTIALS_MAX (64 * 1024)

static const char * const systems[] = {
  "yclients", "amocrm", "bitrix24", "onec", "iiko", "renovatio", NULL
};

static gboolean
is_system (const char *name)
{
  for (guint i = 0; systems[i] != NULL; i++)
    if (g_str_equal (systems[i], name))
      return TRUE;
  return FALSE;
}

static void
secret_free (char *text)
{
  if (text != NULL)
    OPENSSL_cleanse (text, strlen (text));
  g_free (text);
}

typedef char SecretText;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretText, secret_free)

/* The whole of standard input, at most CREDENTIALS_MAX bytes. */
static char *
read_stdin (GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char buffer[4096];
  ssize_t n;

  while ((n = read (STDIN_FILENO, buffer, sizeof buffer)) != 0)
    {
      if (n < 0)
        {
          OPENSSL_cleanse (buffer, sizeof buffer);
          OPENSSL_cleanse (text->str, text->len);
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_RUNTIME,
                       _("cannot read the credentials from standard input: %s"),
                       g_strerror (errno));
          return NULL;
        }
      g_string_append_len (text, buffer, n);
      if (text->len > CREDENTIALS_MAX)
        break;
    }
  OPENSSL_cleanse (buffer, sizeof buffer);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
read_credentials (const char  *path,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SecretText) text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gsize len = 0;

  if (path != NULL)
    {
      if (!g_file_get_contents (path, &text, &len, &local_error))
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                       _("cannot read the credentials: %s"), local_error->message);
          return NULL;
        }
    }
  else
    {
      text = read_stdin (error);
      if (text == NULL)
        return NULL;
      len = strlen (text);
    }

  if (len > CREDENTIALS_MAX)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("the credentials are larger than %d bytes"), CREDENTIALS_MAX);
      return NULL;
    }

  /* The parser's message may quote the text: only say that it is not JSON. */
  if (strlen (text) != len || !g_utf8_validate (text, -1, NULL) ||
      !json_parser_load_from_data (parser, text, -1, NULL))
    {
      g_set_error_literal (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                           _("the credentials are not valid JSON"));
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      json_object_get_size (json_node_get_object (root)) == 0)
    {
      g_set_error_literal (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                           _("the credentials must be a JSON object with at least one member"));
      return NULL;
    }

  return g_steal_pointer (&text);
}

static gboolean
check_business (const char  *business_id,
                GError     **error)
{
  if (business_id == NULL)
    {
      g_set_error_literal (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                           _("--business is required"));
      return FALSE;
    }
  if (!g_uuid_string_is_valid (business_id))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--business “%s” is not a business id (a UUID)"), business_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_credentials (SkConfig    *config,
                 const char  *business_id,
                 const char  *system,
                 const char  *account_id,
                 const char  *time_zone,
                 const char  *interval_text,
                 const char  *from_file,
                 GError     **error)
{
  g_autoptr(SkMasterKey) key = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(SecretText) json = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *systems_text = g_strjoinv (", ", (char **) systems);
  guint64 interval_minutes = 0;
  gint64 id;

  if (!check_business (business_id, error))
    return FALSE;
  if (system == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--system is required: one of %s"), systems_text);
      return FALSE;
    }
  if (!is_system (system))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--system “%s” is not a partner system; use one of %s"),
                   system, systems_text);
      return FALSE;
    }
  if (account_id != NULL && g_utf8_strlen (account_id, -1) > 200)
    {
      g_set_error_literal (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                           _("--account is longer than 200 characters"));
      return FALSE;
    }
  if (time_zone != NULL)
    {
      tz = g_time_zone_new_identifier (time_zone);
      if (tz == NULL)
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                       _("--time-zone “%s” is not a known time zone"), time_zone);
          return FALSE;
        }
    }
  if (interval_text != NULL &&
      !g_ascii_string_to_unsigned (interval_text, 10, 1, 1440, &interval_minutes, NULL))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("--interval-minutes “%s” is not a number of minutes between 1 and 1440"),
                   interval_text);
      return FALSE;
    }

  key = sk_config_load_master_key (config, error);
  if (key == NULL)
    return FALSE;

  json = read_credentials (from_file, error);
  if (json == NULL)
    return FALSE;

  conn = sk_db_connect (config->database_url, error);
  if (conn == NULL)
    return FALSE;

  id = sk_credentials_store (conn, key, business_id, system, account_id, time_zone,
                             (guint) interval_minutes, json, &local_error);
  if (id == 0)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_RUNTIME,
                   _("cannot store the credentials: %s"), local_error->message);
      return FALSE;
    }

  g_print (_("Stored the %s credentials of business %s (integration %" PRId64 ")\n"),
           system, business_id, (int64_t) id);
  return TRUE;
}

static char *
format_time (gint64     usec,
             GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (usec == 0)
    return g_strdup ("-");

  utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (utc == NULL)
    return g_strdup ("?");
  local = g_date_time_to_timezone (utc, tz);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

/* Pads @text to @width characters (not bytes: headers are translated). */
static void
append_cell (GString    *line,
             const char *text,
             guint       width,
             gboolean    last)
{
  g_string_append (line, text);
  if (last)
    return;
  for (glong n = g_utf8_strlen (text, -1); n < (glong) width + 2; n++)
    g_string_append_c (line, ' ');
}

#define N_COLUMNS 9

static gboolean
list (SkConfig    *config,
      const char  *business_id,
      GError     **error)
{
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(GPtrArray) integrations = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (config->timezone);
  guint widths[N_COLUMNS] = { 0, };
  char **header;

  if (business_id != NULL && !check_business (business_id, error))
    return FALSE;

  conn = sk_db_connect (config->database_url, error);
  if (conn == NULL)
    return FALSE;

  integrations = sk_sync_list_integrations (conn, business_id, error);
  if (integrations == NULL)
    return FALSE;

  if (integrations->len == 0)
    {
      g_print ("%s\n", _("No partner integrations"));
      return TRUE;
    }

  header = g_new0 (char *, N_COLUMNS + 1);
  header[0] = g_strdup (_("BUSINESS"));
  header[1] = g_strdup (_("SYSTEM"));
  header[2] = g_strdup (_("ACCOUNT"));
  header[3] = g_strdup (_("ENABLED"));
  header[4] = g_strdup (_("CREDENTIALS"));
  header[5] = g_strdup (_("INTERVAL"));
  header[6] = g_strdup (_("LAST SUCCESS"));
  header[7] = g_strdup (_("LAST FAILURE"));
  header[8] = g_strdup (_("FAILURES"));
  g_ptr_array_add (rows, header);

  for (guint i = 0; i < integrations->len; i++)
    {
      const SkIntegrationInfo *info = g_ptr_array_index (integrations, i);
      char **row = g_new0 (char *, N_COLUMNS + 1);

      row[0] = g_strdup (info->business_id);
      row[1] = g_strdup (info->system);
      row[2] = g_strdup (*info->account_id != '\0' ? info->account_id : "-");
      row[3] = g_strdup (info->enabled ? _("yes") : _("no"));
      row[4] = g_strdup (info->has_credentials ? _("stored") : _("none"));
      row[5] = g_strdup_printf (_("%u min"), info->interval_minutes);
      row[6] = format_time (info->last_success_at, tz);
      row[7] = format_time (info->last_failure_at, tz);
      row[8] = g_strdup_printf ("%u", info->consecutive_failures);
      g_ptr_array_add (rows, row);
    }

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);

      for (guint c = 0; c < N_COLUMNS; c++)
        widths[c] = MAX (widths[c], (guint) g_utf8_strlen (row[c], -1));
    }

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; c < N_COLUMNS; c++)
        append_cell (line, row[c], widths[c], c == N_COLUMNS - 1);
      g_print ("%s\n", line->str);
    }
  return TRUE;
}

static gboolean
partner_run (const SkCommandContext  *context,
             GStrv                   *args,
             GError                 **error)
{
  g_autoptr(SkConfig) config = NULL;
  g_autofree char *business_id = NULL;
  g_autofree char *system = NULL;
  g_autofree char *account_id = NULL;
  g_autofree char *time_zone = NULL;
  g_autofree char *from_file = NULL;
  g_autofree char *interval_text = NULL;
  g_auto(GStrv) actions = NULL;
  gboolean help_shown;
  const GOptionEntry entries[] = {
    { "business", 0, 0, G_OPTION_ARG_STRING, &business_id,
      N_("The partner’s business id"), N_("ID") },
    { "system", 0, 0, G_OPTION_ARG_STRING, &system,
      N_("set-credentials: the partner’s system: yclients, amocrm, bitrix24, onec, iiko "
         "or renovatio"), N_("SYSTEM") },
    { "account", 0, 0, G_OPTION_ARG_STRING, &account_id,
      N_("set-credentials: the partner’s account or company in that system"), N_("ACCOUNT") },
    { "time-zone", 0, 0, G_OPTION_ARG_STRING, &time_zone,
      N_("set-credentials: the zone of the system’s times without an offset "
         "(default Europe/Moscow)"), N_("ZONE") },
    { "interval-minutes", 0, 0, G_OPTION_ARG_STRING, &interval_text,
      N_("set-credentials: minutes between syncs, 1 to 1440 (default 15)"), N_("N") },
    { "from-file", 0, 0, G_OPTION_ARG_FILENAME, &from_file,
      N_("set-credentials: read the credentials (a JSON object) from FILE instead of "
         "standard input"), N_("FILE") },
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
                   _("partner needs an action: %s or %s"), ACTION_SET_CREDENTIALS, ACTION_LIST);
      return FALSE;
    }
  if (!g_str_equal (actions[0], ACTION_SET_CREDENTIALS) && !g_str_equal (actions[0], ACTION_LIST))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("partner: unknown action “%s”; use %s or %s"),
                   actions[0], ACTION_SET_CREDENTIALS, ACTION_LIST);
      return FALSE;
    }
  if (actions[1] != NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("%s: unexpected argument “%s”"), context->command->name, actions[1]);
      return FALSE;
    }
  if (g_str_equal (actions[0], ACTION_LIST) &&
      (system != NULL || account_id != NULL || time_zone != NULL || interval_text != NULL ||
       from_file != NULL))
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_USAGE,
                   _("partner list takes only --business"));
      return FALSE;
    }

  config = sk_command_load_config (context, error);
  if (config == NULL)
    return FALSE;

  if (g_str_equal (actions[0], ACTION_LIST))
    return list (config, business_id, error);
  return set_credentials (config, business_id, system, account_id, time_zone,
                          interval_text, from_file, error);
}

const SkCommand sk_command_partner = {
  .name = "partner",
  .parameters = ACTION_SET_CREDENTIALS "|" ACTION_LIST,
  .summary = N_("Set a partner system’s credentials or list the integrations"),
  .flags = SK_COMMAND_NEEDS_DATABASE,
  .run = partner_run,
};
