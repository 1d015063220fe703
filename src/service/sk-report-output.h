/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sk-table.h"

G_BEGIN_DECLS

/* How `svoikrugd report` and the owner API's export write a report's tables. */
typedef struct
{
  const char *report;        /* "overview", "rfm", … */
  const char *business_id;   /* nullable: the club */
  const char *from;          /* YYYY-MM-DD */
  const char *to;
} SkReportHeader;

char *sk_report_to_json (const SkReportHeader *header,
                         GPtrArray            *tables);
char *sk_report_to_csv  (GPtrArray            *tables);

G_END_DECLS
