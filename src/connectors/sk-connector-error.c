/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-connectors"

#include "sk-connector-error.h"

G_DEFINE_QUARK (sk-connector-error-quark, sk_connector_error)
