/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean sk_report_bgnbd (const char     *summary_csv_path,
                          double          horizon_weeks,
                          GOutputStream  *out,
                          GError        **error);

G_END_DECLS
