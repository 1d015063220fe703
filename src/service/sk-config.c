/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-service"

#include "config.h"

#include "sk-config.h"
#include "sk-service.h"

#include <errno.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#ifndef SK_DEFAULT_CONFIG
# define SK_DEFAULT_CONFIG "/etc/svoikrug/svoikrugd.conf"
#endif
#ifndef SK_MIGRATIONS_DIR
# define SK_MIGRATIONS_DIR "/usr/share/svoikrug/migrations"
#endif

/* The ledger's hold and expiry are counted in days: the jobs run at least daily. */
#define JOBS_INTERVAL_MAX 1440
/* The sync scheduler looks for due partners at least hourly. */
#define SYNC_TICK_MAX 3600

/* Every key the file may hold: anything else is a typo and refused. */
static const struct
{
  const char *group;
  const char *key;
} known_keys[] = {
  { "database", "url" },
  { "database", "analytics-url" },
  { "server",   "address" },
  { "server",   "port" },
  { "club",     "timezone" },
  { "paths",    "migrations" },
  { "security", "phone-hash-key-file" },
  { "security", "master-key-file" },
  { "jobs",     "interval-minutes" },
  { "sync",     "tick-seconds" },
};

const char *
sk_config_default_path (void)
{
  return SK_DEFAULT_CONFIG;
}

void
sk_config_free (SkConfig *self)
{
  if (self == NULL)
    return;

  g_free (self->path);
  g_free (self->database_url);
  g_free (self->analytics_url);
  g_free (self->listen_address);
  g_free (self->timezone);
  g_free (self->migrations_dir);
  g_free (self->phone_hash_key_file);
  if (self->phone_hash_key != NULL)
    memset (self->phone_hash_key, 0, strlen (self->phone_hash_key));
  g_free (self->phone_hash_key);
  g_free (self->master_key_file);
  if (self->master_key != NULL)
    memset (self->master_key, 0, strlen (self->master_key));
  g_free (self->master_key);
  g_free (self);
}

/**
 * sk_config_parse_port:
 * @allow_zero: whether 0 ("pick a free port", for tests) is accepted
 *
 * Returns: %TRUE if @text is a decimal port number.
 */
gboolean
sk_config_parse_port (const char *text,
                      gboolean    allow_zero,
                      guint      *port)
{
  guint64 value;

  g_return_val_if_fail (port != NULL, FALSE);

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, allow_zero ? 0 : 1, 65535,
                                                   &value, NULL))
    return FALSE;

  *port = (guint) value;
  return TRUE;
}

static gboolean
is_known_group (const char *group)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_keys); i++)
    if (g_str_equal (known_keys[i].group, group))
      return TRUE;
  return FALSE;
}

static gboolean
is_known_key (const char *group,
              const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_keys); i++)
    if (g_str_equal (known_keys[i].group, group) && g_str_equal (known_keys[i].key, key))
      return TRUE;
  return FALSE;
}

static gboolean
check_keys (GKeyFile    *file,
            const char  *path,
            GError     **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (file, NULL);

  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) keys = NULL;

      if (!is_known_group (groups[i]))
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                       _("%s: unknown group [%s]"), path, groups[i]);
          return FALSE;
        }

      keys = g_key_file_get_keys (file, groups[i], NULL, NULL);
      for (guint j = 0; keys != NULL && keys[j] != NULL; j++)
        if (!is_known_key (groups[i], keys[j]))
          {
            g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                         _("%s: unknown key \"%s\" in [%s]"), path, keys[j], groups[i]);
            return FALSE;
          }
    }

  return TRUE;
}

/* Replaces *@field with the key's value when the file has it (an empty value counts as unset). */
static gboolean
take_string (GKeyFile    *file,
             const char  *path,
             const char  *group,
             const char  *key,
             char       **field,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *value = NULL;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;

  value = g_key_file_get_string (file, group, key, &local_error);
  if (value == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                   _("%s: [%s] %s: %s"), path, group, key, local_error->message);
      return FALSE;
    }

  if (*value != '\0')
    {
      g_free (*field);
      *field = g_steal_pointer (&value);
    }
  return TRUE;
}

