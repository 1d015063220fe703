/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

/*
 * Shared by every libFuzzer target: a critical or a warning (a g_return_if_fail() that
 * fires, a GLib misuse) is a bug the input found, so it aborts and libFuzzer keeps the input.
 */
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* GLib ends a fatal message (g_error(), so a failed SK_FUZZ_CHECK, or a critical made fatal)
 * with a breakpoint, SIGTRAP, which libFuzzer does not catch: it would die without writing
 * the input or a stack. An abort is what it handles. */
static void
trap_to_abort (int signum)
{
  abort ();
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  signal (SIGTRAP, trap_to_abort);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}
