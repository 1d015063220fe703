/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-bench"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib.h>
#include <libpq-fe.h>

#include "sk-db.h"
#include "sk-migrate.h"
#include "sk-pipeline.h"
#include "sk-purchase.h"

#include "sk-bench.h"

/*
 * bench/ingest: how fast the purchase pipeline records purchases, against a raw COPY of the
 * same rows into a bare table on the same server.
 *
 * It makes its own database on the server of SVOIKRUG_DATABASE_URL (or --server), migrates
 * it, adds five partners and the members, then times sk_pipeline_record_batch() over the
 * purchases in batches, and COPY of the same rows. Everything is generated from one seed
 * (splitmix64), one purchase at a time, so the same flags give the same rows and memory does
 * not grow with the number of purchases.
 */

#define N_BUSINESSES     5
#define COPY_BUFFER_SIZE (1 << 20)
#define KEY              "bench-phone-hash-key-0123456789"
#define DAY_USEC         (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)

static const char * const businesses[N_BUSINESSES][2] = {
  { "be000000-0000-4000-8000-000000000001", "beauty" },
  { "be000000-0000-4000-8000-000000000002", "gastronomy" },
  { "be000000-0000-4000-8000-000000000003", "floristry" },
  { "be000000-0000-4000-8000-000000000004", "optics" },
  { "be000000-0000-4000-8000-000000000005", "legal" },
};

static gint64 n_purchases = 1000000;
static gint64 n_members = 100000;
static gint batch_size = 1000;
static char *server_url = NULL;
static gboolean keep = FALSE;

static const GOptionEntry entries[] = {
  { "purchases", 0, 0, G_OPTION_ARG_INT64, &n_purchases, "Purchases to record (1000000)", "N" },
  { "members", 0, 0, G_OPTION_ARG_INT64, &n_members, "Members (100000)", "M" },
  { "batch", 0, 0, G_OPTION_ARG_INT, &batch_size, "Purchases per pipeline call (1000)", "B" },
  { "server", 0, 0, G_OPTION_ARG_STRING, &server_url,
    "Server conninfo (default SVOIKRUG_DATABASE_URL)", "URL" },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the benchmark database afterwards", NULL },
  { NULL }
};

static guint64
splitmix64 (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return x ^ (x >> 31);
}

/* Member i's phone: +7 9xx, distinct for each i below 10^9. */
static void
member_phone (gint64 i,
              char   out[13])
{
  g_snprintf (out, 13, "+79%09" G_GINT64_FORMAT, i);
}

typedef struct
{
  gint64       index;
  const char  *business_id;
  gint64       member;      /* 10 % of purchases are by phones that never joined */
  gboolean     unmatched;
  gint64       occurred_at;
  SkKopecks    amount;
} Row;

static void
make_row (gint64  i,
          gint64  now_usec,
          Row    *row)
{
  guint64 r1 = splitmix64 ((guint64) i * 4 + 1);
  guint64 r2 = splitmix64 ((guint64) i * 4 + 2);
  guint64 r3 = splitmix64 ((guint64) i * 4 + 3);

  row->index = i;
  row->business_id = businesses[r1 % N_BUSINESSES][0];
  row->unmatched = (r1 >> 8) % 10 == 0;
  row->member = (gint64) ((r2 >> 1) % (guint64) n_members);
  if (row->unmatched)
    row->member += n_members;
  /* Over the last 300 days, at least a day ago. */
  row->occurred_at = now_usec - DAY_USEC - (gint64) (r3 % (guint64) (300 * DAY_USEC));
  /* 500 to 10,000 roubles, whole roubles. */
  row->amount = (SkKopecks) (500 + (r3 >> 40) % 9500) * 100;
}

static void
put_hex_hash (GString *s,
              gint64   member)
{
  char phone[13];
  g_autofree char *hex = NULL;

  member_phone (member, phone);
  hex = sk_customer_hash ((const guint8 *) KEY, strlen (KEY), phone);
  g_string_append_printf (s, "\\\\x%s", hex);
}

