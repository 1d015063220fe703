/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-test"

#include <string.h>

#include "sk-fake-partner.h"

static void
serve_ok (SkFakePartner     *fake,
          SoupServerMessage *msg,
          gpointer           user_data)
{
  sk_fake_reply_text (msg, 200, "application/json", "{\"ok\":true}");
}

static GBytes *
get (SkPartnerClient  *client,
     SkFakePartner    *fake,
     GCancellable     *cancellable,
     guint            *status,
     GError          **error)
{
  g_autofree char *uri = g_strconcat (sk_fake_partner_get_url (fake), "/x", NULL);

  return sk_partner_client_request (client, "GET", uri, NULL, NULL, NULL, status, cancellable,
                                    error);
}

/* Retry-After as an HTTP date two seconds ahead: waited, but capped by retry-after-max. */
static void
test_retry_after_date (void)
{
  g_autoptr(SkFakePartner) fake = sk_fake_partner_new (serve_ok, NULL);
  g_autoptr(SkPartnerClient) client = sk_test_client_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 2);
  g_autofree char *date = g_date_time_format (later, "%a, %d %b %Y %H:%M:%S GMT");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  gint64 start = g_get_monotonic_time ();
  guint status = 0;

  g_object_set (client, "retry-after-max", 1, NULL);
  sk_fake_partner_queue (fake, 503, date, NULL);
  body = get (client, fake, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (sk_partner_client_get_n_requests (client), ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 500 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_soon (gpointer data)
{
  g_usleep (200 * 1000);
  cancel_cb (data);
  return NULL;
}

/* A long Retry-After does not hold up a cancelled sync. */
static void
test_cancel_during_backoff (void)
{
  g_autoptr(SkFakePartner) fake = sk_fake_partner_new (serve_ok, NULL);
  g_autoptr(SkPartnerClient) client = sk_test_client_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  GThread *thread;
  gint64 start = g_get_monotonic_time ();

  sk_fake_partner_queue (fake, 429, "60", NULL);
  thread = g_thread_new ("cancel", cancel_soon, cancellable);
  body = get (client, fake, cancellable, NULL, &error);
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (body);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (fake), ==, 1);
}

static void
test_other_4xx_not_retried (void)
{
  g_autoptr(SkFakePartner) fake = sk_fake_partner_new (serve_ok, NULL);
  g_autoptr(SkPartnerClient) client = sk_test_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  sk_fake_partner_queue (fake, 404, NULL, NULL);
  body = get (client, fake, NULL, NULL, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_HTTP);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (fake), ==, 1);
}

static void
serve_big (SkFakePartner     *fake,
           SoupServerMessage *msg,
           gpointer           user_data)
{
  g_autofree char *text = g_strnfill (5000, ' ');

  text[0] = '[';
  text[4999] = ']';
  sk_fake_reply_text (msg, 200, "application/json", text);
}

/* An answer longer than max-body is refused at once, not read to its end or retried; one
 * within it is read whole. */
static void
test_max_body (void)
{
  g_autoptr(SkFakePartner) big = sk_fake_partner_new (serve_big, NULL);
  g_autoptr(SkPartnerClient) client = sk_test_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) refused = NULL;
  g_autoptr(GBytes) body = NULL;

  g_object_set (client, "max-body", 4096, NULL);
  refused = get (client, big, NULL, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_HTTP);
  g_assert_cmpuint (sk_fake_partner_get_n_requests (big), ==, 1);

  g_clear_error (&error);
  g_object_set (client, "max-body", 5000, NULL);
  body = get (client, big, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (body), ==, 5000);
}

/* Nobody listens: retried, then a network error. */
static void
test_unreachable (void)
{
  g_autoptr(SkPartnerClient) client = sk_test_client_new ();
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *uri = NULL;

  /* A port that was free a moment ago and has no listener. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  uri = g_strdup_printf ("http://127.0.0.1:%u/x",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  body = sk_partner_client_request (client, "GET", uri, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_NETWORK);
  g_assert_cmpuint (sk_partner_client_get_n_requests (client), ==, 4);
}

static const struct
{
  const char *system;
  const char *keys[8];
} bad_settings[] = {
  { "yclients", { "partner-token", "p", "user-token", "u", NULL } },
  { "yclients", { "company-id", "73/../1", "partner-token", "p", "user-token", "u", NULL } },
  { "yclients", { "company-id", "1", "partner-token", "p", "user-token", "u", "page-size", "0", } },
  { "amocrm", { "base-url", "ftp://x.amocrm.ru", "token", "t", NULL } },
  { "amocrm", { "base-url", "https://x.amocrm.ru", "token", "t", "pipeline-ids", "1,x", NULL } },
  { "bitrix24", { "webhook-url", "not a url", NULL } },
  { "bitrix24", { "webhook-url", "https://b.bitrix24.ru/rest/1/c/", "time-zone", "Mars/Olympus", NULL } },
  { "iiko-server", { NULL } },
};

static void
test_bad_settings (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_settings); i++)
    {
      g_autoptr(GHashTable) settings = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GError) error = NULL;
      g_autoptr(SkConnector) connector = NULL;

      for (guint k = 0; k + 1 < G_N_ELEMENTS (bad_settings[i].keys) && bad_settings[i].keys[k] != NULL; k += 2)
        g_hash_table_insert (settings, (char *) bad_settings[i].keys[k],
                             (char *) bad_settings[i].keys[k + 1]);
      connector = sk_connector_new (bad_settings[i].system, settings, &error);
      g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS);
      g_assert_null (connector);
    }
}

static void
test_window (void)
{
  g_autoptr(GError) error = NULL;
  gint64 since;

  g_assert_true (sk_connector_window (NULL, SK_CONNECTOR_FIRST_RUN_US * 2, &since, &error));
  g_assert_cmpint (since, ==, SK_CONNECTOR_FIRST_RUN_US);
  g_assert_true (sk_connector_window ("1000000000", 2000000000, &since, &error));
  g_assert_cmpint (since, ==, 1000000000 - SK_CONNECTOR_OVERLAP_US);
  /* A cursor from the future (a clock set wrong) still fetches up to now. */
  g_assert_true (sk_connector_window ("9000000000", 2000000000, &since, &error));
  g_assert_cmpint (since, ==, 2000000000 - SK_CONNECTOR_OVERLAP_US);
  g_assert_false (sk_connector_window ("12abc", 2000000000, &since, &error));
  g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS);
}

