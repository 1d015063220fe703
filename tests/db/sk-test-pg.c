/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include "sk-test-pg.h"

#include <glib/gstdio.h>

#include <string.h>
#include <unistd.h>

#include "sk-db.h"
#include "sk-migrate.h"

/* Shared by every test database on the server: role creation in migrations is server-wide. */
#define TEST_LOCK_KEY "7340921582"

static guint db_counter;

const char *
sk_test_server_conninfo (void)
{
  const char *conninfo = g_getenv ("SVOIKRUG_TEST_DATABASE_URL");

  if (conninfo == NULL || *conninfo == '\0')
    g_error ("SVOIKRUG_TEST_DATABASE_URL is not set. Run the tests with the README test "
             "command (scripts/svoikrug-test), which starts the private PostgreSQL.");
  return conninfo;
}

static void
append_conninfo_value (GString    *out,
                       const char *keyword,
                       const char *value)
{
  if (out->len > 0)
    g_string_append_c (out, ' ');
  g_string_append_printf (out, "%s='", keyword);
  for (const char *p = value; *p; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '\'');
}

/* Rebuilds @base (keywords or a URI) with dbname and user replaced where given. */
char *
sk_test_conninfo_with (const char *base,
                       const char *dbname,
                       const char *user)
{
  g_autoptr(GString) out = g_string_new (NULL);
  PQconninfoOption *options;
  char *errmsg = NULL;

  options = PQconninfoParse (base, &errmsg);
  if (options == NULL)
    g_error ("bad SVOIKRUG_TEST_DATABASE_URL: %s", errmsg ? errmsg : "?");

  for (PQconninfoOption *o = options; o->keyword != NULL; o++)
    {
      const char *value = o->val;

      if (dbname != NULL && g_str_equal (o->keyword, "dbname"))
        value = dbname;
      else if (user != NULL && g_str_equal (o->keyword, "user"))
        value = user;
      if (value != NULL)
        append_conninfo_value (out, o->keyword, value);
    }
  PQconninfoFree (options);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static PGconn *
connect_or_die (const char *conninfo)
{
  g_autoptr(GError) error = NULL;
  PGconn *conn = sk_db_connect (conninfo, &error);

  g_assert_no_error (error);
  return conn;
}

static char *
quote_ident (PGconn     *conn,
             const char *name)
{
  char *quoted = PQescapeIdentifier (conn, name, strlen (name));
  char *copy = g_strdup (quoted);

  PQfreemem (quoted);
  return copy;
}

static void
exec_admin (PGconn     *admin,
            const char *sql)
{
  sk_test_assert_ok (PQexec (admin, sql));
}

static SkTestDb *
test_db_alloc (const char *hint)
{
  SkTestDb *db = g_new0 (SkTestDb, 1);
  guint n = g_atomic_int_add (&db_counter, 1);
  g_autoptr(GString) clean_hint = g_string_new (NULL);

  for (const char *p = hint ? hint : "t"; *p && clean_hint->len < 24; p++)
    g_string_append_c (clean_hint, g_ascii_isalnum (*p) ? g_ascii_tolower (*p) : '_');

  db->dbname = g_strdup_printf ("skt_%s_%d_%u", clean_hint->str, (int) getpid (), n);
  db->role_prefix = g_strdup_printf ("skt%dx%u_", (int) getpid (), n);
  return db;
}

static void
test_db_open (SkTestDb *db)
{
  db->conninfo = sk_test_conninfo_with (sk_test_server_conninfo (), db->dbname, NULL);
  db->conn = connect_or_die (db->conninfo);
  sk_test_assert_ok (PQexec (db->conn, "SET client_min_messages = warning"));
}

SkTestDb *
sk_test_db_new_empty (const char *hint)
{
  g_autofree char *admin_info = NULL;
  g_autofree char *create = NULL;
  g_autofree char *quoted = NULL;
  g_autoptr(PGconn) admin = NULL;
  SkTestDb *db = test_db_alloc (hint);

  admin_info = sk_test_conninfo_with (sk_test_server_conninfo (), "postgres", NULL);
  admin = connect_or_die (admin_info);
  quoted = quote_ident (admin, db->dbname);
  create = g_strdup_printf ("CREATE DATABASE %s", quoted);
  exec_admin (admin, create);

  test_db_open (db);
  return db;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Names the migrated template after the migrations themselves, so an edit makes a new one. */
static char *
template_name (void)
{
  const char *dir = g_getenv ("SVOIKRUG_MIGRATIONS_DIR");
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) gdir = NULL;
  const char *name;

  g_assert_nonnull (dir);
  gdir = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (gdir);
  while ((name = g_dir_read_name (gdir)) != NULL)
    if (g_str_has_suffix (name, ".sql"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_checksum_update (checksum, (const guchar *) names->pdata[i], -1);
      g_checksum_update (checksum, (const guchar *) contents, length);
    }

  return g_strdup_printf ("skt_template_%.16s", g_checksum_get_string (checksum));
}

/* Migrating takes seconds (a hundred partitions); copying a migrated template takes a blink. */
static void
ensure_template (PGconn     *admin,
                 const char *name)
{
  g_autoptr(PGresult) found = NULL;
  g_autoptr(PGresult) stale = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *quoted = quote_ident (admin, name);
  g_autofree char *wip = NULL;
  g_autofree char *quoted_wip = NULL;
  g_autofree char *create = NULL;
  g_autofree char *rename = NULL;
  g_autofree char *conninfo = NULL;
  g_autoptr(PGconn) conn = NULL;

  found = sk_test_exec (admin, "SELECT 1 FROM pg_database WHERE datname = $1", name, NULL);
  g_assert_cmpint (PQresultStatus (found), ==, PGRES_TUPLES_OK);
  if (PQntuples (found) > 0)
    return;

  /* Templates of earlier migrations are of no more use. */
  stale = sk_test_exec (admin,
                        "SELECT datname FROM pg_database WHERE datname LIKE 'skt\\_template\\_%'",
                        NULL);
  for (int i = 0; i < PQntuples (stale); i++)
    {
      g_autofree char *old = quote_ident (admin, PQgetvalue (stale, i, 0));
      g_autofree char *drop = g_strdup_printf ("DROP DATABASE IF EXISTS %s WITH (FORCE)", old);

      exec_admin (admin, drop);
    }

  /* Built under a temporary name, so a crash halfway never leaves a half-migrated template. */
  wip = g_strdup_printf ("%s_wip", name);
  quoted_wip = quote_ident (admin, wip);
  create = g_strdup_printf ("CREATE DATABASE %s", quoted_wip);
  exec_admin (admin, create);

  conninfo = sk_test_conninfo_with (sk_test_server_conninfo (), wip, NULL);
  conn = connect_or_die (conninfo);
  sk_test_assert_ok (PQexec (conn, "SET client_min_messages = warning"));
  sk_db_migrate (conn, g_getenv ("SVOIKRUG_MIGRATIONS_DIR"), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&conn, PQfinish);

  rename = g_strdup_printf ("ALTER DATABASE %s RENAME TO %s", quoted_wip, quoted);
  exec_admin (admin, rename);
}

SkTestDb *
sk_test_db_new (const char *hint)
{
  g_autofree char *admin_info = NULL;
  g_autofree char *template = template_name ();
  g_autofree char *quoted_template = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *create = NULL;
  g_autoptr(PGconn) admin = NULL;
  SkTestDb *db = test_db_alloc (hint);

  admin_info = sk_test_conninfo_with (sk_test_server_conninfo (), "postgres", NULL);
  admin = connect_or_die (admin_info);
  sk_test_assert_ok (PQexec (admin, "SET client_min_messages = warning"));
  sk_test_assert_ok (PQexec (admin, "SELECT pg_advisory_lock(" TEST_LOCK_KEY ")"));
  ensure_template (admin, template);

  quoted_template = quote_ident (admin, template);
  quoted = quote_ident (admin, db->dbname);
  create = g_strdup_printf ("CREATE DATABASE %s TEMPLATE %s", quoted, quoted_template);
  exec_admin (admin, create);
  sk_test_assert_ok (PQexec (admin, "SELECT pg_advisory_unlock(" TEST_LOCK_KEY ")"));

  test_db_open (db);
  return db;
}

void
sk_test_db_free (SkTestDb *db)
{
  g_autofree char *admin_info = NULL;
  g_autofree char *drop = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *pattern = NULL;
  g_autoptr(PGconn) admin = NULL;
  g_autoptr(PGresult) roles = NULL;

  if (db == NULL)
    return;

  g_clear_pointer (&db->conn, PQfinish);

  admin_info = sk_test_conninfo_with (sk_test_server_conninfo (), "postgres", NULL);
  admin = connect_or_die (admin_info);
  quoted = quote_ident (admin, db->dbname);
  drop = g_strdup_printf ("DROP DATABASE IF EXISTS %s WITH (FORCE)", quoted);
  exec_admin (admin, drop);

  pattern = g_strdup_printf ("%s%%", db->role_prefix);
  roles = sk_test_exec (admin, "SELECT rolname FROM pg_roles WHERE rolname LIKE $1", pattern, NULL);
  g_assert_cmpint (PQresultStatus (roles), ==, PGRES_TUPLES_OK);
  for (int i = 0; i < PQntuples (roles); i++)
    {
      g_autofree char *role = quote_ident (admin, PQgetvalue (roles, i, 0));
      g_autofree char *sql = g_strdup_printf ("DROP ROLE %s", role);

      exec_admin (admin, sql);
    }

  g_free (db->dbname);
  g_free (db->conninfo);
  g_free (db->role_prefix);
  g_free (db);
}

PGconn *
sk_test_db_connect_as (SkTestDb   *db,
                       const char *role)
{
  g_autofree char *conninfo = sk_test_conninfo_with (db->conninfo, NULL, role);

  return connect_or_die (conninfo);
}

static PGresult *
exec_valist (PGconn     *conn,
             const char *sql,
             va_list     args)
{
  g_autoptr(GPtrArray) params = g_ptr_array_new ();
  const char *param;

  while ((param = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (params, (gpointer) param);

  return PQexecParams (conn, sql, params->len, NULL,
                       (const char * const *) params->pdata, NULL, NULL, 0);
}

/* Text parameters $1… follow the statement, ended by NULL. */
PGresult *
sk_test_exec (PGconn     *conn,
              const char *sql,
              ...)
{
  PGresult *result;
  va_list args;

  va_start (args, sql);
  result = exec_valist (conn, sql, args);
  va_end (args);
  return result;
}

static char *
first_value (PGconn     *conn,
             const char *sql,
             va_list     args)
{
  g_autoptr(PGresult) result = exec_valist (conn, sql, args);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQresultErrorMessage (result));
  g_assert_cmpint (PQntuples (result), >=, 1);
  return PQgetisnull (result, 0, 0) ? NULL : g_strdup (PQgetvalue (result, 0, 0));
}

/* The first column of the first row, or fails the test. */
char *
sk_test_query_value (PGconn     *conn,
                     const char *sql,
                     ...)
{
  char *value;
  va_list args;

  va_start (args, sql);
  value = first_value (conn, sql, args);
  va_end (args);
  return value;
}

/* The same, as a number; NULL fails the test. */
gint64
sk_test_query_int (PGconn     *conn,
                   const char *sql,
                   ...)
{
  g_autofree char *value = NULL;
  va_list args;

  va_start (args, sql);
  value = first_value (conn, sql, args);
  va_end (args);

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

/* A private copy of the migrations that a test may edit or extend. */
char *
sk_test_copy_migrations (void)
{
  const char *source = g_getenv ("SVOIKRUG_MIGRATIONS_DIR");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) gdir = NULL;
  char *copy = g_dir_make_tmp ("sk-migrations-XXXXXX", &error);
  const char *name;

  g_assert_no_error (error);
  g_assert_nonnull (source);
  gdir = g_dir_open (source, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (gdir)) != NULL)
    {
      g_autofree char *from = g_build_filename (source, name, NULL);
      g_autofree char *to = g_build_filename (copy, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_file_get_contents (from, &contents, &length, &error);
      g_assert_no_error (error);
      g_file_set_contents (to, contents, length, &error);
      g_assert_no_error (error);
    }
  return copy;
}

/* Removes a flat folder such as the one sk_test_copy_migrations() made. */
void
sk_test_remove_dir (const char *dir)
{
  g_autoptr(GDir) gdir = g_dir_open (dir, 0, NULL);
  const char *name;

  while (gdir != NULL && (name = g_dir_read_name (gdir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

void
sk_test_assert_result_ok (const char *file,
                          int         line,
                          PGresult   *result)
{
  ExecStatusType status = PQresultStatus (result);

  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    {
      g_autofree char *message = g_strdup_printf ("%s:%d: expected success, got %s",
                                                  file, line, PQresultErrorMessage (result));
      PQclear (result);
      g_assertion_message (G_LOG_DOMAIN, file, line, G_STRFUNC, message);
      return;
    }
  PQclear (result);
}

void
sk_test_assert_result_state (const char *file,
                             int         line,
                             PGresult   *result,
                             const char *sqlstate)
{
  const char *state = PQresultErrorField (result, PG_DIAG_SQLSTATE);

  if (g_strcmp0 (state, sqlstate) != 0)
    {
      g_autofree char *message =
        g_strdup_printf ("%s:%d: expected SQLSTATE %s, got %s (%s)", file, line, sqlstate,
                         state ? state : "success", PQresultErrorMessage (result));
      PQclear (result);
      g_assertion_message (G_LOG_DOMAIN, file, line, G_STRFUNC, message);
      return;
    }
  PQclear (result);
}
