/* SPDX-License-Identifier: MIT */
/*
 * Guest test program: a small animated GL 2.1 scene (GLSL 1.20 shaders, a mipmapped texture,
 * vertex and index buffers, blending, depth test) drawn into a texture-backed FBO for N frames,
 * each read back with glReadPixels and its CRC-32 printed. The texture is rewritten half-way,
 * so traces of it carry state that changes between frames (for trim and diff tests).
 *
 * With --no-readback it never reads back: each frame ends with glFlush, as a headless program
 * or a swap in a VM would end it, and the program prints only "frame N drawn". --no-flush
 * leaves out the glFlush too, so that many frames share one command buffer (a headless
 * benchmark's pbuffer swaps flush nothing).
 *
 * With --loop SECONDS it instead draws frames whose every pixel is known (a flat quad and a
 * scissored clear at places and colours that change each frame) for that long, checks every
 * read-back against the image it drew and exits 1 at the first wrong pixel: a load test's way
 * of proving that no other client disturbs it.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <epoxy/gl.h>
#include <zlib.h>

#include "guest_egl.h"

#define FB_W 96
#define FB_H 64
#define TEX  16

static const char *const vs_text =
        "#version 120\n"
        "attribute vec2 pos;\n"
        "attribute vec2 uv;\n"
        "uniform float angle;\n"
        "uniform float depth;\n"
        "varying vec2 v_uv;\n"
        "void main() {\n"
        "    float c = cos(angle), s = sin(angle);\n"
        "    gl_Position = vec4(c * pos.x - s * pos.y, s * pos.x + c * pos.y, depth, 1.0);\n"
        "    v_uv = uv;\n"
        "}\n";

static const char *const fs_text = "#version 120\n"
                                   "uniform sampler2D tex;\n"
                                   "uniform vec4 tint;\n"
                                   "varying vec2 v_uv;\n"
                                   "void main() {\n"
                                   "    gl_FragColor = texture2D(tex, v_uv) * tint;\n"
                                   "}\n";

static GLuint compile(GLenum type, const char *text) {
    GLuint sh = glCreateShader(type);
    glShaderSource(sh, 1, &text, NULL);
    glCompileShader(sh);
    GLint ok = 0;
    glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024];
        glGetShaderInfoLog(sh, sizeof(log), NULL, log);
        fprintf(stderr, "shader: %s\n", log);
    }
    return sh;
}

static GLuint make_program(void) {
    GLuint prog = glCreateProgram();
    GLuint vs = compile(GL_VERTEX_SHADER, vs_text), fs = compile(GL_FRAGMENT_SHADER, fs_text);
    glAttachShader(prog, vs);
    glAttachShader(prog, fs);
    glBindAttribLocation(prog, 0, "pos");
    glBindAttribLocation(prog, 1, "uv");
    glLinkProgram(prog);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(prog, GL_LINK_STATUS, &ok);
    return ok ? prog : 0;
}

/* A checkerboard; `phase` shifts its colours. */
static void fill_texture(uint8_t *texels, unsigned phase) {
    for (int y = 0; y < TEX; y++) {
        for (int x = 0; x < TEX; x++) {
            uint8_t *p = &texels[(y * TEX + x) * 4];
            const bool on = ((x / 4) ^ (y / 4)) & 1;
            p[0] = (uint8_t)(on ? 240 : 30 + 20 * phase);
            p[1] = (uint8_t)(on ? 200 - 40 * phase : 60);
            p[2] = (uint8_t)(x * 16);
            p[3] = 255;
        }
    }
}

struct scene {
    GLuint fbo, color, depth, tex, prog, vbo, ibo;
    GLint angle, depth_loc, tint;
};

