/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>
#include <glib/gstdio.h>

#include "sk-test-pg.h"
#include "sk-test-service.h"

static void
test_migrate_twice (void)
{
  g_autoptr(SkTestDb) db = sk_test_db_new_empty ("svc_migrate");
  g_autofree char *url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", db->conninfo);
  const char *env[] = { url, NULL };
  g_autoptr(SkRun) first = NULL;
  g_autoptr(SkRun) second = NULL;
  g_autofree char *count = NULL;

  first = sk_test_run (env, "migrate", NULL);
  g_assert_cmpstr (first->err, ==, "");
  g_assert_cmpint (first->status, ==, 0);
  g_assert_true (g_str_has_prefix (first->out, "applied 001-roles.sql\n"));
  g_assert_nonnull (strstr (first->out, "\napplied 009-purchases.sql\n"));
  g_assert_null (strstr (first->out, "up to date"));

  count = sk_test_query_value (db->conn, "SELECT count(*) FROM schema_migrations", NULL);
  g_assert_cmpint (atoi (count), >=, 14);

  second = sk_test_run (env, "migrate", NULL);
  g_assert_cmpint (second->status, ==, 0);
  g_assert_cmpstr (second->out, ==, "database is up to date\n");
  g_assert_cmpstr (second->err, ==, "");
}

static void
copy_migrations (const char *to)
{
  const char *from = g_getenv ("SVOIKRUG_MIGRATIONS_DIR");
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  g_assert_nonnull (from);
  dir = g_dir_open (from, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_file_get_contents (src, &contents, &length, &error);
      g_assert_no_error (error);
      g_file_set_contents (dst, contents, length, &error);
      g_assert_no_error (error);
    }
}

static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_remove (file);
    }
  g_rmdir (path);
}

static void
test_migrate_refuses_edited (void)
{
  g_autoptr(SkTestDb) db = sk_test_db_new_empty ("svc_edited");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sk-migrations-XXXXXX", &error);
  g_autofree char *url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", db->conninfo);
  g_autofree char *migrations = g_strdup_printf ("SVOIKRUG_MIGRATIONS_DIR=%s", dir);
  g_autofree char *edited = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  const char *env[] = { url, migrations, NULL };
  g_autoptr(SkRun) first = NULL;
  g_autoptr(SkRun) second = NULL;

  g_assert_no_error (error);
  copy_migrations (dir);

  first = sk_test_run (env, "migrate", NULL);
  g_assert_cmpint (first->status, ==, 0);

  edited = g_build_filename (dir, "002-reference.sql", NULL);
  g_file_get_contents (edited, &contents, NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *changed = g_strconcat (contents, "\n-- an afterthought\n", NULL);

    g_file_set_contents (edited, changed, -1, &error);
    g_assert_no_error (error);
  }

  second = sk_test_run (env, "migrate", NULL);
  g_assert_cmpint (second->status, ==, 1);
  g_assert_cmpstr (second->out, ==, "");
  expected = g_strdup ("svoikrugd: migration 002-reference.sql was edited after it was applied");
  g_assert_true (g_str_has_prefix (second->err, expected));
  g_assert_true (strchr (second->err, '\n') == second->err + strlen (second->err) - 1);

  remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/service/migrate/twice", test_migrate_twice);
  g_test_add_func ("/service/migrate/refuses-edited", test_migrate_refuses_edited);

  return g_test_run ();
}
