/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-bench"

#include "sk-bench.h"

#include <stdio.h>
#include <string.h>

#include "sk-db.h"
#include "sk-migrate.h"

/* A benchmark has nothing to recover: it stops at the first failure with its message. */
void
sk_bench_check (gboolean  ok,
                GError   *error)
{
  if (!ok)
    g_error ("%s", error != NULL ? error->message : "failed");
}

double
sk_bench_seconds_since (gint64 start_usec)
{
  return (double) (g_get_monotonic_time () - start_usec) / G_USEC_PER_SEC;
}

/* @base with its dbname replaced by @dbname, as a keyword=value conninfo. */
char *
sk_bench_conninfo_with_dbname (const char *base,
                               const char *dbname)
{
  g_autoptr(GString) s = g_string_new (NULL);
  PQconninfoOption *options = PQconninfoParse (base, NULL);

  if (options == NULL)
    g_error ("cannot parse the server conninfo");

  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    {
      const char *value = g_str_equal (o->keyword, "dbname") ? dbname : o->val;
      g_autoptr(GString) quoted = NULL;

      if (value == NULL)
        continue;
      quoted = g_string_new (value);
      g_string_replace (quoted, "\\", "\\\\", 0);
      g_string_replace (quoted, "'", "\\'", 0);
      g_string_append_printf (s, "%s='%s' ", o->keyword, quoted->str);
    }
  if (strstr (s->str, "dbname=") == NULL)
    g_string_append_printf (s, "dbname='%s'", dbname);
  PQconninfoFree (options);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Creates @dbname (a plain identifier the benchmark made) and migrates it. */
PGconn *
sk_bench_create_database (PGconn     *server,
                          const char *server_url,
                          const char *dbname,
                          const char *migrations_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) applied = NULL;
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", dbname);
  g_autofree char *conninfo = NULL;
  PGconn *conn;

  sk_bench_check (sk_db_exec (server, sql, &error), error);
  conninfo = sk_bench_conninfo_with_dbname (server_url, dbname);
  conn = sk_db_connect (conninfo, &error);
  sk_bench_check (conn != NULL, error);
  fprintf (stderr, "migrating %s…\n", dbname);
  sk_bench_check (sk_db_migrate (conn, migrations_dir, &applied, &error), error);
  return conn;
}

void
sk_bench_drop_database (PGconn     *server,
                        const char *dbname)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = g_strdup_printf ("DROP DATABASE %s", dbname);

  sk_bench_check (sk_db_exec (server, sql, &error), error);
}