static bool setup(struct scene *s) {
    glGenTextures(1, &s->color);
    glBindTexture(GL_TEXTURE_2D, s->color);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, FB_W, FB_H, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
    glGenRenderbuffers(1, &s->depth);
    glBindRenderbuffer(GL_RENDERBUFFER, s->depth);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, FB_W, FB_H);
    glGenFramebuffers(1, &s->fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, s->fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, s->color, 0);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, s->depth);
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        fprintf(stderr, "framebuffer incomplete\n");
        return false;
    }
    uint8_t texels[TEX * TEX * 4];
    fill_texture(texels, 0);
    glGenTextures(1, &s->tex);
    glBindTexture(GL_TEXTURE_2D, s->tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, TEX, TEX, 0, GL_RGBA, GL_UNSIGNED_BYTE, texels);
    glGenerateMipmap(GL_TEXTURE_2D);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR_MIPMAP_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    static const float verts[] = {
            -0.6f, -0.6f, 0, 0, 0.6f, -0.6f, 1, 0, 0.6f, 0.6f, 1, 1, -0.6f, 0.6f, 0, 1,
    };
    static const uint16_t indices[] = {0, 1, 2, 0, 2, 3};
    glGenBuffers(1, &s->vbo);
    glBindBuffer(GL_ARRAY_BUFFER, s->vbo);
    glBufferData(GL_ARRAY_BUFFER, sizeof(verts), verts, GL_STATIC_DRAW);
    glGenBuffers(1, &s->ibo);
    glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, s->ibo);
    glBufferData(GL_ELEMENT_ARRAY_BUFFER, sizeof(indices), indices, GL_STATIC_DRAW);
    s->prog = make_program();
    if (!s->prog) {
        fprintf(stderr, "program did not link\n");
        return false;
    }
    glUseProgram(s->prog);
    glUniform1i(glGetUniformLocation(s->prog, "tex"), 0);
    s->angle = glGetUniformLocation(s->prog, "angle");
    s->depth_loc = glGetUniformLocation(s->prog, "depth");
    s->tint = glGetUniformLocation(s->prog, "tint");
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 16, (const void *)0);
    glVertexAttribPointer(1, 2, GL_FLOAT, GL_FALSE, 16, (const void *)8);
    glEnableVertexAttribArray(0);
    glEnableVertexAttribArray(1);
    glViewport(0, 0, FB_W, FB_H);
    glEnable(GL_DEPTH_TEST);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    return glGetError() == GL_NO_ERROR;
}

static void draw_frame(const struct scene *s, unsigned frame) {
    glClearColor(0.1f, 0.15f, 0.2f + 0.05f * (float)(frame % 4), 1.0f);
    glClearDepth(1.0);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    glDisable(GL_BLEND);
    glUniform1f(s->angle, 0.25f * (float)frame);
    glUniform1f(s->depth_loc, 0.2f);
    glUniform4f(s->tint, 1.0f, 1.0f, 1.0f, 1.0f);
    glDrawElements(GL_TRIANGLES, 6, GL_UNSIGNED_SHORT, (const void *)0);
    glEnable(GL_BLEND);
    glUniform1f(s->angle, -0.4f * (float)frame);
    glUniform1f(s->depth_loc, 0.0f);
    glUniform4f(s->tint, 0.3f, 0.9f, 0.4f, 0.5f);
    glDrawElements(GL_TRIANGLES, 6, GL_UNSIGNED_SHORT, (const void *)0);
}

static void teardown(struct scene *s) {
    glDeleteProgram(s->prog);
    glDeleteBuffers(1, &s->vbo);
    glDeleteBuffers(1, &s->ibo);
    glDeleteTextures(1, &s->tex);
    glDeleteFramebuffers(1, &s->fbo);
    glDeleteRenderbuffers(1, &s->depth);
    glDeleteTextures(1, &s->color);
}