static void
copy_end (PGconn     *conn,
          GString    *buffer,
          const char *what)
{
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;

  if (buffer->len > 0 && PQputCopyData (conn, buffer->str, (int) buffer->len) != 1)
    g_error ("%s: %s", what, PQerrorMessage (conn));
  if (PQputCopyEnd (conn, NULL) != 1)
    g_error ("%s: %s", what, PQerrorMessage (conn));
  result = PQgetResult (conn);
  sk_bench_check (sk_db_result_ok (result, what, &error), error);
  g_string_truncate (buffer, 0);
}

static void
copy_flush (PGconn     *conn,
            GString    *buffer,
            const char *what)
{
  if (buffer->len < COPY_BUFFER_SIZE)
    return;
  if (PQputCopyData (conn, buffer->str, (int) buffer->len) != 1)
    g_error ("%s: %s", what, PQerrorMessage (conn));
  g_string_truncate (buffer, 0);
}

static void
copy_begin (PGconn     *conn,
            const char *sql)
{
  g_autoptr(PGresult) result = PQexec (conn, sql);

  if (PQresultStatus (result) != PGRES_COPY_IN)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
}

static void
setup (PGconn *conn)
{
  g_autoptr(GString) sql = g_string_new ("INSERT INTO businesses (id, name, category) VALUES ");
  g_autoptr(GString) buffer = g_string_sized_new (COPY_BUFFER_SIZE + 4096);
  GError *error = NULL;

  for (guint b = 0; b < N_BUSINESSES; b++)
    g_string_append_printf (sql, "%s('%s', 'Bench %u', '%s')", b > 0 ? ", " : "",
                            businesses[b][0], b + 1, businesses[b][1]);
  sk_bench_check (sk_db_exec (conn, sql->str, &error), error);

  copy_begin (conn, "COPY members (phone_hash, tier) FROM STDIN");
  for (gint64 m = 0; m < n_members; m++)
    {
      put_hex_hash (buffer, m);
      g_string_append (buffer, "\tnone\n");
      copy_flush (conn, buffer, "COPY members");
    }
  copy_end (conn, buffer, "COPY members");

  sk_bench_check (sk_db_exec (conn,
                     "CREATE TABLE bench_copy ("
                     "  business_id uuid NOT NULL, external_id text NOT NULL,"
                     "  occurred_at timestamptz NOT NULL, customer_phone_hash bytea,"
                     "  amount bigint NOT NULL, source text NOT NULL);"
                     "ANALYZE", &error), error);
}

static double
seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

static double
run_pipeline (PGconn  *conn,
              gint64   now_usec,
              gint64  *counts)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) sk_purchase_free);
  g_autoptr(GArray) results = g_array_new (FALSE, TRUE, sizeof (SkRecordResult));
  gint64 start = g_get_monotonic_time ();
  GError *error = NULL;

  for (gint64 i = 0; i < n_purchases; i++)
    {
      SkPurchase *p = sk_purchase_new ();
      char phone[13];
      Row row;

      make_row (i, now_usec, &row);
      member_phone (row.member, phone);
      p->business_id = g_strdup (row.business_id);
      p->external_id = g_strdup_printf ("bench-%" G_GINT64_FORMAT, i);
      p->occurred_at = row.occurred_at;
      p->customer_hash = sk_customer_hash ((const guint8 *) KEY, strlen (KEY), phone);
      p->amount = row.amount;
      p->source = SK_PURCHASE_SOURCE_CSV;
      g_ptr_array_add (batch, p);

      if (batch->len == (guint) batch_size || i == n_purchases - 1)
        {
          g_array_set_size (results, 0);
          sk_bench_check (sk_pipeline_record_batch (conn, batch, results, &error), error);
          for (guint j = 0; j < results->len; j++)
            counts[g_array_index (results, SkRecordResult, j).outcome]++;
          g_ptr_array_set_size (batch, 0);
        }

      if ((i + 1) % (n_purchases / 10 > 0 ? n_purchases / 10 : 1) == 0)
        fprintf (stderr, "pipeline: %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " (%.0f s)\n",
                 i + 1, n_purchases, seconds_since (start));
    }

  return seconds_since (start);
}

