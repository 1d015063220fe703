/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sk-db.h"

G_BEGIN_DECLS

gboolean sk_db_migrate (PGconn      *conn,
                        const char  *migrations_dir,
                        GPtrArray  **applied,
                        GError     **error);

G_END_DECLS
