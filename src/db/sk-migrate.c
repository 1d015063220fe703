/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include "sk-migrate.h"

#include <string.h>

/* One lock for every migrator on the server: two services starting at once must not race. */
#define MIGRATION_LOCK_KEY "7340921581"

typedef struct
{
  char *name;
  char *path;
  char *sql;
  char *checksum;
} Migration;

static void
migration_free (gpointer data)
{
  Migration *m = data;

  g_free (m->name);
  g_free (m->path);
  g_free (m->sql);
  g_free (m->checksum);
  g_free (m);
}

static gboolean
is_migration_name (const char *name)
{
  return g_ascii_isdigit (name[0]) && g_str_has_suffix (name, ".sql");
}

static int
compare_migrations (gconstpointer a,
                    gconstpointer b)
{
  const Migration *ma = *(const Migration * const *) a;
  const Migration *mb = *(const Migration * const *) b;

  return strcmp (ma->name, mb->name);
}

static GPtrArray *
read_migrations (const char  *dir,
                 GError     **error)
{
  g_autoptr(GPtrArray) migrations = g_ptr_array_new_with_free_func (migration_free);
  g_autoptr(GDir) gdir = NULL;
  const char *name;

  gdir = g_dir_open (dir, 0, error);
  if (gdir == NULL)
    {
      g_prefix_error (error, "cannot read the migrations folder: ");
      return NULL;
    }

  while ((name = g_dir_read_name (gdir)) != NULL)
    {
      Migration *m;
      gsize length;

      if (!is_migration_name (name))
        continue;

      m = g_new0 (Migration, 1);
      m->name = g_strdup (name);
      m->path = g_build_filename (dir, name, NULL);
      g_ptr_array_add (migrations, m);

      if (!g_file_get_contents (m->path, &m->sql, &length, error))
        return NULL;

      if (!g_utf8_validate (m->sql, length, NULL))
        {
          g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_MIGRATION_IO,
                       "migration %s is not valid UTF-8", name);
          return NULL;
        }

      m->checksum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) m->sql, length);
    }

  if (migrations->len == 0)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_MIGRATION_IO,
                   "no migrations (NNN-name.sql) found in %s", dir);
      return NULL;
    }

  g_ptr_array_sort (migrations, compare_migrations);
  return g_steal_pointer (&migrations);
}

static GHashTable *
read_applied (PGconn  *conn,
              GError **error)
{
  g_autoptr(PGresult) result = NULL;
  GHashTable *applied;

  result = PQexec (conn, "SELECT name, checksum FROM schema_migrations");
  if (!sk_db_result_ok (result, "reading schema_migrations", error))
    return NULL;

  applied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 0; i < PQntuples (result); i++)
    g_hash_table_insert (applied,
                         g_strdup (PQgetvalue (result, i, 0)),
                         g_strdup (PQgetvalue (result, i, 1)));
  return applied;
}

static gboolean
check_applied_unchanged (GHashTable  *applied,
                         GPtrArray   *migrations,
                         GError     **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, applied);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const Migration *found = NULL;

      for (guint i = 0; i < migrations->len && found == NULL; i++)
        {
          const Migration *m = g_ptr_array_index (migrations, i);

          if (g_str_equal (m->name, key))
            found = m;
        }

      if (found == NULL)
        {
          g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_MIGRATION_EDITED,
                       "migration %s was applied to this database but is missing from the "
                       "migrations folder", (const char *) key);
          return FALSE;
        }

      if (!g_str_equal (found->checksum, value))
        {
          g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_MIGRATION_EDITED,
                       "migration %s was edited after it was applied (checksum %.12s…, "
                       "applied %.12s…); write a new migration instead of changing it",
                       found->name, found->checksum, (const char *) value);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
apply_one (PGconn           *conn,
           const Migration  *m,
           GError          **error)
{
  g_autoptr(PGresult) result = NULL;
  const char *params[2] = { m->name, m->checksum };

  if (!sk_db_exec (conn, "BEGIN", error))
    return FALSE;

  result = PQexec (conn, m->sql);
  if (!sk_db_result_ok (result, m->name, error))
    {
      g_autoptr(PGresult) rollback = PQexec (conn, "ROLLBACK");
      return FALSE;
    }
  g_clear_pointer (&result, PQclear);

  result = PQexecParams (conn,
                         "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                         2, NULL, params, NULL, NULL, 0);
  if (!sk_db_result_ok (result, "recording the migration", error))
    {
      g_autoptr(PGresult) rollback = PQexec (conn, "ROLLBACK");
      return FALSE;
    }

  return sk_db_exec (conn, "COMMIT", error);
}

/**
 * sk_db_migrate:
 * @conn: a connection with the rights to create the schema
 * @migrations_dir: the folder holding `NNN-name.sql` files
 * @applied: (out) (optional) (transfer full): the names applied by this call
 *
 * Applies the migrations not yet recorded in `schema_migrations`, in name order, each in its
 * own transaction. Re-running is a no-op; an applied file that was edited since is refused.
 */
gboolean
sk_db_migrate (PGconn      *conn,
               const char  *migrations_dir,
               GPtrArray  **applied,
               GError     **error)
{
  g_autoptr(GPtrArray) migrations = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) done = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (migrations_dir != NULL, FALSE);

  migrations = read_migrations (migrations_dir, error);
  if (migrations == NULL)
    return FALSE;

  if (!sk_db_exec (conn, "SET client_min_messages = warning", error) ||
      !sk_db_exec (conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", error))
    return FALSE;

  if (!sk_db_exec (conn,
                   "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " name text PRIMARY KEY,"
                   " checksum text NOT NULL,"
                   " applied_at timestamptz NOT NULL DEFAULT now())",
                   error))
    goto out;

  done = read_applied (conn, error);
  if (done == NULL || !check_applied_unchanged (done, migrations, error))
    goto out;

  for (guint i = 0; i < migrations->len; i++)
    {
      const Migration *m = g_ptr_array_index (migrations, i);

      if (g_hash_table_contains (done, m->name))
        continue;

      g_debug ("applying %s", m->name);
      if (!apply_one (conn, m, error))
        goto out;
      g_ptr_array_add (names, g_strdup (m->name));
    }

  ok = TRUE;

out:
  {
    g_autoptr(PGresult) unlock = PQexec (conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")");
  }

  if (ok && applied != NULL)
    *applied = g_steal_pointer (&names);
  return ok;
}
