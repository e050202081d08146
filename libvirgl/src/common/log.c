/* SPDX-License-Identifier: MIT */
/* The one logger: levels, a replaceable callback, file:line prefixes. Never prints on its own
 * except through the default callback. */
#include <stdio.h>
#include <string.h>

#include <vgl/common.h>

static enum vgl_log_level verbosity = VGL_LOG_WARN;
static vgl_log_func log_callback;
static void *log_user;

static const char *const level_names[] = {
        [VGL_LOG_SILENT] = "",   [VGL_LOG_ERROR] = "error", [VGL_LOG_WARN] = "warning",
        [VGL_LOG_INFO] = "info", [VGL_LOG_DEBUG] = "debug",
};

static void default_log(enum vgl_log_level level, const char *file, int line, const char *fmt,
                        va_list args, void *user) {
    (void)user;
    const char *base = strrchr(file, '/');
    fprintf(stderr, "[vgl] %s: %s:%d: ", level_names[level], base ? base + 1 : file, line);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
}

void vgl_log_init(enum vgl_log_level level, vgl_log_func callback, void *user) {
    verbosity = level;
    log_callback = callback;
    log_user = user;
}

enum vgl_log_level vgl_log_get_verbosity(void) {
    return verbosity;
}

void vgl_log_message(enum vgl_log_level level, const char *file, int line, const char *fmt, ...) {
    if (level > verbosity || level <= VGL_LOG_SILENT) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    if (log_callback) {
        log_callback(level, file, line, fmt, args, log_user);
    } else {
        default_log(level, file, line, fmt, args, NULL);
    }
    va_end(args);
}
