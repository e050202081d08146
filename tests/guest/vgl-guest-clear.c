/* SPDX-License-Identifier: MIT */
/* Guest test program: clears, blits and copies into a texture-backed FBO through EGL surfaceless
 * + desktop GL, checks every read-back pixel and optionally dumps each read-back to a file. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <epoxy/gl.h>
#include <zlib.h>

#include "guest_egl.h"

#define FB_W      64
#define FB_H      48
#define PAT_SIZE  16
#define COPY_SIZE 32
#define MAX_BAD   5

struct state {
    const char *dump_dir;
    unsigned readbacks;
    uint8_t got[FB_W * FB_H * 4];
    uint8_t expect[FB_W * FB_H * 4];
};

static uint8_t to_unorm8(float c) {
    /* round(c * 255) for c in [0, 1], as GL's float -> UNORM8 conversion gives */
    return (uint8_t)(c * 255.0f + 0.5f);
}

static void pattern_pixel(int x, int y, uint8_t out[4]) {
    out[0] = (uint8_t)(x * 16);
    out[1] = (uint8_t)(y * 16);
    out[2] = (uint8_t)((x ^ y) * 16);
    out[3] = 255;
}

static void fill_expect(struct state *st, const uint8_t color[4]) {
    for (int i = 0; i < FB_W * FB_H; i++) {
        memcpy(&st->expect[i * 4], color, 4);
    }
}

static bool check_gl(const char *step) {
    GLenum err = glGetError();
    if (err != GL_NO_ERROR) {
        fprintf(stderr, "GL error 0x%04x after %s\n", err, step);
        return false;
    }
    return true;
}

static bool dump_readback(const struct state *st, const uint8_t *data, size_t size) {
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/readback-%04u.rgba", st->dump_dir, st->readbacks);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        fprintf(stderr, "dump path too long\n");
        return false;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        return false;
    }
    bool ok = fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0) {
        ok = false;
    }
    if (!ok) {
        fprintf(stderr, "cannot write %s\n", path);
    }
    return ok;
}

/* Reads a w x h area at the origin of the bound read framebuffer into st->got, dumps it, prints
 * its CRC and compares it against st->expect (same layout, w*4 bytes per row). */
static bool readback(struct state *st, int w, int h, const char *what) {
    size_t size = (size_t)w * (size_t)h * 4;
    memset(st->got, 0xcd, sizeof(st->got));
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, st->got);
    if (!check_gl("glReadPixels")) {
        return false;
    }
    if (st->dump_dir && !dump_readback(st, st->got, size)) {
        return false;
    }
    uLong crc = crc32(crc32(0L, Z_NULL, 0), st->got, (uInt)size);
    printf("readback %u %dx%d crc32=%08lx\n", st->readbacks, w, h, (unsigned long)crc);
    fflush(stdout);
    st->readbacks++;

    int bad = 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            const uint8_t *g = &st->got[(y * w + x) * 4];
            const uint8_t *e = &st->expect[(y * w + x) * 4];
            if (memcmp(g, e, 4) == 0) {
                continue;
            }
            if (bad < MAX_BAD) {
                fprintf(stderr, "%s: pixel (%d,%d) got (%u,%u,%u,%u) expected (%u,%u,%u,%u)\n",
                        what, x, y, g[0], g[1], g[2], g[3], e[0], e[1], e[2], e[3]);
            }
            bad++;
        }
    }
    if (bad) {
        fprintf(stderr, "%s: %d of %d pixels wrong\n", what, bad, w * h);
        return false;
    }
    return true;
}

static bool clear_fbo(struct state *st, const float c[4]) {
    glClearColor(c[0], c[1], c[2], c[3]);
    glClear(GL_COLOR_BUFFER_BIT);
    if (!check_gl("glClear")) {
        return false;
    }
    uint8_t color[4] = {to_unorm8(c[0]), to_unorm8(c[1]), to_unorm8(c[2]), to_unorm8(c[3])};
    fill_expect(st, color);
    return true;
}

static GLuint make_texture(int w, int h, const void *data) {
    GLuint tex = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, data);
    glBindTexture(GL_TEXTURE_2D, 0);
    return tex;
}

static bool attach(GLuint fbo, GLuint tex) {
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
    GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
    if (status != GL_FRAMEBUFFER_COMPLETE) {
        fprintf(stderr, "framebuffer incomplete: 0x%04x\n", status);
        return false;
    }
    return check_gl("framebuffer setup");
}

