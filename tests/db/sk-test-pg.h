/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* A fresh database per test on the server named by SVOIKRUG_TEST_DATABASE_URL (a superuser
 * conninfo), dropped again at the end with every login role whose name starts with
 * role_prefix. Roles are server-wide, so tests name theirs with that prefix. */
typedef struct
{
  char   *dbname;
  char   *conninfo;
  char   *role_prefix;
  PGconn *conn;
} SkTestDb;

const char *sk_test_server_conninfo (void);
char       *sk_test_conninfo_with   (const char *base,
                                     const char *dbname,
                                     const char *user);

SkTestDb   *sk_test_db_new_empty    (const char *hint);
SkTestDb   *sk_test_db_new          (const char *hint);
void        sk_test_db_free         (SkTestDb   *db);
PGconn     *sk_test_db_connect_as   (SkTestDb   *db,
                                     const char *role);

PGresult   *sk_test_exec            (PGconn     *conn,
                                     const char *sql,
                                     ...) G_GNUC_NULL_TERMINATED;
char       *sk_test_query_value     (PGconn     *conn,
                                     const char *sql,
                                     ...) G_GNUC_NULL_TERMINATED;
gint64      sk_test_query_int       (PGconn     *conn,
                                     const char *sql,
                                     ...) G_GNUC_NULL_TERMINATED;

char       *sk_test_copy_migrations (void);
void        sk_test_remove_dir      (const char *dir);

void        sk_test_assert_result_ok     (const char *file,
                                          int         line,
                                          PGresult   *result);
void        sk_test_assert_result_state  (const char *file,
                                          int         line,
                                          PGresult   *result,
                                          const char *sqlstate);

/* Both take ownership of the result. */
#define sk_test_assert_ok(r)            sk_test_assert_result_ok (__FILE__, __LINE__, (r))
#define sk_test_assert_sqlstate(r, s)   sk_test_assert_result_state (__FILE__, __LINE__, (r), (s))
#define sk_test_assert_denied(r)        sk_test_assert_result_state (__FILE__, __LINE__, (r), "42501")

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkTestDb, sk_test_db_free)

G_END_DECLS