static int run(unsigned frames, bool readback, bool flush) {
    struct scene s = {0};
    if (!setup(&s)) {
        teardown(&s);
        return 1;
    }
    static uint8_t pixels[FB_W * FB_H * 4];
    for (unsigned f = 0; f < frames; f++) {
        if (f == frames / 2) {
            uint8_t texels[TEX * TEX * 4];
            fill_texture(texels, 1);
            glBindTexture(GL_TEXTURE_2D, s.tex);
            glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, TEX, TEX, GL_RGBA, GL_UNSIGNED_BYTE, texels);
            glGenerateMipmap(GL_TEXTURE_2D);
        }
        draw_frame(&s, f);
        if (!readback) {
            if (flush) {
                glFlush();
            }
            printf("frame %u drawn\n", f);
            continue;
        }
        glReadPixels(0, 0, FB_W, FB_H, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
        const uLong crc = crc32(crc32(0L, Z_NULL, 0), pixels, sizeof(pixels));
        printf("frame %u crc32=%08lx\n", f, (unsigned long)crc);
    }
    fflush(stdout);
    const GLenum err = glGetError();
    teardown(&s);
    if (err != GL_NO_ERROR) {
        fprintf(stderr, "GL error 0x%04x\n", err);
        return 1;
    }
    return 0;
}

/* ---- --loop: frames with a known image ----------------------------------------------------- */

/* A colour component that converts exactly to UNORM8 and back. */
static float unorm(unsigned v) {
    return (float)(v & 255u) / 255.0f;
}

static void frame_colours(unsigned f, uint8_t clear[4], uint8_t quad[4], uint8_t rect[4]) {
    const uint8_t c[3][4] = {
            {(uint8_t)(f * 37u), (uint8_t)(f * 91u + 7u), (uint8_t)(f * 53u + 11u), 255},
            {(uint8_t)(f * 13u + 100u), (uint8_t)(f * 29u + 3u), (uint8_t)(200u - f), 255},
            {(uint8_t)(f * 71u + 5u), (uint8_t)(f * 17u + 60u), (uint8_t)(f * 5u), 255},
    };
    memcpy(clear, c[0], 4);
    memcpy(quad, c[1], 4);
    memcpy(rect, c[2], 4);
}

/* The scissored rectangle of frame f: x, y, w, h. */
static void frame_rect(unsigned f, int r[4]) {
    r[0] = (int)(f * 7u % (FB_W - 16));
    r[1] = (int)(f * 5u % (FB_H - 12));
    r[2] = 16;
    r[3] = 12;
}

/*
 * What frame f must look like. The quad spans clip space -0.6..0.6 unrotated: pixel centres
 * x + 0.5 in (19.2, 76.8) and y + 0.5 in (12.8, 51.2), none of them on an edge.
 */
static void expected_frame(unsigned f, uint8_t *img) {
    uint8_t clear[4], quad[4], rect[4];
    frame_colours(f, clear, quad, rect);
    int r[4];
    frame_rect(f, r);
    for (int y = 0; y < FB_H; y++) {
        for (int x = 0; x < FB_W; x++) {
            const uint8_t *c = clear;
            if (x >= 19 && x <= 76 && y >= 13 && y <= 50) {
                c = quad;
            }
            if (x >= r[0] && x < r[0] + r[2] && y >= r[1] && y < r[1] + r[3]) {
                c = rect;
            }
            memcpy(&img[(y * FB_W + x) * 4], c, 4);
        }
    }
}

