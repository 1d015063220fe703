/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

/*
 * Shared by every libFuzzer target: a critical or a warning (a g_return_if_fail() that
 * fires, a GLib misuse) is a bug the input found, so it aborts and libFuzzer keeps the input.
 */
int LLVMFuzzerInitialize (int *argc, char ***argv);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}
