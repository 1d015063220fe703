/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "sk-connector-error.h"
#include "sk-partner-client.h"

/**
 * SkPartnerClient:
 *
 * The HTTP side of every connector: one #SoupSession, a timeout per request, and retries with
 * exponential backoff and full jitter on 429 and 5xx (Bitrix24's 503 QUERY_LIMIT_EXCEEDED
 * included), honouring Retry-After. Credentials are refused at once with
 * %SK_CONNECTOR_ERROR_AUTH: retrying a bad token only gets the club's address blocked.
 *
 * The API is synchronous: the service calls it from a worker thread, one client per thread.
 * Nothing here logs a URL or a body, since a Bitrix24 webhook URL is itself the secret.
 */
struct _SkPartnerClient
{
  GObject      parent_instance;

  SoupSession *session;
  guint        timeout;
  guint        max_attempts;
  guint        backoff_base;
  guint        backoff_max;
  guint        retry_after_max;
  guint        max_body;
  guint        n_requests;
};

G_DEFINE_FINAL_TYPE (SkPartnerClient, sk_partner_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TIMEOUT,
  PROP_MAX_ATTEMPTS,
  PROP_BACKOFF_BASE,
  PROP_BACKOFF_MAX,
  PROP_RETRY_AFTER_MAX,
  PROP_MAX_BODY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_uint (SkPartnerClient *self,
          guint           *field,
          guint            value,
          guint            prop)
{
  if (*field == value)
    return;
  *field = value;
  if (prop == PROP_TIMEOUT)
    g_object_set (self->session, "timeout", value, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static guint *
field_for (SkPartnerClient *self,
           guint            prop)
{
  switch (prop)
    {
    case PROP_TIMEOUT: return &self->timeout;
    case PROP_MAX_ATTEMPTS: return &self->max_attempts;
    case PROP_BACKOFF_BASE: return &self->backoff_base;
    case PROP_BACKOFF_MAX: return &self->backoff_max;
    case PROP_RETRY_AFTER_MAX: return &self->retry_after_max;
    case PROP_MAX_BODY: return &self->max_body;
    default: g_assert_not_reached ();
    }
}

static void
sk_partner_client_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SkPartnerClient *self = SK_PARTNER_CLIENT (object);

  if (prop_id > PROP_0 && prop_id < N_PROPS)
    g_value_set_uint (value, *field_for (self, prop_id));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
sk_partner_client_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SkPartnerClient *self = SK_PARTNER_CLIENT (object);

  if (prop_id > PROP_0 && prop_id < N_PROPS)
    set_uint (self, field_for (self, prop_id), g_value_get_uint (value), prop_id);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
sk_partner_client_dispose (GObject *object)
{
  SkPartnerClient *self = SK_PARTNER_CLIENT (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (sk_partner_client_parent_class)->dispose (object);
}

static void
sk_partner_client_class_init (SkPartnerClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS |
                      G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = sk_partner_client_get_property;
  object_class->set_property = sk_partner_client_set_property;
  object_class->dispose = sk_partner_client_dispose;

  /* Bitrix24 allows a request 60 s; a little more covers the network. */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 600, 75, flags);
  properties[PROP_MAX_ATTEMPTS] =
    g_param_spec_uint ("max-attempts", NULL, NULL, 1, 20, 5, flags);
  properties[PROP_BACKOFF_BASE] =
    g_param_spec_uint ("backoff-base", NULL, NULL, 0, 600000, 1000, flags);
  properties[PROP_BACKOFF_MAX] =
    g_param_spec_uint ("backoff-max", NULL, NULL, 0, 3600000, 60000, flags);
  /* A partner asking us to come back in an hour is better served by the next sync run. */
  properties[PROP_RETRY_AFTER_MAX] =
    g_param_spec_uint ("retry-after-max", NULL, NULL, 0, 3600, 120, flags);
  /* An answer is held in memory to be parsed: a partner (or something posing as one) must
   * not be able to make it grow without end. A page of the documented APIs is far smaller. */
  properties[PROP_MAX_BODY] =
    g_param_spec_uint ("max-body", NULL, NULL, 1024, 1024 * 1024 * 1024, 64 * 1024 * 1024, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sk_partner_client_init (SkPartnerClient *self)
{
  self->session = soup_session_new_with_options ("user-agent", "svoikrug/" SK_VERSION " ",
                                                 NULL);
}

/**
 * sk_partner_client_new:
 *
 * Returns: (transfer full): a client with the production timeouts and backoff
 */
SkPartnerClient *
sk_partner_client_new (void)
{
  return g_object_new (SK_TYPE_PARTNER_CLIENT, NULL);
}

/**
 * sk_partner_client_get_n_requests:
 * @self: a client
 *
 * Returns: how many HTTP requests it sent, retries included
 */
guint
sk_partner_client_get_n_requests (SkPartnerClient *self)
{
  g_return_val_if_fail (SK_IS_PARTNER_CLIENT (self), 0);

  return self->n_requests;
}

/* Retry-After is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
static gboolean
parse_retry_after (const char *value,
                   guint64    *out_ms)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;
  guint64 seconds;
  GTimeSpan span;

  if (value == NULL)
    return FALSE;
  while (g_ascii_isspace (*value))
    value++;

  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &seconds, NULL))
    {
      *out_ms = seconds * 1000;
      return TRUE;
    }

  when = soup_date_time_new_from_http_string (value);
  if (when == NULL)
    return FALSE;
  now = g_date_time_new_now_utc ();
  span = g_date_time_difference (when, now);
  *out_ms = span > 0 ? (guint64) span / 1000 : 0;
  return TRUE;
}

/* Full jitter: a random wait in [0, min(max, base × 2^(attempt-1))] (AWS architecture blog). */
static guint64
backoff_ms (SkPartnerClient *self,
            guint            attempt)
{
  guint64 cap = self->backoff_base;

  for (guint i = 1; i < attempt && cap < self->backoff_max; i++)
    cap *= 2;
  cap = MIN (cap, self->backoff_max);
  return cap == 0 ? 0 : (guint64) g_random_int_range (0, (gint32) cap + 1);
}

static gboolean
wait_ms (guint64        ms,
         GCancellable  *cancellable,
         GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  GPollFD fd;

  if (cancellable == NULL || !g_cancellable_make_pollfd (cancellable, &fd))
    {
      g_usleep (ms * 1000);
      return !g_cancellable_set_error_if_cancelled (cancellable, error);
    }

  while (!g_cancellable_is_cancelled (cancellable))
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (left <= 0)
        break;
      g_poll (&fd, 1, (gint) MIN (left / 1000 + 1, G_MAXINT));
    }
  g_cancellable_release_fd (cancellable);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* libsoup 3.2 has no name for 429 Too Many Requests. */
static gboolean
is_retryable_status (guint status)
{
  return status == 429 || (status >= 500 && status <= 599);
}

/* soup_session_send_and_read(), but refusing an answer longer than #SkPartnerClient:max-body
 * (%SK_CONNECTOR_ERROR_HTTP, not retried). */
static GBytes *
send_and_read_bounded (SkPartnerClient  *self,
                       SoupMessage      *msg,
                       GCancellable     *cancellable,
                       GError          **error)
{
  g_autoptr(GInputStream) stream = soup_session_send (self->session, msg, cancellable, error);
  g_autoptr(GByteArray) body = NULL;
  guint8 buffer[16384];

  if (stream == NULL)
    return NULL;

  body = g_byte_array_new ();
  for (;;)
    {
      gssize n = g_input_stream_read (stream, buffer, sizeof buffer, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if ((gsize) n > self->max_body - body->len)
        {
          g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_HTTP,
                       _("The partner’s answer is longer than %u bytes"), self->max_body);
          return NULL;
        }
      g_byte_array_append (body, buffer, (guint) n);
    }
  g_input_stream_close (stream, NULL, NULL);

  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

/**
 * sk_partner_client_request:
 * @self: a client
 * @method: "GET" or "POST"
 * @uri: the full URI; it is never logged or put in an error
 * @headers: (array zero-terminated=1) (nullable): name, value, name, value…, %NULL
 * @content_type: (nullable): the type of @body
 * @body: (nullable): the request body
 * @out_status: (out) (optional): the final HTTP status (204 tells amoCRM's "no data")
 * @cancellable: (nullable): a #GCancellable; it also cuts a backoff wait short
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR or %G_IO_ERROR_CANCELLED)
 *
 * Sends one request, retrying 429, 5xx and network failures up to #SkPartnerClient:max-attempts
 * times. 401 and 403 fail at once with %SK_CONNECTOR_ERROR_AUTH, any other 4xx with
 * %SK_CONNECTOR_ERROR_HTTP.
 *
 * Returns: (transfer full) (nullable): the body of a 2xx answer, possibly empty
 */
GBytes *
sk_partner_client_request (SkPartnerClient     *self,
                           const char          *method,
                           const char          *uri,
                           const char * const  *headers,
                           const char          *content_type,
                           GBytes              *body,
                           guint               *out_status,
                           GCancellable        *cancellable,
                           GError             **error)
{
  guint status = 0;

  g_return_val_if_fail (SK_IS_PARTNER_CLIENT (self), NULL);
  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (guint attempt = 1; ; attempt++)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) response = NULL;
      g_autoptr(GError) local_error = NULL;
      SoupMessageHeaders *request_headers;
      guint64 delay;

      /* A new message per attempt: a sent body stream cannot be replayed. */
      msg = soup_message_new (method, uri);
      if (msg == NULL)
        {
          g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                               _("The partner’s address is not a valid URL"));
          return NULL;
        }
      request_headers = soup_message_get_request_headers (msg);
      for (guint i = 0; headers != NULL && headers[i] != NULL && headers[i + 1] != NULL; i += 2)
        soup_message_headers_replace (request_headers, headers[i], headers[i + 1]);
      if (body != NULL)
        soup_message_set_request_body_from_bytes (msg, content_type, body);

      self->n_requests++;
      response = send_and_read_bounded (self, msg, cancellable, &local_error);

      if (response == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
              local_error->domain == G_TLS_ERROR || local_error->domain == SK_CONNECTOR_ERROR)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          if (attempt >= self->max_attempts)
            {
              g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_NETWORK,
                           _("The partner did not answer after %u attempts: %s"),
                           attempt, local_error->message);
              return NULL;
            }
          delay = backoff_ms (self, attempt);
          g_debug ("No answer (attempt %u of %u), retrying in %" G_GUINT64_FORMAT " ms",
                   attempt, self->max_attempts, delay);
        }
      else
        {
          status = soup_message_get_status (msg);
          if (out_status != NULL)
            *out_status = status;

          if (SOUP_STATUS_IS_SUCCESSFUL (status))
            return g_steal_pointer (&response);

          if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
            {
              g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_AUTH,
                           _("The partner refused the credentials (HTTP %u): check the token "
                             "or key in the partner’s settings"), status);
              return NULL;
            }

          if (!is_retryable_status (status))
            {
              g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_HTTP,
                           _("The partner answered HTTP %u"), status);
              return NULL;
            }

          if (attempt >= self->max_attempts)
            {
              g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_HTTP,
                           _("The partner still answered HTTP %u after %u attempts"),
                           status, attempt);
              return NULL;
            }

          if (parse_retry_after (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                               "Retry-After"),
                                 &delay))
            delay = MIN (delay, (guint64) self->retry_after_max * 1000);
          else
            delay = backoff_ms (self, attempt);
          g_debug ("HTTP %u (attempt %u of %u), retrying in %" G_GUINT64_FORMAT " ms",
                   status, attempt, self->max_attempts, delay);
        }

      if (!wait_ms (delay, cancellable, error))
        return NULL;
    }
}
