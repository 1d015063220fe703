/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include <glib/gi18n.h>

#include "sk-command.h"
#include "sk-db.h"
#include "sk-migrate.h"

static gboolean
migrate_run (const SkCommandContext  *context,
             GStrv                   *args,
             GError                 **error)
{
  g_autoptr(SkConfig) config = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(GPtrArray) applied = NULL;
  gboolean help_shown;

  if (!sk_command_parse_options (context, NULL, args, &help_shown, error))
    return FALSE;
  if (help_shown)
    return TRUE;

  config = sk_command_load_config (context, error);
  if (config == NULL)
    return FALSE;

  conn = sk_db_connect (config->database_url, error);
  if (conn == NULL)
    return FALSE;

  if (!sk_db_migrate (conn, config->migrations_dir, &applied, error))
    return FALSE;

  for (guint i = 0; i < applied->len; i++)
    g_print (_("applied %s\n"), (const char *) g_ptr_array_index (applied, i));
  if (applied->len == 0)
    g_print ("%s\n", _("database is up to date"));

  return TRUE;
}

const SkCommand sk_command_migrate = {
  .name = "migrate",
  .summary = N_("Apply the database migrations that are not applied yet"),
  .flags = SK_COMMAND_NEEDS_DATABASE,
  .run = migrate_run,
};
