/* SPDX-License-Identifier: MIT */
/*
 * Hostile shaders: TGSI text whose declared length disagrees with the chunks sent, text without
 * a NUL, continuation chunks at offsets past the declared length, malformed text, and shaders
 * past the parser's and GLSL emitter's limits (inputs, outputs, temporaries, immediates,
 * instructions, nesting of IF and loops).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "test.h"

#define CONT (1u << 31)

/* A growing text buffer for generated shaders. */
struct text {
    char *p;
    size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static void add(struct text *t, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        const int k = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        CHECK(k >= 0);
        if ((size_t)k < t->cap - t->n) {
            t->n += (size_t)k;
            return;
        }
        t->cap = t->cap * 2 + (size_t)k + 64;
        t->p = realloc(t->p, t->cap);
        CHECK(t->p);
    }
}

/* Send a whole text (NUL included) in chunks of at most 32 KiB, one submit each, as Mesa does
 * for long shaders; returns the status of the first submit that fails. */
static enum vgl_status send_text(struct hostile *h, uint32_t handle, uint32_t stage,
                                 const struct text *t) {
    const uint32_t total = (uint32_t)t->n + 1;
    for (uint32_t off = 0; off < total; off += 32768) {
        const uint32_t n = total - off < 32768 ? total - off : 32768;
        enc_shader_chunk(&h->e, handle, stage, off ? CONT | off : total, t->p + off, n);
        const enum vgl_status st = hostile_submit(h, HOSTILE_CTX);
        if (st != VGL_OK) {
            return st;
        }
    }
    return VGL_OK;
}

static const char vs_text[] = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n"
                              "  1: END\n";

VGL_TEST(declared_length_longer_than_chunks) {
    struct hostile *h = hostile_open(NULL);
    /* 200 bytes announced, 52 sent, no continuation: the shader stays incomplete. */
    enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, 200, vs_text, sizeof(vs_text) - 1);
    hostile_submit_ok(h, HOSTILE_CTX);
    enc_bind_shader(&h->e, 30, VGL_SHADER_VERTEX);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);
}

VGL_TEST(chunk_longer_than_declared_length) {
    struct hostile *h = hostile_open(NULL);
    /* 5 bytes announced ("VERT\n"), the whole shader sent: only 5 are taken, which is no shader
     * (no END), and nothing past them is read. */
    enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, 5, vs_text, sizeof(vs_text));
    hostile_submit_expect(h, VGL_ERROR_MALFORMED);
    hostile_close(h);
}

VGL_TEST(text_without_nul) {
    struct hostile *h = hostile_open(NULL);
    /* The declared length ends right after "END\n"; the padding of the last dword is junk. */
    char text[sizeof(vs_text) + 8];
    memcpy(text, vs_text, sizeof(vs_text) - 1);
    memset(text + sizeof(vs_text) - 1, 'X', sizeof(text) - (sizeof(vs_text) - 1));
    enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, sizeof(vs_text) - 1, text, sizeof(text));
    enc_bind_shader(&h->e, 30, VGL_SHADER_VERTEX);
    hostile_submit_ok(h, HOSTILE_CTX);
    /* Without its last newline the text ends inside "END": still parsed within bounds. */
    enc_shader_chunk(&h->e, 31, VGL_SHADER_VERTEX, sizeof(vs_text) - 2, text, sizeof(text));
    enc_bind_shader(&h->e, 31, VGL_SHADER_VERTEX);
    hostile_submit_ok(h, HOSTILE_CTX);
    hostile_expect_serving(h);
    hostile_close(h);
}

/* NULs inside the declared length end the text for C string functions but not for the length:
 * the parser must stop at neither boundary in a way that reads past the text. */
VGL_TEST(text_with_embedded_nuls) {
    static const char texts[][48] = {
            "VERT\n\0DCL OUT[0], POSITION\n  0: END\n",
            "VERT\nDCL OUT[0], POS\0ITION\n  0: END\n",
            "VERT\nDCL OUT[0], POSITION\n  0: END\0\n  1: END\n",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct hostile *h = hostile_open(NULL);
        enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, sizeof(texts[i]), texts[i],
                         sizeof(texts[i]));
        const enum vgl_status st = hostile_submit(h, HOSTILE_CTX);
        if (st != VGL_OK) {
            hostile_expect_broken(h, HOSTILE_CTX, st, 0);
        }
        hostile_expect_serving(h);
        hostile_close(h);
    }
}

