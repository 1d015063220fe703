/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SK_CONNECTOR_ERROR (sk_connector_error_quark ())

/**
 * SkConnectorError:
 * @SK_CONNECTOR_ERROR_AUTH: the partner refused the credentials (HTTP 401/403); never retried
 * @SK_CONNECTOR_ERROR_PARSE: the partner's answer is not the JSON we expect
 * @SK_CONNECTOR_ERROR_HTTP: an HTTP status we cannot retry, or retries ran out
 * @SK_CONNECTOR_ERROR_NETWORK: no answer at all (connection, timeout), after the retries
 * @SK_CONNECTOR_ERROR_PARTNER: the partner answered with its own error envelope
 * @SK_CONNECTOR_ERROR_SETTINGS: a connector setting is missing or malformed
 *
 * The one error domain of the connectors layer. Messages never carry a URL (webhook URLs hold
 * secrets), a payload or a phone.
 */
typedef enum
{
  SK_CONNECTOR_ERROR_AUTH,
  SK_CONNECTOR_ERROR_PARSE,
  SK_CONNECTOR_ERROR_HTTP,
  SK_CONNECTOR_ERROR_NETWORK,
  SK_CONNECTOR_ERROR_PARTNER,
  SK_CONNECTOR_ERROR_SETTINGS,
} SkConnectorError;

GQuark sk_connector_error_quark (void);

G_END_DECLS
