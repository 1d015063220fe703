/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-db"

#include "sk-db.h"

G_DEFINE_QUARK (sk-db-error-quark, sk_db_error)

static char *
first_line (const char *message)
{
  const char *end;

  if (message == NULL || *message == '\0')
    return g_strdup ("unknown error");

  end = strchr (message, '\n');
  return end ? g_strndup (message, end - message) : g_strdup (message);
}

/**
 * sk_db_connect_for:
 * @conninfo: a libpq connection string or URI
 * @application_name: (nullable): shown in pg_stat_activity unless the URL names one
 * @connect_timeout: (nullable): seconds to wait for the server unless the URL says
 *
 * Returns: (transfer full): an open connection in UTF-8 with the club's time zone untouched,
 *   or %NULL with @error set to one readable line.
 */
PGconn *
sk_db_connect_for (const char  *conninfo,
                   const char  *application_name,
                   const char  *connect_timeout,
                   GError     **error)
{
  /* The defaults come first so that the URL's own values, expanded from dbname, win. */
  const char *keywords[4];
  const char *values[4];
  guint n = 0;
  g_autoptr(PGconn) conn = NULL;

  g_return_val_if_fail (conninfo != NULL, NULL);

  if (application_name != NULL)
    {
      keywords[n] = "fallback_application_name";
      values[n++] = application_name;
    }
  if (connect_timeout != NULL)
    {
      keywords[n] = "connect_timeout";
      values[n++] = connect_timeout;
    }
  keywords[n] = "dbname";
  values[n++] = conninfo;
  keywords[n] = NULL;
  values[n] = NULL;

  conn = PQconnectdbParams (keywords, values, TRUE);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *reason = first_line (PQerrorMessage (conn));

      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_CONNECT,
                   "cannot connect to PostgreSQL: %s", reason);
      return NULL;
    }

  if (PQsetClientEncoding (conn, "UTF8") != 0)
    {
      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_CONNECT,
                   "cannot switch the connection to UTF-8");
      return NULL;
    }

  return g_steal_pointer (&conn);
}

/**
 * sk_db_connect:
 * @conninfo: a libpq connection string or URI
 *
 * Returns: (transfer full): as sk_db_connect_for() with libpq's defaults
 */
PGconn *
sk_db_connect (const char  *conninfo,
               GError     **error)
{
  return sk_db_connect_for (conninfo, NULL, NULL, error);
}

/**
 * sk_db_result_ok:
 * @result: (nullable): a result, still owned by the caller
 * @what: what the statement was doing, for the message
 *
 * Returns: %TRUE for COMMAND_OK, TUPLES_OK and COPY_IN; otherwise sets @error
 *   with the server's primary message and SQLSTATE.
 */
gboolean
sk_db_result_ok (PGresult    *result,
                 const char  *what,
                 GError     **error)
{
  ExecStatusType status = result ? PQresultStatus (result) : PGRES_FATAL_ERROR;
  const char *primary;
  const char *sqlstate;

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN)
    return TRUE;

  primary = result ? PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  sqlstate = result ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;

  /* Errors raised by libpq itself (a lost connection) carry no server fields. */
  if (primary == NULL)
    {
      g_autofree char *reason = first_line (result ? PQresultErrorMessage (result) : NULL);

      g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY, "%s failed: %s", what, reason);
      return FALSE;
    }

  g_set_error (error, SK_DB_ERROR, SK_DB_ERROR_QUERY, "%s failed: %s (SQLSTATE %s)",
               what, primary, sqlstate ? sqlstate : "?????");
  return FALSE;
}

gboolean
sk_db_exec (PGconn      *conn,
            const char  *sql,
            GError     **error)
{
  g_autoptr(PGresult) result = NULL;

  g_return_val_if_fail (conn != NULL, FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);

  result = PQexec (conn, sql);
  return sk_db_result_ok (result, "statement", error);
}

/**
 * sk_db_text_array:
 * @texts: (element-type utf8): the elements
 *
 * Returns: (transfer full): a PostgreSQL array literal of @texts, for a text[] or uuid[]
 *   parameter: each element double-quoted, backslash and quote escaped
 */
char *
sk_db_text_array (GPtrArray *texts)
{
  GString *literal;

  g_return_val_if_fail (texts != NULL, NULL);

  literal = g_string_new ("{");
  for (guint i = 0; i < texts->len; i++)
    {
      const char *text = g_ptr_array_index (texts, i);

      if (i > 0)
        g_string_append_c (literal, ',');
      g_string_append_c (literal, '"');
      for (const char *c = text; *c != '\0'; c++)
        {
          if (*c == '"' || *c == '\\')
            g_string_append_c (literal, '\\');
          g_string_append_c (literal, *c);
        }
      g_string_append_c (literal, '"');
    }
  g_string_append_c (literal, '}');
  return g_string_free (literal, FALSE);
}
