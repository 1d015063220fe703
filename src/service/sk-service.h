/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SK_SERVICE_ERROR (sk_service_error_quark ())

/* USAGE and CONFIG end the process with status 2, RUNTIME (and any other domain) with 1. */
typedef enum
{
  SK_SERVICE_ERROR_USAGE,
  SK_SERVICE_ERROR_CONFIG,
  SK_SERVICE_ERROR_RUNTIME,
} SkServiceError;

#define SK_EXIT_OK      0
#define SK_EXIT_RUNTIME 1
#define SK_EXIT_USAGE   2

GQuark sk_service_error_quark (void);
int    sk_service_exit_status (const GError *error);

G_END_DECLS
