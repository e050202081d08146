/* SPDX-License-Identifier: MIT */
/*
 * Traces that do not live in git: fetched once over HTTP(S) into a cache directory (libcurl,
 * with retries), named by their sha256 (libcrypto) and written through a temporary file renamed
 * into place, so parallel jobs sharing the cache never see half a file. A file whose hash
 * differs is never handed out.
 */
#ifndef VGL_REPLAY_FETCH_H
#define VGL_REPLAY_FETCH_H

#include <stdbool.h>
#include <stddef.h>

enum fetch_result {
    FETCH_OK,
    FETCH_UNREACHABLE, /* every try failed (network, HTTP error): the trace cannot be had */
    FETCH_WRONG_HASH,  /* the bytes are not the ones the manifest names */
    FETCH_LOCAL_ERROR, /* the cache directory cannot be made or written */
};

/* The cache directory: dir when given, else $VGL_TRACE_CACHE, else $XDG_CACHE_HOME/virgl-replay,
 * else ~/.cache/virgl-replay (malloc'ed; NULL when none can be named). */
char *fetch_cache_dir(const char *dir);

/* Lower-case hex sha256 of a file; false with why. */
bool sha256_file(const char *path, char out[65], char *why, size_t why_size);

/* Put a verified copy of url in cache_dir (made if missing) and return its path in *path
 * (malloc'ed). A cached copy is hashed again before use and fetched anew when it differs. */
enum fetch_result fetch_trace(const char *url, const char *sha256, const char *cache_dir,
                              char **path, char *why, size_t why_size);

#endif
