/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* What the benchmarks share: a scratch database of their own on the server they are given. */
char   *sk_bench_conninfo_with_dbname (const char *base,
                                       const char *dbname);
PGconn *sk_bench_create_database      (PGconn     *server,
                                       const char *server_url,
                                       const char *dbname,
                                       const char *migrations_dir);
void    sk_bench_drop_database        (PGconn     *server,
                                       const char *dbname);
void    sk_bench_check                (gboolean    ok,
                                       GError     *error);
double  sk_bench_seconds_since        (gint64      start_usec);

G_END_DECLS