VGL_TEST(continuation_offsets_past_declared_length) {
    struct hostile *h = hostile_open(NULL);
    const uint32_t total = sizeof(vs_text);
    enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, total, vs_text, 16);
    hostile_submit_ok(h, HOSTILE_CTX);
    /* A continuation far past the declared length. */
    enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, CONT | 0x7ffffff0u, vs_text + 16, 16);
    hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
    hostile_close(h);

    h = hostile_open(NULL);
    enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, total, vs_text, 16);
    /* The right offset with more bytes than are left: only what is left is taken. */
    char tail[4096];
    memset(tail, 'Z', sizeof(tail));
    memcpy(tail, vs_text + 16, total - 16);
    enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, CONT | 16, tail, sizeof(tail));
    enc_bind_shader(&h->e, 30, VGL_SHADER_VERTEX);
    hostile_submit_ok(h, HOSTILE_CTX);
    /* More text for a complete shader, for a missing one, and for another stage's. */
    enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, CONT | total, "X", 1);
    hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
    hostile_close(h);

    h = hostile_open(NULL);
    enc_shader_chunk(&h->e, 77, VGL_SHADER_VERTEX, CONT | 0, vs_text, 16);
    hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
    hostile_close(h);

    h = hostile_open(NULL);
    enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, total, vs_text, 16);
    enc_shader_chunk(&h->e, 30, VGL_SHADER_FRAGMENT, CONT | 16, vs_text + 16, total - 16);
    hostile_submit_expect(h, VGL_ERROR_NOT_FOUND);
    hostile_close(h);
}

VGL_TEST(declared_length_zero_or_huge) {
    const uint32_t lengths[] = {0, (1u << 20) + 1, 0x7fffffffu};
    for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
        struct hostile *h = hostile_open(NULL);
        enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, lengths[i], vs_text, sizeof(vs_text));
        hostile_submit_expect(h, VGL_ERROR_INVALID_ARGUMENT);
        hostile_close(h);
    }
}

VGL_TEST(malformed_text) {
    static const char *const texts[] = {
            "",
            "\xff\xfe\x01garbage",
            "VERT\nDCL IN[99999999999]\n  0: END\n",
            "VERT\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[7]\n  1: END\n",
            "VERT\nDCL OUT[0], POSITION\n  5: END\n",
            "VERT\nDCL OUT[0], POSITION\n  0: MOV OUT[0], OUT[0\n  1: END\n",
            "VERT\nDCL OUT[0], POSITION\n  0: ENDIF\n  1: END\n",
            "VERT\nDCL OUT[0], POSITION\n  0: BRK\n  1: END\n",
            "VERT\nDCL TEMP[0]\n  0: IF TEMP[0].xxxx :0\n  1: END\n",
            "VERT\nIMM[1] FLT32 {0x0, 0x0, 0x0, 0x0}\n  0: END\n",
            "VERT\nDCL CONST[4096]\n  0: END\n",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct hostile *h = hostile_open(NULL);
        const size_t n = strlen(texts[i]) + 1;
        enc_shader_chunk(&h->e, 30, VGL_SHADER_VERTEX, (uint32_t)n, texts[i], (uint32_t)n);
        const enum vgl_status st = hostile_submit(h, HOSTILE_CTX);
        CHECK(st == VGL_ERROR_MALFORMED || st == VGL_ERROR_INVALID_ARGUMENT);
        hostile_expect_broken(h, HOSTILE_CTX, st, 0);
        hostile_expect_serving(h);
        hostile_close(h);
    }
}

VGL_TEST(line_longer_than_limit) {
    struct hostile *h = hostile_open(NULL);
    struct text t = {0};
    add(&t, "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]");
    for (int i = 0; i < 2000; i++) {
        add(&t, " ");
    }
    add(&t, "\n  1: END\n");
    CHECK_EQ(send_text(h, 30, VGL_SHADER_VERTEX, &t), VGL_ERROR_MALFORMED);
    hostile_expect_broken(h, HOSTILE_CTX, VGL_ERROR_MALFORMED, 0);
    hostile_expect_serving(h);
    hostile_close(h);
    free(t.p);
}

