/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "sk-migrate.h"
#include "sk-test-pg.h"

static guint
count_migration_files (const char *dir)
{
  g_autoptr(GDir) gdir = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (gdir);
  while ((name = g_dir_read_name (gdir)) != NULL)
    if (g_ascii_isdigit (name[0]) && g_str_has_suffix (name, ".sql"))
      n++;
  return n;
}

static void
test_migrate_empty_then_noop (void)
{
  g_autoptr(SkTestDb) db = sk_test_db_new_empty ("migrate");
  const char *dir = g_getenv ("SVOIKRUG_MIGRATIONS_DIR");
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *recorded = NULL;
  g_autofree char *tables = NULL;
  guint n_files = count_migration_files (dir);

  g_assert_cmpuint (n_files, >, 0);

  g_assert_true (sk_db_migrate (db->conn, dir, &first, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (first->len, ==, n_files);

  recorded = sk_test_query_value (db->conn, "SELECT count(*) FROM schema_migrations", NULL);
  g_assert_cmpint (atoi (recorded), ==, (int) n_files);
  tables = sk_test_query_value (db->conn,
                                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                                NULL);
  g_assert_cmpint (atoi (tables), >, 20);

  g_assert_true (sk_db_migrate (db->conn, dir, &second, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (second->len, ==, 0);
}

static void
test_migrate_edited_file_refused (void)
{
  g_autoptr(SkTestDb) db = sk_test_db_new_empty ("edited");
  g_autofree char *dir = sk_test_copy_migrations ();
  g_autofree char *first_file = g_build_filename (dir, "001-roles.sql", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sk_db_migrate (db->conn, dir, NULL, &error));
  g_assert_no_error (error);
  before = sk_test_query_value (db->conn, "SELECT string_agg(checksum, ',' ORDER BY name) "
                                          "FROM schema_migrations", NULL);

  g_assert_true (g_file_get_contents (first_file, &contents, NULL, NULL));
  edited = g_strconcat (contents, "\n-- a change after release\n", NULL);
  g_assert_true (g_file_set_contents (first_file, edited, -1, NULL));

  g_assert_false (sk_db_migrate (db->conn, dir, NULL, &error));
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_MIGRATION_EDITED);
  g_assert_nonnull (strstr (error->message, "001-roles.sql"));

  after = sk_test_query_value (db->conn, "SELECT string_agg(checksum, ',' ORDER BY name) "
                                         "FROM schema_migrations", NULL);
  g_assert_cmpstr (before, ==, after);
  sk_test_remove_dir (dir);
}

static void
test_migrate_failure_rolls_back (void)
{
  g_autoptr(SkTestDb) db = sk_test_db_new ("rollback");
  g_autofree char *dir = sk_test_copy_migrations ();
  g_autofree char *bad = g_build_filename (dir, "999-broken.sql", NULL);
  g_autofree char *exists = NULL;
  g_autofree char *recorded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (bad,
                                      "CREATE TABLE half_done (id int);\n"
                                      "SELECT no_such_function();\n", -1, NULL));

  g_assert_false (sk_db_migrate (db->conn, dir, NULL, &error));
  g_assert_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY);
  g_assert_nonnull (strstr (error->message, "999-broken.sql"));

  exists = sk_test_query_value (db->conn, "SELECT to_regclass('half_done') IS NOT NULL", NULL);
  g_assert_cmpstr (exists, ==, "f");
  recorded = sk_test_query_value (db->conn, "SELECT count(*) FROM schema_migrations "
                                            "WHERE name = '999-broken.sql'", NULL);
  g_assert_cmpstr (recorded, ==, "0");
  sk_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/db/migrate/empty-then-noop", test_migrate_empty_then_noop);
  g_test_add_func ("/db/migrate/edited-file-refused", test_migrate_edited_file_refused);
  g_test_add_func ("/db/migrate/failure-rolls-back", test_migrate_failure_rolls_back);

  return g_test_run ();
}