static void
take_env (const char  *name,
          char       **field)
{
  const char *value = g_getenv (name);

  if (value != NULL && *value != '\0')
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

/* Where a value came from, for messages: "FILE: [group] key" or the environment variable. */
static char *
describe_source (const char *path,
                 const char *group,
                 const char *key,
                 const char *env_name,
                 gboolean    from_env)
{
  if (from_env)
    return g_strdup (env_name);
  return g_strdup_printf ("%s: [%s] %s", path, group, key);
}

static gboolean
load_file (SkConfig    *self,
           const char  *path,
           gboolean     must_exist,
           char       **port_text,
           char       **interval_text,
           char       **tick_text,
           GError     **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (!must_exist && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;

      if (local_error->domain == G_KEY_FILE_ERROR &&
          local_error->code != G_KEY_FILE_ERROR_NOT_FOUND)
        g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                     _("%s: not a configuration file: %s"), path, local_error->message);
      else
        g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                     _("%s: cannot read the configuration: %s"), path, local_error->message);
      return FALSE;
    }

  self->path = g_strdup (path);

  return check_keys (file, path, error) &&
         take_string (file, path, "database", "url", &self->database_url, error) &&
         take_string (file, path, "database", "analytics-url", &self->analytics_url, error) &&
         take_string (file, path, "server", "address", &self->listen_address, error) &&
         take_string (file, path, "server", "port", port_text, error) &&
         take_string (file, path, "club", "timezone", &self->timezone, error) &&
         take_string (file, path, "paths", "migrations", &self->migrations_dir, error) &&
         take_string (file, path, "security", "phone-hash-key-file", &self->phone_hash_key_file,
                      error) &&
         take_string (file, path, "security", "master-key-file", &self->master_key_file,
                      error) &&
         take_string (file, path, "jobs", "interval-minutes", interval_text, error) &&
         take_string (file, path, "sync", "tick-seconds", tick_text, error);
}

/**
 * sk_config_load:
 * @explicit_path: (nullable): the file named by `--config`, which must exist
 *
 * Reads the configuration: built-in defaults, then the key file (@explicit_path, else
 * `SVOIKRUG_CONFIG`, else the default path, which may be missing), then the environment
 * (SVOIKRUG_DATABASE_URL, SVOIKRUG_ANALYTICS_DATABASE_URL, SVOIKRUG_LISTEN_ADDRESS,
 * SVOIKRUG_PORT, SVOIKRUG_MIGRATIONS_DIR, SVOIKRUG_TIMEZONE, SVOIKRUG_PHONE_HASH_KEY,
 * SVOIKRUG_JOBS_INTERVAL_MINUTES, SVOIKRUG_MASTER_KEY, SVOIKRUG_SYNC_TICK_SECONDS), and
 * validates the result.
 *
 * Returns: (transfer full): the configuration, or %NULL with one readable line in @error
 *   (%SK_SERVICE_ERROR_CONFIG).
 */