/* A fragment shader writing red through `depth` nested IFs, of which the first `loops` odd
 * levels are loops run once instead. */
static struct text nested_fs(unsigned depth, unsigned loops) {
    struct text t = {0};
    unsigned n = 0;
    add(&t, "FRAG\nDCL OUT[0], COLOR\nDCL TEMP[0]\n"
            "IMM[0] FLT32 {0x3f800000, 0x00000000, 0x00000000, 0x3f800000}\n");
    add(&t, "%3u: MOV TEMP[0], IMM[0]\n", n++);
    for (unsigned i = 0; i < depth; i++) {
        add(&t, "%3u: %s\n", n++, (i % 2 && i < 2 * loops) ? "BGNLOOP :0" : "IF TEMP[0].xxxx :0");
    }
    add(&t, "%3u: MOV OUT[0], TEMP[0]\n", n++);
    for (unsigned i = depth; i-- > 0;) {
        if (i % 2 && i < 2 * loops) {
            add(&t, "%3u: BRK\n", n++);
        }
        add(&t, "%3u: %s\n", n++, (i % 2 && i < 2 * loops) ? "ENDLOOP :0" : "ENDIF");
    }
    add(&t, "%3u: END\n", n);
    return t;
}

/* Draw a full-screen triangle with fragment shader 31 after clearing to blue; true if red. */
static bool draws_red(struct hostile *h) {
    hostile_upload_triangle(h);
    const float blue[4] = {0, 0, 1, 1};
    enc_clear(&h->e, VGL_CLEAR_COLOR0, blue, 1.0, 0);
    enc_bind_shader(&h->e, 31, VGL_SHADER_FRAGMENT);
    enc_draw(&h->e, 4, 0, 3, false);
    hostile_submit_ok(h, HOSTILE_CTX);
    const struct vgl_transfer t = {.handle = HOSTILE_RT, .box = {0, 0, 0, 32, 32, 1}};
    CHECK_EQ(vgl_renderer_transfer_read(h->r, HOSTILE_CTX, &t), VGL_OK);
    const uint8_t *p = h->rt_mem + (16 * 32 + 16) * 4;
    CHECK(p[2] == 0 || p[2] == 255);
    return p[0] == 255 && p[2] == 0;
}

VGL_TEST(nesting_at_and_past_limit) {
    struct hostile *h = hostile_open(NULL);
    hostile_draw_setup(h);
    hostile_submit_ok(h, HOSTILE_CTX);
    /* The deepest accepted: 64 levels, 8 of them loops. */
    struct text t = nested_fs(VGL_SHADER_MAX_NESTING, VGL_SHADER_MAX_LOOP_NESTING);
    enc_destroy(&h->e, VGL_OBJECT_SHADER, 31);
    CHECK_EQ(send_text(h, 31, VGL_SHADER_FRAGMENT, &t), VGL_OK);
    CHECK(draws_red(h));
    free(t.p);
    /* One level or one loop deeper: valid TGSI the translator refuses (a host compiler would
     * take minutes and gigabytes); the draw is skipped, the context keeps working. */
    const unsigned deeper[][2] = {
            {VGL_SHADER_MAX_NESTING + 1, 0},
            {2 * VGL_SHADER_MAX_LOOP_NESTING + 2, VGL_SHADER_MAX_LOOP_NESTING + 1},
            {48, 24},
            {10000, 5000}};
    for (size_t i = 0; i < sizeof(deeper) / sizeof(deeper[0]); i++) {
        t = nested_fs(deeper[i][0], deeper[i][1]);
        enc_destroy(&h->e, VGL_OBJECT_SHADER, 31);
        CHECK_EQ(send_text(h, 31, VGL_SHADER_FRAGMENT, &t), VGL_OK);
        CHECK(!draws_red(h));
        free(t.p);
    }
    hostile_expect_healthy(h, HOSTILE_CTX);
    hostile_expect_serving(h);
    hostile_close(h);
}