static bool run_tests(struct state *st) {
    static const float clears[][4] = {
            {1.0f, 0.0f, 0.0f, 1.0f},
            {0.0f, 1.0f, 0.0f, 1.0f},
            {0.25f, 0.5f, 0.75f, 1.0f},
            {0.0f, 0.0f, 0.0f, 0.0f},
    };
    static const float blit_bg[4] = {0.0f, 0.0f, 1.0f, 1.0f};
    static const float scale_bg[4] = {1.0f, 1.0f, 0.0f, 0.5f};
    uint8_t pattern[PAT_SIZE * PAT_SIZE * 4];
    GLuint fbo = 0, src_fbo = 0, fb_tex = 0, pat_tex = 0, copy_tex = 0;
    bool ok = false;

    for (int y = 0; y < PAT_SIZE; y++) {
        for (int x = 0; x < PAT_SIZE; x++) {
            pattern_pixel(x, y, &pattern[(y * PAT_SIZE + x) * 4]);
        }
    }
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glDisable(GL_DITHER);
    glGenFramebuffers(1, &fbo);
    glGenFramebuffers(1, &src_fbo);
    fb_tex = make_texture(FB_W, FB_H, NULL);
    pat_tex = make_texture(PAT_SIZE, PAT_SIZE, pattern);
    copy_tex = make_texture(COPY_SIZE, COPY_SIZE, NULL);
    if (!check_gl("texture setup") || !attach(src_fbo, pat_tex) || !attach(fbo, fb_tex)) {
        goto out;
    }
    glViewport(0, 0, FB_W, FB_H);

    /* Frames: plain clears. */
    for (size_t i = 0; i < sizeof(clears) / sizeof(clears[0]); i++) {
        if (!clear_fbo(st, clears[i]) || !readback(st, FB_W, FB_H, "clear")) {
            goto out;
        }
    }

    /* 1:1 blit of the pattern at an offset. */
    if (!clear_fbo(st, blit_bg)) {
        goto out;
    }
    glBindFramebuffer(GL_READ_FRAMEBUFFER, src_fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, fbo);
    glBlitFramebuffer(0, 0, PAT_SIZE, PAT_SIZE, 8, 4, 8 + PAT_SIZE, 4 + PAT_SIZE,
                      GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    if (!check_gl("glBlitFramebuffer")) {
        goto out;
    }
    for (int y = 0; y < PAT_SIZE; y++) {
        for (int x = 0; x < PAT_SIZE; x++) {
            pattern_pixel(x, y, &st->expect[((y + 4) * FB_W + x + 8) * 4]);
        }
    }
    if (!readback(st, FB_W, FB_H, "blit")) {
        goto out;
    }

    /* 2x nearest upscale: destination pixel (i,j) samples source (i/2, j/2). */
    if (!clear_fbo(st, scale_bg)) {
        goto out;
    }
    glBindFramebuffer(GL_READ_FRAMEBUFFER, src_fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, fbo);
    glBlitFramebuffer(0, 0, PAT_SIZE, PAT_SIZE, 16, 8, 16 + 2 * PAT_SIZE, 8 + 2 * PAT_SIZE,
                      GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    if (!check_gl("scaled glBlitFramebuffer")) {
        goto out;
    }
    for (int j = 0; j < 2 * PAT_SIZE; j++) {
        for (int i = 0; i < 2 * PAT_SIZE; i++) {
            pattern_pixel(i / 2, j / 2, &st->expect[((j + 8) * FB_W + i + 16) * 4]);
        }
    }
    if (!readback(st, FB_W, FB_H, "scaled blit")) {
        goto out;
    }

    /* Copy a 32x32 window at (8,4) of the FBO into a second texture and read that back. */
    glBindTexture(GL_TEXTURE_2D, copy_tex);
    glCopyTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, 8, 4, COPY_SIZE, COPY_SIZE);
    glBindTexture(GL_TEXTURE_2D, 0);
    if (!check_gl("glCopyTexSubImage2D")) {
        goto out;
    }
    for (int y = 0; y < COPY_SIZE; y++) {
        memmove(&st->expect[y * COPY_SIZE * 4], &st->expect[((y + 4) * FB_W + 8) * 4],
                COPY_SIZE * 4);
    }
    if (!attach(src_fbo, copy_tex) || !readback(st, COPY_SIZE, COPY_SIZE, "copy")) {
        goto out;
    }
    ok = true;

out:
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glDeleteFramebuffers(1, &src_fbo);
    glDeleteFramebuffers(1, &fbo);
    glDeleteTextures(1, &copy_tex);
    glDeleteTextures(1, &pat_tex);
    glDeleteTextures(1, &fb_tex);
    return check_gl("cleanup") && ok;
}

int main(int argc, char **argv) {
    static struct state st;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
            st.dump_dir = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--dump DIR]\n", argv[0]);
            return 2;
        }
    }
    if (st.dump_dir && mkdir(st.dump_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "cannot create %s: %s\n", st.dump_dir, strerror(errno));
        return 1;
    }

    struct guest_egl egl;
    const int egl_rc = guest_egl_open(&egl);
    if (egl_rc != 0) {
        return egl_rc;
    }

    int rc = 1;
    int gl_version = epoxy_gl_version();
    if (gl_version < 21) {
        fprintf(stderr, "GL %d.%d is older than the required 2.1\n", gl_version / 10,
                gl_version % 10);
    } else if (gl_version < 30 && !epoxy_has_gl_extension("GL_ARB_framebuffer_object")) {
        fprintf(stderr, "skip: neither GL 3.0 nor GL_ARB_framebuffer_object\n");
        rc = 77;
    } else if (run_tests(&st)) {
        fprintf(stderr, "all %u read-backs passed\n", st.readbacks);
        rc = 0;
    }

    guest_egl_close(&egl);
    return rc;
}
