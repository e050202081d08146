/* SPDX-License-Identifier: MIT */
/* Internal helpers: overflow-checked size arithmetic and the error-return macros. */
#ifndef VGL_COMMON_UTIL_H
#define VGL_COMMON_UTIL_H

#include <vgl/common.h>

#define VGL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* *out = a * b, false on overflow. */
static inline bool vgl_size_mul(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
/* *out = a + b, false on overflow. */
static inline bool vgl_size_add(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_add_overflow(a, b, out);
}

/* Store a little-endian u32 / float at an unaligned address. */
static inline void vgl_put_le32(void *dst, uint32_t v) {
    uint8_t *p = dst;
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void vgl_put_lef(void *dst, float f) {
    uint32_t v;
    __builtin_memcpy(&v, &f, sizeof(v));
    vgl_put_le32(dst, v);
}

/* Log the failed condition (with a printf-style reason) at debug level and return `status`. */
#define VGL_RETURN_ERROR_IF(cond, status, fmt, ...)                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            vgl_log(VGL_LOG_DEBUG, "%s (%s): " fmt, #status, #cond, ##__VA_ARGS__);                \
            return status;                                                                         \
        }                                                                                          \
    } while (0)

/* Return the status of `expr` if it is an error. */
#define VGL_FORWARD_IF_ERROR(expr)                                                                 \
    do {                                                                                           \
        const enum vgl_status fwd_status_ = (expr);                                                \
        if (fwd_status_ != VGL_OK) {                                                               \
            return fwd_status_;                                                                    \
        }                                                                                          \
    } while (0)

#endif
