/* SPDX-License-Identifier: MIT */
/*
 * A small in-tree test harness: VGL_TEST(name) registers a test; the runner forks one process per
 * test with a timeout, and `./test-x NAME` runs one test. A test fails by a failed CHECK (exit 1),
 * a crash or a timeout, and skips by calling vgl_test_skip() (exit 77).
 */
#ifndef VGL_TEST_H
#define VGL_TEST_H

#include <stdio.h>
#include <stdlib.h>

typedef void (*vgl_test_func)(void);

void vgl_test_register(const char *name, vgl_test_func func);
_Noreturn void vgl_test_skip(const char *why);

#define VGL_TEST(name)                                                                             \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void) {                               \
        vgl_test_register(#name, test_##name);                                                     \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        if (va_ != vb_) {                                                                          \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", __FILE__,          \
                    __LINE__, #a, va_, #b, vb_);                                                   \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#endif