SkConfig *
sk_config_load (const char  *explicit_path,
                GError     **error)
{
  g_autoptr(SkConfig) self = g_new0 (SkConfig, 1);
  g_autofree char *port_text = NULL;
  g_autofree char *interval_text = NULL;
  g_autofree char *tick_text = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *path = explicit_path;
  gboolean must_exist = TRUE;
  gboolean port_from_env = FALSE;
  gboolean tz_from_env = FALSE;
  gboolean address_from_env = FALSE;
  gboolean interval_from_env = FALSE;
  gboolean tick_from_env = FALSE;

  self->listen_address = g_strdup (SK_CONFIG_DEFAULT_ADDRESS);
  self->port = SK_CONFIG_DEFAULT_PORT;
  self->timezone = g_strdup (SK_CONFIG_DEFAULT_TIMEZONE);
  self->migrations_dir = g_strdup (SK_MIGRATIONS_DIR);
  self->jobs_interval_minutes = SK_CONFIG_DEFAULT_JOBS_INTERVAL;
  self->sync_tick_seconds = SK_CONFIG_DEFAULT_SYNC_TICK;

  if (path == NULL)
    path = g_getenv ("SVOIKRUG_CONFIG");
  if (path == NULL || *path == '\0')
    {
      path = SK_DEFAULT_CONFIG;
      must_exist = FALSE;
    }

  if (!load_file (self, path, must_exist, &port_text, &interval_text, &tick_text, error))
    return NULL;

  take_env ("SVOIKRUG_DATABASE_URL", &self->database_url);
  take_env ("SVOIKRUG_ANALYTICS_DATABASE_URL", &self->analytics_url);
  take_env ("SVOIKRUG_MIGRATIONS_DIR", &self->migrations_dir);
  take_env ("SVOIKRUG_PHONE_HASH_KEY", &self->phone_hash_key);
  take_env ("SVOIKRUG_MASTER_KEY", &self->master_key);
  if (g_getenv ("SVOIKRUG_PORT") != NULL && *g_getenv ("SVOIKRUG_PORT") != '\0')
    {
      port_from_env = TRUE;
      take_env ("SVOIKRUG_PORT", &port_text);
    }
  if (g_getenv ("SVOIKRUG_TIMEZONE") != NULL && *g_getenv ("SVOIKRUG_TIMEZONE") != '\0')
    {
      tz_from_env = TRUE;
      take_env ("SVOIKRUG_TIMEZONE", &self->timezone);
    }
  if (g_getenv ("SVOIKRUG_LISTEN_ADDRESS") != NULL &&
      *g_getenv ("SVOIKRUG_LISTEN_ADDRESS") != '\0')
    {
      address_from_env = TRUE;
      take_env ("SVOIKRUG_LISTEN_ADDRESS", &self->listen_address);
    }
  if (g_getenv ("SVOIKRUG_JOBS_INTERVAL_MINUTES") != NULL &&
      *g_getenv ("SVOIKRUG_JOBS_INTERVAL_MINUTES") != '\0')
    {
      interval_from_env = TRUE;
      take_env ("SVOIKRUG_JOBS_INTERVAL_MINUTES", &interval_text);
    }
  if (g_getenv ("SVOIKRUG_SYNC_TICK_SECONDS") != NULL &&
      *g_getenv ("SVOIKRUG_SYNC_TICK_SECONDS") != '\0')
    {
      tick_from_env = TRUE;
      take_env ("SVOIKRUG_SYNC_TICK_SECONDS", &tick_text);
    }

  if (port_text != NULL && !sk_config_parse_port (port_text, FALSE, &self->port))
    {
      g_autofree char *where = describe_source (self->path, "server", "port",
                                                "SVOIKRUG_PORT", port_from_env);

      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                   _("%s \"%s\" is not a number between 1 and 65535"), where, port_text);
      return NULL;
    }

  if (interval_text != NULL)
    {
      guint64 minutes;

      if (!g_ascii_string_to_unsigned (interval_text, 10, 1, JOBS_INTERVAL_MAX, &minutes, NULL))
        {
          g_autofree char *where = describe_source (self->path, "jobs", "interval-minutes",
                                                    "SVOIKRUG_JOBS_INTERVAL_MINUTES",
                                                    interval_from_env);

          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                       _("%s \"%s\" is not a number of minutes between 1 and 1440"),
                       where, interval_text);
          return NULL;
        }
      self->jobs_interval_minutes = (guint) minutes;
    }

  if (tick_text != NULL)
    {
      guint64 seconds;

      if (!g_ascii_string_to_unsigned (tick_text, 10, 1, SYNC_TICK_MAX, &seconds, NULL))
        {
          g_autofree char *where = describe_source (self->path, "sync", "tick-seconds",
                                                    "SVOIKRUG_SYNC_TICK_SECONDS",
                                                    tick_from_env);

          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                       _("%s \"%s\" is not a number of seconds between 1 and 3600"),
                       where, tick_text);
          return NULL;
        }
      self->sync_tick_seconds = (guint) seconds;
    }

  address = g_inet_address_new_from_string (self->listen_address);
  if (address == NULL)
    {
      g_autofree char *where = describe_source (self->path, "server", "address",
                                                "SVOIKRUG_LISTEN_ADDRESS", address_from_env);

      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                   _("%s \"%s\" is not an IP address"), where, self->listen_address);
      return NULL;
    }

  tz = g_time_zone_new_identifier (self->timezone);
  if (tz == NULL)
    {
      g_autofree char *where = describe_source (self->path, "club", "timezone",
                                                "SVOIKRUG_TIMEZONE", tz_from_env);

      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                   _("%s \"%s\" is not a known time zone"), where, self->timezone);
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * sk_config_require_database:
 *
 * Returns: %TRUE if a database URL is configured; else sets @error (a configuration error).
 */
