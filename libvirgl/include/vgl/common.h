/* SPDX-License-Identifier: MIT */
/*
 * Status codes, version and logging shared by every part of libvirgl.
 * Stable API: values of enum vgl_status never change once released.
 */
#ifndef VGL_COMMON_H
#define VGL_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(VGL_BUILDING_LIB) && defined(__GNUC__)
#define VGL_API __attribute__((visibility("default")))
#else
#define VGL_API
#endif

#define VGL_VERSION_MAJOR  0
#define VGL_VERSION_MINOR  1
#define VGL_VERSION_PATCH  0
#define VGL_VERSION_STRING "0.1.0"

/*
 * Result of every fallible call. 0 is success, errors are negative and pinned.
 */
enum vgl_status {
    VGL_OK = 0,
    VGL_ERROR_GENERIC = -1,
    VGL_ERROR_NO_MEMORY = -2,
    VGL_ERROR_INVALID_ARGUMENT = -3, /* a value out of range (box, stride, level, ...) */
    VGL_ERROR_NOT_FOUND = -4,        /* unknown context, resource or object handle */
    VGL_ERROR_EXISTS = -5,           /* handle already in use */
    VGL_ERROR_UNSUPPORTED = -6,      /* valid request this renderer cannot do (yet) */
    VGL_ERROR_MALFORMED = -7,        /* framing or length error in a guest stream */
    VGL_ERROR_CONTEXT_BROKEN = -8,   /* context refused work after an earlier error */
    VGL_ERROR_NO_DEVICE = -9,        /* no usable EGL/GL device on the host */
    VGL_ERROR_HOST_GL = -10,         /* the host GL lacks a required feature or failed */
    VGL_ERROR_IO = -11,              /* read/write failure on a file or socket */
    VGL_ERROR_CORRUPT = -12,         /* a trace file failed a checksum or format check */
    VGL_ERROR_TRUNCATED = -13,       /* a trace file ends inside a chunk */
    VGL_ERROR_OVERFLOW = -14,        /* size arithmetic would overflow */
};

/* Name of a status ("VGL_ERROR_NOT_FOUND"); never NULL. Thread-safe. */
VGL_API const char *vgl_status_str(enum vgl_status status);

/* Library version string, e.g. "0.1.0". */
VGL_API const char *vgl_version(void);

enum vgl_log_level {
    VGL_LOG_SILENT = 0,
    VGL_LOG_ERROR = 1,
    VGL_LOG_WARN = 2,
    VGL_LOG_INFO = 3,
    VGL_LOG_DEBUG = 4,
};

typedef void (*vgl_log_func)(enum vgl_log_level level, const char *file, int line, const char *fmt,
                             va_list args, void *user);

/*
 * Route log messages below or at `verbosity` to `callback` (NULL restores the default, which writes
 * "[vgl] file:line: message" to stderr). The library itself never prints anything else.
 * Not thread-safe: call before creating renderers.
 */
VGL_API void vgl_log_init(enum vgl_log_level verbosity, vgl_log_func callback, void *user);

/* Current verbosity. */
VGL_API enum vgl_log_level vgl_log_get_verbosity(void);

VGL_API void vgl_log_message(enum vgl_log_level level, const char *file, int line, const char *fmt,
                             ...) __attribute__((format(printf, 4, 5)));

#define vgl_log(level, ...) vgl_log_message(level, __FILE__, __LINE__, __VA_ARGS__)

#endif
