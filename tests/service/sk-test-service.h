/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The outcome of one run of the real svoikrugd binary (SVOIKRUG_BIN). */
typedef struct
{
  int   status;       /* exit status, or -1 if it did not exit normally */
  char *out;
  char *err;
} SkRun;

void                sk_run_free          (SkRun       *run);

/* Starts from this process's environment without any SVOIKRUG_* variable except
 * SVOIKRUG_MIGRATIONS_DIR, in the C locale, with SVOIKRUG_CONFIG pointing at an empty file;
 * @env then sets ("NAME=value") or unsets ("NAME") variables. */
GSubprocessLauncher *sk_test_launcher    (const char * const *env);
SkRun              *sk_test_run          (const char * const *env,
                                          const char         *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;
SkRun              *sk_test_runv         (const char * const *env,
                                          const char * const *args);
const char         *sk_test_bin          (void);
char               *sk_test_write_file   (const char          *name,
                                          const char          *contents);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SkRun, sk_run_free)

G_END_DECLS
