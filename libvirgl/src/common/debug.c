/* SPDX-License-Identifier: MIT */
/* Parses VGL_DEBUG from its table; `VGL_DEBUG=help` is the one place the library prints on its
 * own, because the user asked it to. */
#include "common/debug.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

struct flag {
    const char *name;
    uint32_t bit;
    const char *help;
};

static const struct flag flags[] = {
        {"cmd", VGL_DEBUG_CMD, "log every decoded command (context, submit, index, name, length)"},
        {"tgsi", VGL_DEBUG_TGSI, "log the TGSI text of every shader the guest creates"},
        {"glsl", VGL_DEBUG_GLSL, "log the GLSL generated for every program variant"},
        {"glerror", VGL_DEBUG_GLERROR, "check host GL errors after every command and log them"},
        {"khr", VGL_DEBUG_KHR, "route KHR_debug messages of the host GL to the logger"},
};

static uint32_t parse(const char *value) {
    uint32_t bits = 0;
    while (value && *value) {
        const size_t len = strcspn(value, ",");
        if (len == 4 && strncmp(value, "help", 4) == 0) {
            fprintf(stderr, "VGL_DEBUG: comma-separated flags (or \"all\"):\n");
            for (size_t i = 0; i < VGL_ARRAY_SIZE(flags); i++) {
                fprintf(stderr, "  %-8s %s\n", flags[i].name, flags[i].help);
            }
        } else if (len == 3 && strncmp(value, "all", 3) == 0) {
            bits = ~0u;
        } else {
            bool known = false;
            for (size_t i = 0; i < VGL_ARRAY_SIZE(flags); i++) {
                if (strlen(flags[i].name) == len && strncmp(value, flags[i].name, len) == 0) {
                    bits |= flags[i].bit;
                    known = true;
                }
            }
            if (!known && len) {
                vgl_log(VGL_LOG_WARN, "VGL_DEBUG: unknown flag '%.*s' (VGL_DEBUG=help lists them)",
                        (int)len, value);
            }
        }
        value += len + (value[len] == ',');
    }
    return bits;
}

uint32_t vgl_debug_flags(void) {
    static int parsed;
    static uint32_t bits;
    if (!parsed) {
        bits = parse(getenv("VGL_DEBUG"));
        parsed = 1;
    }
    return bits;
}
