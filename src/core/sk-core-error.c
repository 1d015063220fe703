/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sk-core"

#include "sk-core-error.h"

G_DEFINE_QUARK (sk-core-error-quark, sk_core_error)