static void draw_known_frame(const struct scene *s, unsigned f) {
    uint8_t clear[4], quad[4], rect[4];
    frame_colours(f, clear, quad, rect);
    glClearColor(unorm(clear[0]), unorm(clear[1]), unorm(clear[2]), 1.0f);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    glDisable(GL_BLEND);
    glUniform1f(s->angle, 0.0f);
    glUniform1f(s->depth_loc, 0.2f);
    glUniform4f(s->tint, unorm(quad[0]), unorm(quad[1]), unorm(quad[2]), 1.0f);
    glDrawElements(GL_TRIANGLES, 6, GL_UNSIGNED_SHORT, (const void *)0);
    int r[4];
    frame_rect(f, r);
    glEnable(GL_SCISSOR_TEST);
    glScissor(r[0], r[1], r[2], r[3]);
    glClearColor(unorm(rect[0]), unorm(rect[1]), unorm(rect[2]), 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    glDisable(GL_SCISSOR_TEST);
}

/* A white texture, recreated now and then so that resources come and go as in a real client. */
static void white_texture(struct scene *s) {
    static uint8_t texels[TEX * TEX * 4];
    memset(texels, 255, sizeof(texels));
    glDeleteTextures(1, &s->tex);
    glGenTextures(1, &s->tex);
    glBindTexture(GL_TEXTURE_2D, s->tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, TEX, TEX, 0, GL_RGBA, GL_UNSIGNED_BYTE, texels);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run_loop(int seconds) {
    struct scene s = {0};
    if (!setup(&s)) {
        teardown(&s);
        return 1;
    }
    static uint8_t pixels[FB_W * FB_H * 4], expect[FB_W * FB_H * 4];
    const double end = now_seconds() + seconds;
    unsigned f = 0;
    int rc = 0;
    for (; rc == 0 && now_seconds() < end; f++) {
        if (f % 16 == 0) {
            white_texture(&s);
        }
        draw_known_frame(&s, f);
        memset(pixels, 0, sizeof(pixels));
        glReadPixels(0, 0, FB_W, FB_H, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
        expected_frame(f, expect);
        const uLong crc = crc32(crc32(0L, Z_NULL, 0), pixels, sizeof(pixels));
        for (int i = 0; i < FB_W * FB_H; i++) {
            if (memcmp(&pixels[i * 4], &expect[i * 4], 4) != 0) {
                const uint8_t *g = &pixels[i * 4], *e = &expect[i * 4];
                fprintf(stderr,
                        "frame %u: pixel (%d,%d) got (%u,%u,%u,%u) expected (%u,%u,%u,%u)\n", f,
                        i % FB_W, i / FB_W, g[0], g[1], g[2], g[3], e[0], e[1], e[2], e[3]);
                rc = 1;
                break;
            }
        }
        printf("frame %u crc32=%08lx %s\n", f, (unsigned long)crc, rc == 0 ? "ok" : "BAD");
    }
    const GLenum err = glGetError();
    teardown(&s);
    if (err != GL_NO_ERROR) {
        fprintf(stderr, "GL error 0x%04x\n", err);
        rc = 1;
    }
    printf("loop: %u frames, %s\n", f, rc == 0 ? "all read-backs correct" : "WRONG PIXELS");
    return rc;
}

int main(int argc, char **argv) {
    unsigned frames = 8;
    int loop_seconds = 0;
    bool readback = true, flush = true;
    for (int i = 1; i < argc; i++) {
        const bool has_value = i + 1 < argc;
        if (strcmp(argv[i], "--frames") == 0 && has_value && atoi(argv[i + 1]) > 0 &&
            atoi(argv[i + 1]) <= 10000) {
            frames = (unsigned)atoi(argv[++i]);
        } else if (strcmp(argv[i], "--loop") == 0 && has_value && atoi(argv[i + 1]) > 0 &&
                   atoi(argv[i + 1]) <= 86400) {
            loop_seconds = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--no-readback") == 0) {
            readback = false;
        } else if (strcmp(argv[i], "--no-flush") == 0) {
            readback = flush = false;
        } else {
            fprintf(stderr,
                    "usage: %s [--frames N [--no-readback | --no-flush] | --loop SECONDS]\n",
                    argv[0]);
            return 2;
        }
    }
    /* Line-buffered, so that a test that kills this program or its server knows which
     * read-backs it had completed. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct guest_egl egl;
    const int egl_rc = guest_egl_open(&egl);
    if (egl_rc != 0) {
        return egl_rc;
    }
    int rc = 77;
    if (epoxy_gl_version() >= 21) {
        rc = loop_seconds > 0 ? run_loop(loop_seconds) : run(frames, readback, flush);
    }
    guest_egl_close(&egl);
    return rc;
}