static double
run_copy (PGconn *conn,
          gint64  now_usec)
{
  g_autoptr(GString) buffer = g_string_sized_new (COPY_BUFFER_SIZE + 4096);
  gint64 start = g_get_monotonic_time ();

  copy_begin (conn, "COPY bench_copy (business_id, external_id, occurred_at,"
                    " customer_phone_hash, amount, source) FROM STDIN");
  for (gint64 i = 0; i < n_purchases; i++)
    {
      g_autoptr(GDateTime) dt = NULL;
      g_autofree char *iso = NULL;
      Row row;

      make_row (i, now_usec, &row);
      dt = g_date_time_new_from_unix_utc (row.occurred_at / G_USEC_PER_SEC);
      iso = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S+00");
      g_string_append_printf (buffer, "%s\tbench-%" G_GINT64_FORMAT "\t%s\t", row.business_id,
                              i, iso);
      /* The hash is computed here too, as the pipeline run had to. */
      put_hex_hash (buffer, row.member);
      g_string_append_printf (buffer, "\t%" G_GINT64_FORMAT "\tcsv\n", row.amount);
      copy_flush (conn, buffer, "COPY bench_copy");
    }
  copy_end (conn, buffer, "COPY bench_copy");

  return seconds_since (start);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- time the purchase pipeline");
  g_autoptr(GError) error = NULL;
  g_autoptr(PGconn) server = NULL;
  g_autoptr(PGconn) conn = NULL;
  g_autofree char *dbname = NULL;
  gint64 counts[SK_RECORD_REJECTED + 1] = { 0, };
  gint64 now_usec = g_get_real_time ();
  struct rusage usage;
  double pipeline_s, copy_s, pipeline_rate, copy_rate;
  long pipeline_rss_kb;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ingest: %s\n", error->message);
      return 2;
    }
  if (server_url == NULL)
    server_url = g_strdup (g_getenv ("SVOIKRUG_DATABASE_URL"));
  if (server_url == NULL || *server_url == '\0' || n_purchases < 1 || n_members < 1 ||
      batch_size < 1)
    {
      g_printerr ("ingest: set SVOIKRUG_DATABASE_URL or --server (see bench/ingest.sh); "
                  "--purchases, --members and --batch must be positive\n");
      return 2;
    }

  server = sk_db_connect (server_url, &error);
  sk_bench_check (server != NULL, error);

  dbname = g_strdup_printf ("svoikrug_bench_ingest_%d", (int) getpid ());
  conn = sk_bench_create_database (server, server_url, dbname, SK_MIGRATIONS_DIR);
  fprintf (stderr, "adding %" G_GINT64_FORMAT " members…\n", n_members);
  setup (conn);

  pipeline_s = run_pipeline (conn, now_usec, counts);
  getrusage (RUSAGE_SELF, &usage);
  pipeline_rss_kb = usage.ru_maxrss;

  copy_s = run_copy (conn, now_usec);

  pipeline_rate = (double) n_purchases / pipeline_s;
  copy_rate = (double) n_purchases / copy_s;
  printf ("purchases %" G_GINT64_FORMAT ", members %" G_GINT64_FORMAT ", batch %d\n",
          n_purchases, n_members, batch_size);
  printf ("pipeline: %.1f s, %.0f rows/s (recorded %" G_GINT64_FORMAT ", unmatched %"
          G_GINT64_FORMAT ", duplicate %" G_GINT64_FORMAT ", rejected %" G_GINT64_FORMAT ")\n",
          pipeline_s, pipeline_rate, counts[SK_RECORD_RECORDED], counts[SK_RECORD_UNMATCHED],
          counts[SK_RECORD_DUPLICATE], counts[SK_RECORD_REJECTED]);
  printf ("copy:     %.1f s, %.0f rows/s\n", copy_s, copy_rate);
  printf ("ratio pipeline/copy: %.3f (target >= 0.20)\n", pipeline_rate / copy_rate);
  printf ("peak memory of the pipeline run (ru_maxrss): %ld KiB\n", pipeline_rss_kb);

  g_clear_pointer (&conn, PQfinish);
  if (!keep)
    sk_bench_drop_database (server, dbname);
  else
    fprintf (stderr, "kept database %s\n", dbname);

  g_free (server_url);
  return counts[SK_RECORD_REJECTED] > 0 ? 1 : 0;
}
