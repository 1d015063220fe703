/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

#define SK_DB_ERROR (sk_db_error_quark ())

typedef enum
{
  SK_DB_ERROR_CONNECT,
  SK_DB_ERROR_QUERY,
  SK_DB_ERROR_MIGRATION_EDITED,
  SK_DB_ERROR_MIGRATION_IO,
  SK_DB_ERROR_DATA,
} SkDbError;

GQuark    sk_db_error_quark   (void);

PGconn   *sk_db_connect       (const char      *conninfo,
                               GError         **error);
PGconn   *sk_db_connect_for   (const char      *conninfo,
                               const char      *application_name,
                               const char      *connect_timeout,
                               GError         **error);
gboolean  sk_db_result_ok     (PGresult        *result,
                               const char      *what,
                               GError         **error);
gboolean  sk_db_exec          (PGconn          *conn,
                               const char      *sql,
                               GError         **error);
char     *sk_db_text_array    (GPtrArray       *texts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

G_END_DECLS
