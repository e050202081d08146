/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing seeds from real sessions: with VGL_SEED_DIR set, every command buffer submitted to the
 * renderer is written to $VGL_SEED_DIR/decode/<hash of its bytes> (identical buffers collapse
 * into one file). A debugging aid only: it costs a hash and a file per submit.
 */
#ifndef VGL_SEED_H
#define VGL_SEED_H

#include <stddef.h>

/* Write `size` bytes as a seed of kind `kind` (a subdirectory name). No-op when unset. */
void vgl_seed_write(const char *kind, const void *data, size_t size);

#endif