/* Amounts never pass through a double: decimal literals reach sk_money_parse() as text. */
static void
test_json_decimals (void)
{
  static const struct
  {
    const char *json;
    gboolean    ok;
    SkKopecks   kopecks;
  } cases[] = {
    { "{\"a\": 2160}", TRUE, 216000 },
    { "{\"a\": 2160.0}", TRUE, 216000 },
    { "{\"a\": 3750.50}", TRUE, 375050 },
    { "{\"a\": 0.29}", TRUE, 29 },
    { "{\"a\": 1234567890123.45}", TRUE, G_GINT64_CONSTANT (123456789012345) },
    { "{\"a\": \"3750.50\"}", TRUE, 375050 },
    { "{\"a\": -15.5}", TRUE, -1550 },
    { "{\"a\": 1.005}", FALSE, 0 },
    { "{\"a\": 1e3}", FALSE, 0 },
    { "{\"a\": 92233720368547758}", TRUE, G_GINT64_CONSTANT (9223372036854775800) },
    { "{\"a\": 92233720368547759}", FALSE, 0 },
    { "{\"a\": true}", FALSE, 0 },
    { "{\"a\": null}", FALSE, 0 },
    { "{\"b\": 1}", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = sk_connector_json_parse (cases[i].json, strlen (cases[i].json), &error);
      SkKopecks k = 0;

      g_assert_no_error (error);
      g_assert_cmpint (sk_connector_json_get_kopecks (sk_connector_json_object (root), "a", &k), ==,
                       cases[i].ok);
      if (cases[i].ok)
        g_assert_cmpint (k, ==, cases[i].kopecks);
    }
}

/* One answer is one JSON value; a time must be one GLib (and the pipeline) can hold. */
static void
test_json_one_value_and_time_range (void)
{
  static const struct
  {
    const char *json;
    gboolean    ok;
  } bodies[] = {
    { "{\"a\": 1}", TRUE },
    { "  [1, 2]\n", TRUE },
    { "\"x\"", TRUE },
    { "{}{\"success\":true,\"data\":[]}", FALSE },
    { "1[]", FALSE },
    { "[] []", FALSE },
    { "\"a\" \"b\"", FALSE },
    { "true false", FALSE },
    { "{'a': '{'}{}", FALSE },
    { "{/* { */}{}", FALSE },
    { "{\"a\": \"it's /here/\"}", TRUE },
    /* Escapes: json-glib 1.6 leaks on the bad ones, so they never reach it. */
    { "{\"a\": \"\\u00e9\\n\\t\\\"\\\\\\/\"}", TRUE },
    { "{\"a\": \"\\ud83d\\ude00\"}", TRUE },
    { "{\"o\n\n\\udaa\n\\u:", FALSE },
    { "{\"a\": \"\\udaa\"}", FALSE },
    { "{\"a\": \"\\ud83d\"}", FALSE },
    { "{\"a\": \"\\ud83dx\\ude00\"}", FALSE },
    { "{\"a\": \"\\ude00\"}", FALSE },
    { "{\"a\": \"\\x41\"}", FALSE },
    { "{\"a\": \"line\nbreak\"}", FALSE },
    { "{\"a\": \"\\", FALSE },
  };
  static const struct
  {
    const char *time;
    gboolean    ok;
  } times[] = {
    { "2026-11-20T11:00:00+03:00", TRUE },
    { "2026-11-20 11:00:00", TRUE },
    { "0001-01-01T00:00:00+01:00", FALSE },
    { "1900-01-01T00:00:00+00:00", FALSE },
    { "9999-12-31T23:59:59-01:00", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = sk_connector_json_parse (bodies[i].json, strlen (bodies[i].json),
                                                          &error);

      g_test_message ("%s", bodies[i].json);
      if (bodies[i].ok)
        g_assert_no_error (error);
      else
        g_assert_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_PARSE);
      g_assert_true ((root != NULL) == bodies[i].ok);
    }

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"t\": \"%s\"}", times[i].time);
      g_autoptr(JsonNode) root = sk_connector_json_parse (json, strlen (json), NULL);
      gint64 us = 0;

      g_test_message ("%s", times[i].time);
      g_assert_nonnull (root);
      g_assert_true (sk_connector_json_get_time (sk_connector_json_object (root), "t", NULL, &us)
                     == times[i].ok);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connectors/client/retry-after-date", test_retry_after_date);
  g_test_add_func ("/connectors/client/cancel-during-backoff", test_cancel_during_backoff);
  g_test_add_func ("/connectors/client/other-4xx-not-retried", test_other_4xx_not_retried);
  g_test_add_func ("/connectors/client/unreachable", test_unreachable);
  g_test_add_func ("/connectors/client/max-body", test_max_body);
  g_test_add_func ("/connectors/settings/bad", test_bad_settings);
  g_test_add_func ("/connectors/settings/window", test_window);
  g_test_add_func ("/connectors/json/decimals", test_json_decimals);
  g_test_add_func ("/connectors/json/one-value-and-time-range", test_json_one_value_and_time_range);

  return g_test_run ();
}