/* A vertex shader declaring only "DCL <prefix><n>]<suffix>", otherwise valid. */
static void past_register_limit(const char *prefix, unsigned n, const char *suffix) {
    struct hostile *h = hostile_open(NULL);
    struct text t = {0};
    add(&t, "VERT\nDCL %s%u]%s\n  0: END\n", prefix, n, suffix);
    CHECK_EQ(send_text(h, 30, VGL_SHADER_VERTEX, &t), VGL_ERROR_MALFORMED);
    hostile_expect_broken(h, HOSTILE_CTX, VGL_ERROR_MALFORMED, 0);
    hostile_expect_serving(h);
    hostile_close(h);
    free(t.p);
}

VGL_TEST(registers_past_limits) {
    /* Each one below the limit is accepted. */
    struct hostile *h = hostile_open(NULL);
    enc_shader(&h->e, 30, VGL_SHADER_VERTEX,
               "VERT\nDCL IN[31]\nDCL OUT[31], GENERIC[1]\nDCL TEMP[4095]\nDCL SAMP[31]\n"
               "  0: END\n");
    hostile_submit_ok(h, HOSTILE_CTX);
    hostile_close(h);
    past_register_limit("IN[", VGL_SHADER_MAX_INPUTS, "");
    past_register_limit("OUT[", VGL_SHADER_MAX_OUTPUTS, ", GENERIC[1]");
    past_register_limit("TEMP[", VGL_SHADER_MAX_TEMPS, "");
    past_register_limit("TEMP[0..", 0xfffffffeu, "");
    past_register_limit("SAMP[", VGL_SHADER_MAX_SAMPLERS, "");
}

VGL_TEST(registers_at_limits_draw) {
    struct hostile *h = hostile_open(NULL);
    hostile_draw_setup(h);
    hostile_submit_ok(h, HOSTILE_CTX);
    /* The most temporaries, the last one used, and every input declared. */
    struct text t = {0};
    add(&t, "FRAG\nDCL OUT[0], COLOR\nDCL TEMP[0..%u]\n", VGL_SHADER_MAX_TEMPS - 1);
    add(&t, "IMM[0] FLT32 {0x3f800000, 0x00000000, 0x00000000, 0x3f800000}\n");
    add(&t, "  0: MOV TEMP[%u], IMM[0]\n  1: MOV OUT[0], TEMP[%u]\n  2: END\n",
        VGL_SHADER_MAX_TEMPS - 1, VGL_SHADER_MAX_TEMPS - 1);
    enc_destroy(&h->e, VGL_OBJECT_SHADER, 31);
    CHECK_EQ(send_text(h, 31, VGL_SHADER_FRAGMENT, &t), VGL_OK);
    draws_red(h); /* drawn or skipped by the host's own limits: either way in bounds */
    free(t.p);
    hostile_expect_healthy(h, HOSTILE_CTX);
    hostile_expect_serving(h);
    hostile_close(h);
}

VGL_TEST(immediates_past_limit) {
    struct hostile *h = hostile_open(NULL);
    struct text t = {0};
    add(&t, "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n");
    for (unsigned i = 0; i <= VGL_SHADER_MAX_IMMEDIATES; i++) {
        add(&t, "IMM[%u] FLT32 {0x3f800000, 0x0, 0x0, 0x3f800000}\n", i);
    }
    add(&t, "  0: MOV OUT[0], IN[0]\n  1: END\n");
    CHECK_EQ(send_text(h, 30, VGL_SHADER_VERTEX, &t), VGL_ERROR_MALFORMED);
    hostile_expect_broken(h, HOSTILE_CTX, VGL_ERROR_MALFORMED, 0);
    hostile_expect_serving(h);
    hostile_close(h);
    free(t.p);
}

VGL_TEST(instructions_past_limit) {
    struct hostile *h = hostile_open(NULL);
    struct text t = {0};
    add(&t, "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n");
    for (unsigned i = 0; i <= VGL_SHADER_MAX_INSTRUCTIONS; i++) {
        add(&t, "%u: NOP\n", i);
    }
    add(&t, "%u: END\n", VGL_SHADER_MAX_INSTRUCTIONS + 1);
    CHECK_EQ(send_text(h, 30, VGL_SHADER_VERTEX, &t), VGL_ERROR_MALFORMED);
    hostile_expect_broken(h, HOSTILE_CTX, VGL_ERROR_MALFORMED, 0);
    hostile_expect_serving(h);
    hostile_close(h);
    free(t.p);
}