gboolean
sk_config_require_database (SkConfig  *self,
                            GError   **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->database_url != NULL)
    return TRUE;

  g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
               _("no database URL: set [database] url in %s or SVOIKRUG_DATABASE_URL"),
               self->path ? self->path : SK_DEFAULT_CONFIG);
  return FALSE;
}

/* Shorter keys are guessable, and the phone hashes are only as private as the key. */
#define PHONE_HASH_KEY_MIN 16

/**
 * sk_config_load_phone_hash_key:
 *
 * The key of the customers' phone hashes (sk_customer_hash()): SVOIKRUG_PHONE_HASH_KEY, else
 * the contents of `[security] phone-hash-key-file` without trailing white space. It is kept
 * outside the database; only the commands that hash phones need it.
 *
 * Returns: (transfer full): the key bytes, or %NULL with @error set (a configuration error)
 */
GBytes *
sk_config_load_phone_hash_key (SkConfig  *self,
                               GError   **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *where;
  gsize len;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->phone_hash_key != NULL)
    {
      where = "SVOIKRUG_PHONE_HASH_KEY";
      contents = g_strdup (self->phone_hash_key);
    }
  else if (self->phone_hash_key_file != NULL)
    {
      where = self->phone_hash_key_file;
      if (!g_file_get_contents (self->phone_hash_key_file, &contents, NULL, &local_error))
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                       _("cannot read the phone hash key: %s"), local_error->message);
          return NULL;
        }
    }
  else
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                   _("no phone hash key: set [security] phone-hash-key-file in %s or "
                     "SVOIKRUG_PHONE_HASH_KEY"),
                   self->path ? self->path : SK_DEFAULT_CONFIG);
      return NULL;
    }

  g_strchomp (contents);
  len = strlen (contents);
  if (len < PHONE_HASH_KEY_MIN)
    {
      memset (contents, 0, len);
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                   _("%s: the phone hash key must be at least %d bytes long"),
                   where, PHONE_HASH_KEY_MIN);
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&contents), len);
}

/**
 * sk_config_load_master_key:
 *
 * The master key of the partners' stored credentials (src/db/sk-credentials.c):
 * SVOIKRUG_MASTER_KEY, else the contents of `[security] master-key-file`; 32 bytes written
 * as 64 hexadecimal digits or as 44 characters of base64, white space around it ignored.
 * Like the phone hash key it stays outside the database; only the commands that read or
 * write partner credentials need it.
 *
 * Returns: (transfer full): the key, or %NULL with @error set (a configuration error that
 *   never repeats the key)
 */
SkMasterKey *
sk_config_load_master_key (SkConfig  *self,
                           GError   **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  SkMasterKey *key;
  const char *where;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->master_key != NULL)
    {
      where = "SVOIKRUG_MASTER_KEY";
      contents = g_strdup (self->master_key);
    }
  else if (self->master_key_file != NULL)
    {
      where = self->master_key_file;
      if (!g_file_get_contents (self->master_key_file, &contents, NULL, &local_error))
        {
          g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                       _("cannot read the master key: %s"), local_error->message);
          return NULL;
        }
    }
  else
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                   _("no master key: set [security] master-key-file in %s or "
                     "SVOIKRUG_MASTER_KEY"),
                   self->path ? self->path : SK_DEFAULT_CONFIG);
      return NULL;
    }

  key = sk_master_key_new_from_text (contents, &local_error);
  memset (contents, 0, strlen (contents));
  if (key == NULL)
    {
      g_set_error (error, SK_SERVICE_ERROR, SK_SERVICE_ERROR_CONFIG,
                   "%s: %s", where, local_error->message);
      return NULL;
    }
  return key;
}
