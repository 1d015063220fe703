/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared fixture of test-pipeline.c and test-ledger.c: a fresh database with five partners
 * of five categories (one medical) and three members, and helpers that record purchases
 * through the pipeline and print the ledger as exact rows. */

#include <stdlib.h>

#include "sk-db.h"
#include "sk-test-pg.h"

#define SALON   "aaaaaaaa-0000-4000-8000-000000000001"
#define MARKET  "aaaaaaaa-0000-4000-8000-000000000002"
#define CLINIC  "aaaaaaaa-0000-4000-8000-000000000003"
#define FLORIST "aaaaaaaa-0000-4000-8000-000000000004"
#define OPTICS  "aaaaaaaa-0000-4000-8000-000000000005"
#define ALICE   "11111111-0000-4000-8000-000000000001"
#define BELLA   "11111111-0000-4000-8000-000000000002"
#define CARA    "11111111-0000-4000-8000-000000000003"

#define PHONE_HASH(p) "sha256(convert_to('" p "', 'UTF8'))"

typedef struct
{
  SkTestDb *db;
  PGconn   *conn;
} Fixture;

static inline void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->db = sk_test_db_new ("pipeline");
  fixture->conn = fixture->db->conn;
  sk_test_assert_ok (PQexec (fixture->conn,
    "INSERT INTO businesses (id, name, category, is_medical) VALUES"
    " ('" SALON "', 'Миндаль', 'beauty', false),"
    " ('" MARKET "', 'Лисичкино', 'gastronomy', false),"
    " ('" CLINIC "', 'Стим Центр', 'dentistry', true),"
    " ('" FLORIST "', 'Флора', 'floristry', false),"
    " ('" OPTICS "', 'Оптика', 'optics', false);"
    "INSERT INTO members (id, phone_hash) VALUES"
    " ('" ALICE "', " PHONE_HASH ("+79990000001") "),"
    " ('" BELLA "', " PHONE_HASH ("+79990000002") "),"
    " ('" CARA "', " PHONE_HASH ("+79990000003") ");"));
}

static inline void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->db, sk_test_db_free);
}

static inline void
run (Fixture    *fixture,
     const char *sql)
{
  sk_test_assert_ok (PQexec (fixture->conn, sql));
}

static inline gint64
qint (Fixture    *fixture,
      const char *sql)
{
  g_autofree char *value = sk_test_query_value (fixture->conn, sql, NULL);

  g_assert_nonnull (value);
  return g_ascii_strtoll (value, NULL, 10);
}

static inline char *
qstr (Fixture    *fixture,
      const char *sql)
{
  char *value = sk_test_query_value (fixture->conn, sql, NULL);

  g_assert_nonnull (value);
  return value;
}

/* Records a purchase of @member at @business, @when being an SQL timestamptz expression;
 * returns "outcome bonus cross budget new_tier [badges]". */
static inline char *
record_at (Fixture    *fixture,
           const char *business,
           const char *external_id,
           const char *amount,
           const char *when,
           const char *member)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT outcome || ' ' || bonus || ' ' || cross_bonus || ' ' || budget || ' ' ||"
    " coalesce (new_tier, '-') || ' [' || array_to_string (badges, ',') || ']'"
    " FROM record_purchase ($1::uuid, $2, $3::bigint, %s, 'partner', p_member_id => $4::uuid)",
    when);
  g_autoptr(PGresult) result = sk_test_exec (fixture->conn, sql, business, external_id, amount,
                                             member, NULL);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("record_purchase %s: %s", external_id, PQresultErrorMessage (result));
  return g_strdup (PQgetvalue (result, 0, 0));
}

static inline char *
refund_at (Fixture    *fixture,
           const char *business,
           const char *external_id,
           const char *amount,
           const char *original)
{
  g_autoptr(PGresult) result = sk_test_exec (fixture->conn,
    "SELECT outcome || ' ' || bonus || ' ' || cross_bonus || ' ' || budget"
    " FROM record_purchase ($1::uuid, $2, $3::bigint, now () - interval '1 minute', 'partner',"
    " p_original_external_id => $4)",
    business, external_id, amount, original, NULL);

  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("refund %s: %s", external_id, PQresultErrorMessage (result));
  return g_strdup (PQgetvalue (result, 0, 0));
}

/* Her ledger as "kind pending/available/debt reason" rows in order, joined by "; ". */
static inline char *
ledger_of (Fixture    *fixture,
           const char *member)
{
  char *value = sk_test_query_value (fixture->conn,
    "SELECT coalesce (string_agg (kind || ' ' || pending_delta || '/' || available_delta || '/'"
    " || debt_delta || ' ' || reason, '; ' ORDER BY id), '')"
    " FROM bonus_ledger WHERE member_id = $1", member, NULL);

  g_assert_nonnull (value);
  return value;
}

/* "pending/available/debt", checked against the ledger's sums first. */
static inline char *
balance_of (Fixture    *fixture,
            const char *member)
{
  g_autofree char *kept = sk_test_query_value (fixture->conn,
    "SELECT coalesce ((SELECT pending || '/' || available || '/' || debt FROM bonus_balances"
    " WHERE member_id = $1), '0/0/0')", member, NULL);
  g_autofree char *sums = sk_test_query_value (fixture->conn,
    "SELECT coalesce (sum (pending_delta), 0) || '/' || coalesce (sum (available_delta), 0)"
    " || '/' || coalesce (sum (debt_delta), 0) FROM bonus_ledger WHERE member_id = $1",
    member, NULL);

  g_assert_cmpstr (kept, ==, sums);
  return g_steal_pointer (&kept);
}

static inline void
jobs (Fixture    *fixture,
      const char *when)
{
  g_autofree char *sql = g_strdup_printf ("SELECT * FROM jobs_run (%s)", when);

  sk_test_assert_ok (PQexec (fixture->conn, sql));
}

#define ADD(path, fn) \
  g_test_add ((path), Fixture, NULL, fixture_setup, (fn), fixture_teardown)
