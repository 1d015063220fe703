/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <signal.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "sk-test-pg.h"
#include "sk-test-service.h"

/* A running `svoikrugd serve --port 0` and the base URI it printed. */
typedef struct
{
  SkTestDb            *db;
  GSubprocess         *process;
  GDataInputStream    *out;
  char                *base;
  SoupSession         *session;
  GSocketListener     *silent;   /* accepts connections and never answers */
} Fixture;

static void
start_server (Fixture    *f,
              const char *database_url)
{
  g_autofree char *url = g_strdup_printf ("SVOIKRUG_DATABASE_URL=%s", database_url);
  /* The scheduler's first run warns that it failed: these databases are empty or
   * unreachable. Criticals still abort. */
  const char *env[] = { url, "G_DEBUG=fatal-criticals", NULL };
  g_autoptr(GSubprocessLauncher) launcher = sk_test_launcher (env);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *prefix = "svoikrugd: listening on http://127.0.0.1:";

  f->process = g_subprocess_launcher_spawn (launcher, &error, sk_test_bin (),
                                            "serve", "--port", "0", NULL);
  g_assert_no_error (error);
  f->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (f->process));

  line = g_data_input_stream_read_line_utf8 (f->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_test_message ("%s", line);
  g_assert_true (g_str_has_prefix (line, prefix));
  g_assert_true (g_str_has_suffix (line, "/"));
  g_assert_cmpint (atoi (line + strlen (prefix)), >, 0);

  f->base = g_strdup (line + strlen ("svoikrugd: listening on "));
  f->session = soup_session_new ();
}

static void
setup_ok (Fixture       *f,
          gconstpointer  data)
{
  f->db = sk_test_db_new_empty ("svc_serve");
  start_server (f, f->db->conninfo);
}

static void
setup_closed (Fixture       *f,
              gconstpointer  data)
{
  start_server (f, "host=127.0.0.1 port=1 dbname=nothing");
}

static void
setup_silent (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint16 port;

  f->silent = g_socket_listener_new ();
  port = g_socket_listener_add_any_inet_port (f->silent, NULL, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("host=127.0.0.1 port=%u dbname=nothing connect_timeout=3", port);
  start_server (f, url);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *rest = NULL;

  /* SIGTERM stops it cleanly: exit status 0 and a last line. */
  g_subprocess_send_signal (f->process, SIGTERM);
  g_subprocess_wait (f->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (f->process));
  g_assert_cmpint (g_subprocess_get_exit_status (f->process), ==, 0);

  rest = g_data_input_stream_read_line_utf8 (f->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rest, ==, "svoikrugd: stopped");
  g_clear_pointer (&rest, g_free);
  rest = g_data_input_stream_read_line_utf8 (f->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (rest);

  g_clear_object (&f->session);
  g_clear_object (&f->out);
  g_clear_object (&f->process);
  g_clear_object (&f->silent);
  g_clear_pointer (&f->base, g_free);
  g_clear_pointer (&f->db, sk_test_db_free);
}

static GBytes *
request (Fixture    *f,
         const char *method,
         const char *path,
         guint      *status,
         char      **content_type)
{
  g_autofree char *uri = g_strconcat (f->base, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, uri);
  g_autoptr(GError) error = NULL;
  GBytes *body;

  body = soup_session_send_and_read (f->session, message, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (message);
  *content_type = g_strdup (soup_message_headers_get_content_type (
                              soup_message_get_response_headers (message), NULL));
  return body;
}

static JsonObject *
parse_object (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (body, &length);

  json_parser_load_from_data (parser, data, (gssize) length, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_healthz_ok (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *type = NULL;
  guint status;

  body = request (f, "GET", "healthz", &status, &type);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (type, ==, "application/json");
  object = parse_object (body);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (object, "database"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (object, "version"), ==, "0.1.0");
  g_assert_cmpuint (json_object_get_size (object), ==, 3);
}

static void
test_not_found_and_method (Fixture       *f,
                           gconstpointer  data)
{
  const struct
  {
    const char *method;
    const char *path;
    guint       status;
    const char *error;
  } cases[] = {
    { "GET", "", 404, "not found" },
    { "GET", "healthz/extra", 404, "not found" },
    { "GET", "api/v1/members", 404, "not found" },
    { "POST", "healthz", 405, "method not allowed" },
    { "DELETE", "healthz", 405, "method not allowed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) body = NULL;
      g_autoptr(JsonObject) object = NULL;
      g_autofree char *type = NULL;
      guint status;

      body = request (f, cases[i].method, cases[i].path, &status, &type);
      g_assert_cmpuint (status, ==, cases[i].status);
      g_assert_cmpstr (type, ==, "application/json");
      object = parse_object (body);
      g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, cases[i].error);
    }
}

static void
test_healthz_degraded (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *type = NULL;
  guint status;
  const char *reason;

  body = request (f, "GET", "healthz", &status, &type);
  g_assert_cmpuint (status, ==, 503);
  object = parse_object (body);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "degraded");
  reason = json_object_get_string_member (object, "database");
  g_test_message ("reason: %s", reason);
  g_assert_true (g_str_has_prefix (reason, "cannot connect to PostgreSQL: "));
  g_assert_nonnull (strstr (reason, "refused"));
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* A database that accepts the connection and never answers: /healthz waits for it in a
 * worker, and meanwhile the server keeps answering other requests. */
static void
test_healthz_does_not_block (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *uri = g_strconcat (f->base, "healthz", NULL);
  g_autoptr(SoupMessage) slow = soup_message_new ("GET", uri);
  g_autoptr(SoupSession) other = soup_session_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) slow_body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *type = NULL;
  gint64 started;
  guint status;

  soup_session_send_and_read_async (other, slow, G_PRIORITY_DEFAULT, NULL, send_cb, &result);
  /* Let the request reach the server before the next one. */
  started = g_get_monotonic_time ();
  while (g_get_monotonic_time () - started < G_USEC_PER_SEC / 2)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (result);

  started = g_get_monotonic_time ();
  body = request (f, "GET", "elsewhere", &status, &type);
  g_assert_cmpuint (status, ==, 404);
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
  g_assert_null (result);

  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  slow_body = soup_session_send_and_read_finish (other, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (slow), ==, 503);
  object = parse_object (slow_body);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "degraded");
  g_test_message ("reason: %s", json_object_get_string_member (object, "database"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/service/serve/healthz-ok", Fixture, NULL,
              setup_ok, test_healthz_ok, teardown);
  g_test_add ("/service/serve/not-found-and-method", Fixture, NULL,
              setup_ok, test_not_found_and_method, teardown);
  g_test_add ("/service/serve/healthz-degraded", Fixture, NULL,
              setup_closed, test_healthz_degraded, teardown);
  g_test_add ("/service/serve/healthz-does-not-block", Fixture, NULL,
              setup_silent, test_healthz_does_not_block, teardown);

  return g_test_run ();
}
