/* SPDX-License-Identifier: MIT */
/*
 * The sanitizer stage's leak canary: one test that brings the renderer up on the host GL driver
 * the way the hostile tests do (driver loaded, a shader compiled and drawn, llvmpipe's threads
 * running), then leaks CANARY_BYTES on purpose from our own code. check_leak_canary.py runs it
 * and fails unless LeakSanitizer reports exactly that leak, so a stage that stops detecting
 * leaks (a crashing leak checker, a suppression that hides our code, detect_leaks=0) turns red
 * by itself.
 */
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "test.h"

#define CANARY_BYTES 4099

/* The only pointer to the block; cleared after the renderer is gone. */
static void *volatile canary;

static __attribute__((noinline)) void leak_on_purpose(void) {
    canary = malloc(CANARY_BYTES);
    CHECK(canary);
    memset(canary, 0x5a, CANARY_BYTES);
    canary = NULL;
}

VGL_TEST(canary_leaks_on_purpose) {
    struct hostile *h = hostile_open(NULL);
    hostile_draw_setup(h);
    hostile_upload_triangle(h);
    enc_draw(&h->e, 4, 0, 3, false);
    hostile_submit_ok(h, HOSTILE_CTX);
    hostile_expect_healthy(h, HOSTILE_CTX);
    hostile_close(h);
    leak_on_purpose();
}
