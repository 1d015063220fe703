/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include <glib/gi18n-lib.h>

#include "sk-amocrm.h"
#include "sk-bitrix24.h"
#include "sk-connector-error.h"
#include "sk-connector.h"
#include "sk-iiko.h"
#include "sk-onec.h"
#include "sk-renovatio.h"
#include "sk-yclients.h"

G_DEFINE_INTERFACE (SkConnector, sk_connector, G_TYPE_OBJECT)

static void
sk_connector_default_init (SkConnectorInterface *iface)
{
}

/**
 * sk_connector_new:
 * @system: "yclients", "amocrm", "bitrix24", "onec", "iiko" or "renovatio"
 * @settings: (element-type utf8 utf8): the partner's settings and credentials
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Every connector reads "business-id" (copied into each purchase) and "time-zone" (the
 * partner's zone, Europe/Moscow by default); the rest is in each connector's documentation.
 *
 * Returns: (transfer full) (nullable): the connector
 */
SkConnector *
sk_connector_new (const char  *system,
                  GHashTable  *settings,
                  GError     **error)
{
  g_return_val_if_fail (system != NULL, NULL);
  g_return_val_if_fail (settings != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_str_equal (system, "yclients"))
    return sk_yclients_connector_new (settings, error);
  if (g_str_equal (system, "amocrm"))
    return sk_amocrm_connector_new (settings, error);
  if (g_str_equal (system, "bitrix24"))
    return sk_bitrix24_connector_new (settings, error);
  if (g_str_equal (system, "onec"))
    return sk_onec_connector_new (settings, error);
  if (g_str_equal (system, "iiko"))
    return sk_iiko_connector_new (settings, error);
  if (g_str_equal (system, "renovatio"))
    return sk_renovatio_connector_new (settings, error);

  g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
               _("There is no connector for the system “%s”"), system);
  return NULL;
}

const char *
sk_connector_get_system (SkConnector *self)
{
  g_return_val_if_fail (SK_IS_CONNECTOR (self), NULL);

  return SK_CONNECTOR_GET_IFACE (self)->get_system (self);
}

/**
 * sk_connector_fetch:
 * @self: a connector
 * @client: the HTTP client to use (from this thread)
 * @cursor: (nullable): what the last recorded batch returned, or %NULL on the first run
 * @now_us: the end of the window, unix microseconds
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Fetches every page. A failure on any page fails the whole fetch, so the cursor is never
 * advanced past records that were not read.
 *
 * Returns: (transfer full) (nullable): the completed sales and the next cursor
 */
SkConnectorBatch *
sk_connector_fetch (SkConnector      *self,
                    SkPartnerClient  *client,
                    const char       *cursor,
                    gint64            now_us,
                    GCancellable     *cancellable,
                    GError          **error)
{
  g_return_val_if_fail (SK_IS_CONNECTOR (self), NULL);
  g_return_val_if_fail (SK_IS_PARTNER_CLIENT (client), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return SK_CONNECTOR_GET_IFACE (self)->fetch (self, client, cursor, now_us, cancellable, error);
}

/**
 * sk_connector_window:
 * @cursor: (nullable): a stored cursor: the unix microseconds the last window ended at
 * @now_us: now
 * @since_us: (out): where this window starts
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: whether @cursor is readable
 */
gboolean
sk_connector_window (const char  *cursor,
                     gint64       now_us,
                     gint64      *since_us,
                     GError     **error)
{
  gint64 end;

  g_return_val_if_fail (since_us != NULL, FALSE);

  if (cursor == NULL)
    {
      *since_us = now_us - SK_CONNECTOR_FIRST_RUN_US;
      return TRUE;
    }

  if (!g_ascii_string_to_signed (cursor, 10, 0, G_MAXINT64, &end, NULL))
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                           _("The stored sync cursor is not readable"));
      return FALSE;
    }
  *since_us = MIN (end, now_us) - SK_CONNECTOR_OVERLAP_US;
  return TRUE;
}

/**
 * sk_connector_setting:
 * @settings: (element-type utf8 utf8): settings
 * @key: the key
 * @fallback: (nullable): the value when it is missing, or %NULL when it is required
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: (transfer none) (nullable): the value, or %NULL when a required one is missing
 */
const char *
sk_connector_setting (GHashTable  *settings,
                      const char  *key,
                      const char  *fallback,
                      GError     **error)
{
  const char *value = g_hash_table_lookup (settings, key);

  if (value != NULL && *value != '\0')
    return value;
  if (fallback == NULL)
    g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                 _("The partner setting “%s” is missing"), key);
  return fallback;
}

/**
 * sk_connector_setting_tz:
 * @settings: (element-type utf8 utf8): settings
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: (transfer full) (nullable): the "time-zone" setting, Europe/Moscow by default
 */
GTimeZone *
sk_connector_setting_tz (GHashTable  *settings,
                         GError     **error)
{
  const char *name = sk_connector_setting (settings, "time-zone", "Europe/Moscow", NULL);
  GTimeZone *tz = g_time_zone_new_identifier (name);

  if (tz == NULL)
    g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                 _("The partner setting “%s” is not a known time zone"), "time-zone");
  return tz;
}

/**
 * sk_connector_setting_uint:
 * @settings: (element-type utf8 utf8): settings
 * @key: the setting
 * @fallback: its value when it is not set
 * @min: the smallest value accepted
 * @max: the largest value accepted
 * @out: (out): the value
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Returns: whether @key holds a whole number from @min to @max
 */
gboolean
sk_connector_setting_uint (GHashTable  *settings,
                           const char  *key,
                           const char  *fallback,
                           guint        min,
                           guint        max,
                           guint       *out,
                           GError     **error)
{
  const char *value = sk_connector_setting (settings, key, fallback, NULL);
  guint64 number;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, min, max, &number, NULL))
    {
      g_set_error (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                   _("The partner setting “%s” must be a number from %u to %u"), key, min, max);
      return FALSE;
    }
  *out = (guint) number;
  return TRUE;
}

/**
 * sk_connector_is_digits:
 * @text: a setting or an id
 *
 * Returns: whether @text is one or more ASCII digits
 */
gboolean
sk_connector_is_digits (const char *text)
{
  if (text == NULL || *text == '\0')
    return FALSE;
  for (; *text != '\0'; text++)
    if (!g_ascii_isdigit (*text))
      return FALSE;
  return TRUE;
}

/**
 * sk_connector_origin:
 * @url: an http(s) URL from the settings
 * @error: return location for a #GError (%SK_CONNECTOR_ERROR_SETTINGS)
 *
 * Links a partner returns (amoCRM's `_links.next`) are followed only on this origin, so a
 * token is never sent to a host the settings did not name.
 *
 * Returns: (transfer full) (nullable): "https://host[:port]"
 */
char *
sk_connector_origin (const char  *url,
                     GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      g_set_error_literal (error, SK_CONNECTOR_ERROR, SK_CONNECTOR_ERROR_SETTINGS,
                           _("The partner’s address is not a valid URL"));
      return NULL;
    }

  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s://%s:%d", scheme, g_uri_get_host (uri), g_uri_get_port (uri));
  return g_strdup_printf ("%s://%s", scheme, g_uri_get_host (uri));
}
