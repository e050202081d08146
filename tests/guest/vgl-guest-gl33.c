/* SPDX-License-Identifier: MIT */
/*
 * Guest test program for GL 3.3 core: each step draws with one group of GL 3.x features into a
 * 64x64 framebuffer, reads the result back (glReadPixels, glGetBufferSubData), checks every value
 * it knows and prints the CRC-32 of each read-back. Exit 0 when all are right, 1 at the first
 * wrong one, 77 when no GL 3.3 core context can be had.
 *
 *   1 uniform buffer + instancing: 4 instanced quads placed by a std140 UBO array indexed by
 *     gl_InstanceID, coloured by an instanced attribute (divisor 1);
 *   2 integer and array textures: texelFetch from a usampler2D (R32UI) picks a layer of a
 *     sampler2DArray;
 *   3 geometry shader: points become quads, coloured by gl_PrimitiveIDIn;
 *   4 transform feedback: two varyings captured interleaved (one triangle, two instances), with
 *     the PRIMITIVES_WRITTEN query;
 *   5 MRT with an integer buffer: an RGBA8 and an R32UI colour buffer written by one draw;
 *   6 MSAA resolve: a triangle into a 4-sample renderbuffer, resolved by glBlitFramebuffer;
 *   7 conditional rendering: a draw skipped after an occluded occlusion query, one drawn after
 *     a visible one.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epoxy/gl.h>
#include <zlib.h>

#include "guest_egl.h"

#define W 64
#define H 64

static int failures;

static void fail(const char *step, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(const char *step, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", step);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

static GLuint compile(GLenum type, const char *text) {
    const GLuint sh = glCreateShader(type);
    glShaderSource(sh, 1, &text, NULL);
    glCompileShader(sh);
    GLint ok = 0;
    glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[1024] = "";
        glGetShaderInfoLog(sh, sizeof(log), NULL, log);
        fprintf(stderr, "shader: %s\n", log);
        failures++;
    }
    return sh;
}

/* A program from a VS, an optional GS and an optional FS; `varyings` (NULL-terminated) are
 * captured interleaved. */
static GLuint program(const char *vs, const char *gs, const char *fs, const char *const *varyings) {
    const GLuint p = glCreateProgram();
    const char *const texts[3] = {vs, gs, fs};
    static const GLenum types[3] = {GL_VERTEX_SHADER, GL_GEOMETRY_SHADER, GL_FRAGMENT_SHADER};
    for (int i = 0; i < 3; i++) {
        if (texts[i]) {
            const GLuint sh = compile(types[i], texts[i]);
            glAttachShader(p, sh);
            glDeleteShader(sh);
        }
    }
    if (varyings) {
        GLsizei n = 0;
        while (varyings[n]) {
            n++;
        }
        glTransformFeedbackVaryings(p, n, varyings, GL_INTERLEAVED_ATTRIBS);
    }
    glLinkProgram(p);
    GLint ok = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[1024] = "";
        glGetProgramInfoLog(p, sizeof(log), NULL, log);
        fprintf(stderr, "link: %s\n", log);
        failures++;
    }
    return p;
}

static void print_crc(const char *step, const void *data, size_t size) {
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), data, (uInt)size);
    printf("%s crc32=%08lx\n", step, (unsigned long)crc);
}

/* The RGBA8 read-back of the bound framebuffer's colour buffer `buf`. */
static void read_rgba(GLenum buf, uint8_t px[W * H * 4], const char *step) {
    glReadBuffer(buf);
    memset(px, 0, W * H * 4);
    glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, px);
    print_crc(step, px, W * H * 4);
}

static void expect_px(const char *step, const uint8_t *px, int x, int y, const uint8_t want[4]) {
    const uint8_t *p = px + (y * W + x) * 4;
    for (int c = 0; c < 4; c++) {
        if (abs(p[c] - want[c]) > 1) {
            fprintf(stderr, "%s: pixel (%d,%d) = %u %u %u %u, expected %u %u %u %u\n", step, x, y,
                    p[0], p[1], p[2], p[3], want[0], want[1], want[2], want[3]);
            failures++;
            return;
        }
    }
}

struct fb {
    GLuint fbo, color, uint_color;
};

static void make_fb(struct fb *f, bool with_uint) {
    glGenFramebuffers(1, &f->fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, f->fbo);
    glGenRenderbuffers(1, &f->color);
    glBindRenderbuffer(GL_RENDERBUFFER, f->color);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, W, H);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, f->color);
    if (with_uint) {
        glGenRenderbuffers(1, &f->uint_color);
        glBindRenderbuffer(GL_RENDERBUFFER, f->uint_color);
        glRenderbufferStorage(GL_RENDERBUFFER, GL_R32UI, W, H);
        glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT1, GL_RENDERBUFFER,
                                  f->uint_color);
        static const GLenum bufs[2] = {GL_COLOR_ATTACHMENT0, GL_COLOR_ATTACHMENT1};
        glDrawBuffers(2, bufs);
    }
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        fail("framebuffer", "incomplete");
    }
    glViewport(0, 0, W, H);
    glClearColor(0, 0, 0, 1);
    glClear(GL_COLOR_BUFFER_BIT);
}

static void free_fb(struct fb *f) {
    glDeleteFramebuffers(1, &f->fbo);
    glDeleteRenderbuffers(1, &f->color);
    glDeleteRenderbuffers(1, &f->uint_color);
}

/* ---- 1: uniform buffer and instancing ---------------------------------------------------- */

static void step_ubo_instancing(void) {
    static const char vs[] =
            "#version 330 core\n"
            "layout(location = 0) in vec2 pos;\n"
            "layout(location = 1) in vec4 color;\n"
            "layout(std140) uniform Places { vec4 offset[4]; float scale; };\n"
            "out vec4 v_color;\n"
            "void main() {\n"
            "    gl_Position = vec4(pos * scale + offset[gl_InstanceID].xy, 0, 1);\n"
            "    v_color = color;\n"
            "}\n";
    static const char fs[] = "#version 330 core\n"
                             "in vec4 v_color;\n"
                             "out vec4 o;\n"
                             "void main() { o = v_color; }\n";
    struct fb f;
    make_fb(&f, false);
    const GLuint p = program(vs, NULL, fs, NULL);
    glUseProgram(p);
    /* std140: vec4 offset[4] at 0, float scale at 64. */
    float ubo_data[20] = {-0.5f, -0.5f, 0, 0,    0.5f, -0.5f, 0, 0,    -0.5f,
                          0.5f,  0,     0, 0.5f, 0.5f, 0,     0, 0.25f};
    GLuint ubo, vao, vbo[2];
    glGenBuffers(1, &ubo);
    glBindBuffer(GL_UNIFORM_BUFFER, ubo);
    glBufferData(GL_UNIFORM_BUFFER, sizeof(ubo_data), ubo_data, GL_STATIC_DRAW);
    glUniformBlockBinding(p, glGetUniformBlockIndex(p, "Places"), 3);
    glBindBufferBase(GL_UNIFORM_BUFFER, 3, ubo);
    static const float quad[] = {-1, -1, 1, -1, -1, 1, 1, 1};
    static const float colors[] = {1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1};
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glGenBuffers(2, vbo);
    glBindBuffer(GL_ARRAY_BUFFER, vbo[0]);
    glBufferData(GL_ARRAY_BUFFER, sizeof(quad), quad, GL_STATIC_DRAW);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, NULL);
    glEnableVertexAttribArray(0);
    glBindBuffer(GL_ARRAY_BUFFER, vbo[1]);
    glBufferData(GL_ARRAY_BUFFER, sizeof(colors), colors, GL_STATIC_DRAW);
    glVertexAttribPointer(1, 4, GL_FLOAT, GL_FALSE, 0, NULL);
    glVertexAttribDivisor(1, 1);
    glEnableVertexAttribArray(1);
    glDrawArraysInstanced(GL_TRIANGLE_STRIP, 0, 4, 4);
    static uint8_t px[W * H * 4];
    read_rgba(GL_COLOR_ATTACHMENT0, px, "1-ubo-instancing");
    /* Instance i covers 8 pixels around its offset's pixel centre. */
    static const uint8_t red[4] = {255, 0, 0, 255}, green[4] = {0, 255, 0, 255},
                         blue[4] = {0, 0, 255, 255}, yellow[4] = {255, 255, 0, 255},
                         black[4] = {0, 0, 0, 255};
    expect_px("1-ubo-instancing", px, 16, 16, red);
    expect_px("1-ubo-instancing", px, 48, 16, green);
    expect_px("1-ubo-instancing", px, 16, 48, blue);
    expect_px("1-ubo-instancing", px, 48, 48, yellow);
    expect_px("1-ubo-instancing", px, 32, 32, black);
    glDeleteBuffers(2, vbo);
    glDeleteBuffers(1, &ubo);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(p);
    free_fb(&f);
}

/* ---- shared full-screen triangle --------------------------------------------------------- */

static const char fullscreen_vs[] = "#version 330 core\n"
                                    "const vec2 p[3] = vec2[3](vec2(-1, -1), vec2(3, -1), "
                                    "vec2(-1, 3));\n"
                                    "out vec2 v_uv;\n"
                                    "void main() {\n"
                                    "    gl_Position = vec4(p[gl_VertexID], 0, 1);\n"
                                    "    v_uv = p[gl_VertexID] * 0.5 + 0.5;\n"
                                    "}\n";

/* ---- 2: integer and array textures ------------------------------------------------------- */

static void step_integer_array_textures(void) {
    static const char fs[] = "#version 330 core\n"
                             "uniform usampler2D pick;\n"
                             "uniform sampler2DArray layers;\n"
                             "in vec2 v_uv;\n"
                             "out vec4 o;\n"
                             "void main() {\n"
                             "    uint layer = texelFetch(pick, ivec2(v_uv * 2.0), 0).r;\n"
                             "    o = texture(layers, vec3(v_uv, float(layer)));\n"
                             "}\n";
    struct fb f;
    make_fb(&f, false);
    const GLuint p = program(fullscreen_vs, NULL, fs, NULL);
    glUseProgram(p);
    GLuint tex[2], vao;
    glGenTextures(2, tex);
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, tex[0]);
    static const uint32_t pick[4] = {0, 1, 2, 1}; /* 2x2: which layer each quadrant shows */
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32UI, 2, 2, 0, GL_RED_INTEGER, GL_UNSIGNED_INT, pick);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D_ARRAY, tex[1]);
    static const uint8_t layer_colors[3][4] = {
            {255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}};
    uint8_t texels[3][4][4];
    for (int l = 0; l < 3; l++) {
        for (int i = 0; i < 4; i++) {
            memcpy(texels[l][i], layer_colors[l], 4);
        }
    }
    glTexImage3D(GL_TEXTURE_2D_ARRAY, 0, GL_RGBA8, 2, 2, 3, 0, GL_RGBA, GL_UNSIGNED_BYTE, texels);
    glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D_ARRAY, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glUniform1i(glGetUniformLocation(p, "pick"), 0);
    glUniform1i(glGetUniformLocation(p, "layers"), 1);
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    static uint8_t px[W * H * 4];
    read_rgba(GL_COLOR_ATTACHMENT0, px, "2-integer-array-textures");
    expect_px("2-integer-array-textures", px, 10, 10, layer_colors[0]);
    expect_px("2-integer-array-textures", px, 50, 10, layer_colors[1]);
    expect_px("2-integer-array-textures", px, 10, 50, layer_colors[2]);
    expect_px("2-integer-array-textures", px, 50, 50, layer_colors[1]);
    glActiveTexture(GL_TEXTURE0);
    glDeleteTextures(2, tex);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(p);
    free_fb(&f);
}

/* ---- 3: geometry shader ------------------------------------------------------------------ */

static void step_geometry_shader(void) {
    static const char vs[] = "#version 330 core\n"
                             "layout(location = 0) in vec2 pos;\n"
                             "void main() { gl_Position = vec4(pos, 0, 1); }\n";
    static const char gs[] = "#version 330 core\n"
                             "layout(points) in;\n"
                             "layout(triangle_strip, max_vertices = 4) out;\n"
                             "flat out int v_prim;\n"
                             "void main() {\n"
                             "    for (int i = 0; i < 4; i++) {\n"
                             "        vec2 c = vec2(i & 1, i >> 1) * 2.0 - 1.0;\n"
                             "        gl_Position = gl_in[0].gl_Position + vec4(c * 0.125, 0, 0);\n"
                             "        v_prim = gl_PrimitiveIDIn;\n"
                             "        EmitVertex();\n"
                             "    }\n"
                             "    EndPrimitive();\n"
                             "}\n";
    static const char fs[] = "#version 330 core\n"
                             "flat in int v_prim;\n"
                             "out vec4 o;\n"
                             "void main() { o = vec4(float(v_prim) / 2.0, 1.0 - float(v_prim) "
                             "/ 2.0, 0.5, 1); }\n";
    struct fb f;
    make_fb(&f, false);
    const GLuint p = program(vs, gs, fs, NULL);
    glUseProgram(p);
    static const float points[] = {-0.5f, -0.5f, 0, 0, 0.5f, 0.5f};
    GLuint vao, vbo;
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glGenBuffers(1, &vbo);
    glBindBuffer(GL_ARRAY_BUFFER, vbo);
    glBufferData(GL_ARRAY_BUFFER, sizeof(points), points, GL_STATIC_DRAW);
    glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, NULL);
    glEnableVertexAttribArray(0);
    glDrawArrays(GL_POINTS, 0, 3);
    static uint8_t px[W * H * 4];
    read_rgba(GL_COLOR_ATTACHMENT0, px, "3-geometry-shader");
    static const uint8_t p0[4] = {0, 255, 128, 255}, p1[4] = {128, 128, 128, 255},
                         p2[4] = {255, 0, 128, 255}, black[4] = {0, 0, 0, 255};
    expect_px("3-geometry-shader", px, 16, 16, p0);
    expect_px("3-geometry-shader", px, 32, 32, p1);
    expect_px("3-geometry-shader", px, 48, 48, p2);
    expect_px("3-geometry-shader", px, 16, 48, black);
    expect_px("3-geometry-shader", px, 21, 16, black); /* outside the first square */
    glDeleteBuffers(1, &vbo);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(p);
    free_fb(&f);
}

/* ---- 4: transform feedback --------------------------------------------------------------- */

static void step_transform_feedback(void) {
    static const char vs[] = "#version 330 core\n"
                             "out vec2 twice;\n"
                             "flat out int id;\n"
                             "void main() {\n"
                             "    twice = vec2(gl_VertexID * 2, gl_InstanceID * 10);\n"
                             "    id = gl_VertexID + 100 * gl_InstanceID;\n"
                             "    gl_Position = vec4(0, 0, 0, 1);\n"
                             "}\n";
    static const char *const varyings[] = {"twice", "id", NULL};
    struct fb f; /* draws need a complete framebuffer, even with rasterization off */
    make_fb(&f, false);
    const GLuint p = program(vs, NULL, NULL, varyings);
    glUseProgram(p);
    GLuint vao, buf, query;
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glGenBuffers(1, &buf);
    glBindBuffer(GL_TRANSFORM_FEEDBACK_BUFFER, buf);
    glBufferData(GL_TRANSFORM_FEEDBACK_BUFFER, 6 * 3 * 4, NULL, GL_STREAM_READ);
    glBindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 0, buf);
    glGenQueries(1, &query);
    glEnable(GL_RASTERIZER_DISCARD);
    glBeginQuery(GL_TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN, query);
    glBeginTransformFeedback(GL_TRIANGLES);
    glDrawArraysInstanced(GL_TRIANGLES, 0, 3, 2);
    glEndTransformFeedback();
    glEndQuery(GL_TRANSFORM_FEEDBACK_PRIMITIVES_WRITTEN);
    glDisable(GL_RASTERIZER_DISCARD);
    GLuint prims = 0;
    glGetQueryObjectuiv(query, GL_QUERY_RESULT, &prims);
    if (prims != 2) {
        fail("4-transform-feedback", "%u primitives written, expected 2", prims);
    }
    uint32_t got[6][3];
    memset(got, 0, sizeof(got));
    glGetBufferSubData(GL_TRANSFORM_FEEDBACK_BUFFER, 0, sizeof(got), got);
    print_crc("4-transform-feedback", got, sizeof(got));
    for (int inst = 0; inst < 2; inst++) {
        for (int v = 0; v < 3; v++) {
            const uint32_t *r = got[inst * 3 + v];
            float x, y;
            memcpy(&x, &r[0], 4);
            memcpy(&y, &r[1], 4);
            if (x != (float)(v * 2) || y != (float)(inst * 10) ||
                r[2] != (uint32_t)(v + 100 * inst)) {
                fail("4-transform-feedback", "vertex %u of instance %u: id %u", (unsigned)v,
                     (unsigned)inst, r[2]);
            }
        }
    }
    glDeleteQueries(1, &query);
    glDeleteBuffers(1, &buf);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(p);
    free_fb(&f);
}

/* ---- 5: MRT with an integer buffer ------------------------------------------------------- */

static void step_mrt_integer(void) {
    static const char fs[] = "#version 330 core\n"
                             "in vec2 v_uv;\n"
                             "layout(location = 0) out vec4 color;\n"
                             "layout(location = 1) out uint code;\n"
                             "void main() {\n"
                             "    color = vec4(v_uv.x > 0.5 ? 1.0 : 0.0, 0.5, 0.25, 1.0);\n"
                             "    code = uint(gl_FragCoord.x) * 1000u + uint(gl_FragCoord.y);\n"
                             "}\n";
    struct fb f;
    make_fb(&f, true);
    static const GLuint zero[4] = {7, 0, 0, 0};
    glClearBufferuiv(GL_COLOR, 1, zero);
    const GLuint p = program(fullscreen_vs, NULL, fs, NULL);
    glUseProgram(p);
    GLuint vao;
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    static uint8_t px[W * H * 4];
    read_rgba(GL_COLOR_ATTACHMENT0, px, "5-mrt-rgba8");
    static const uint8_t left[4] = {0, 128, 64, 255}, right[4] = {255, 128, 64, 255};
    expect_px("5-mrt-rgba8", px, 10, 10, left);
    expect_px("5-mrt-rgba8", px, 50, 10, right);
    static uint32_t codes[W * H];
    glReadBuffer(GL_COLOR_ATTACHMENT1);
    glReadPixels(0, 0, W, H, GL_RED_INTEGER, GL_UNSIGNED_INT, codes);
    print_crc("5-mrt-r32ui", codes, sizeof(codes));
    for (int y = 0; y < H; y += 7) {
        for (int x = 0; x < W; x += 5) {
            if (codes[y * W + x] != (uint32_t)(x * 1000 + y)) {
                fail("5-mrt-r32ui", "pixel (%u,%u) = %u", (unsigned)x, (unsigned)y,
                     codes[y * W + x]);
                y = H;
                break;
            }
        }
    }
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(p);
    free_fb(&f);
}

/* ---- 6: MSAA resolve --------------------------------------------------------------------- */

static void step_msaa_resolve(void) {
    static const char vs[] = "#version 330 core\n"
                             "const vec2 p[3] = vec2[3](vec2(-1, -1), vec2(1, -1), vec2(-1, 1));\n"
                             "void main() { gl_Position = vec4(p[gl_VertexID], 0, 1); }\n";
    static const char fs[] = "#version 330 core\n"
                             "out vec4 o;\n"
                             "void main() { o = vec4(1, 1, 1, 1); }\n";
    GLuint ms_fbo, ms_rb, vao;
    glGenFramebuffers(1, &ms_fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, ms_fbo);
    glGenRenderbuffers(1, &ms_rb);
    glBindRenderbuffer(GL_RENDERBUFFER, ms_rb);
    glRenderbufferStorageMultisample(GL_RENDERBUFFER, 4, GL_RGBA8, W, H);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, ms_rb);
    glViewport(0, 0, W, H);
    glClearColor(0, 0, 0, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    const GLuint p = program(vs, NULL, fs, NULL);
    glUseProgram(p);
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glDrawArrays(GL_TRIANGLES, 0, 3); /* the lower-left half, diagonal through the pixels */
    struct fb f;
    make_fb(&f, false);
    glBindFramebuffer(GL_READ_FRAMEBUFFER, ms_fbo);
    glBindFramebuffer(GL_DRAW_FRAMEBUFFER, f.fbo);
    glBlitFramebuffer(0, 0, W, H, 0, 0, W, H, GL_COLOR_BUFFER_BIT, GL_NEAREST);
    glBindFramebuffer(GL_FRAMEBUFFER, f.fbo);
    static uint8_t px[W * H * 4];
    read_rgba(GL_COLOR_ATTACHMENT0, px, "6-msaa-resolve");
    static const uint8_t white[4] = {255, 255, 255, 255}, black[4] = {0, 0, 0, 255};
    expect_px("6-msaa-resolve", px, 10, 10, white);
    expect_px("6-msaa-resolve", px, 50, 50, black);
    /* On the diagonal some samples are covered: neither black nor white. */
    unsigned partial = 0;
    for (int i = 0; i < W; i++) {
        const uint8_t v = px[(i * W + (W - 1 - i)) * 4];
        partial += v > 16 && v < 240;
    }
    if (partial < W / 2) {
        fail("6-msaa-resolve", "only %u of %d diagonal pixels partly covered", partial, W);
    }
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(p);
    glDeleteRenderbuffers(1, &ms_rb);
    glDeleteFramebuffers(1, &ms_fbo);
    free_fb(&f);
}

/* ---- 7: conditional rendering ------------------------------------------------------------ */

static void step_conditional_render(void) {
    static const char vs[] = "#version 330 core\n"
                             "uniform vec2 shift;\n"
                             "const vec2 p[3] = vec2[3](vec2(-1, -1), vec2(3, -1), vec2(-1, 3));\n"
                             "void main() { gl_Position = vec4(p[gl_VertexID] + shift, 0, 1); }\n";
    static const char fs[] = "#version 330 core\n"
                             "uniform vec4 color;\n"
                             "out vec4 o;\n"
                             "void main() { o = color; }\n";
    struct fb f;
    make_fb(&f, false);
    const GLuint p = program(vs, NULL, fs, NULL);
    glUseProgram(p);
    GLuint vao, q[2];
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glGenQueries(2, q);
    const GLint shift = glGetUniformLocation(p, "shift"), color = glGetUniformLocation(p, "color");
    glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_FALSE);
    glUniform2f(shift, 10, 10); /* off screen: no samples pass */
    glBeginQuery(GL_SAMPLES_PASSED, q[0]);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glEndQuery(GL_SAMPLES_PASSED);
    glUniform2f(shift, 0, 0);
    glBeginQuery(GL_SAMPLES_PASSED, q[1]);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glEndQuery(GL_SAMPLES_PASSED);
    glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    glUniform4f(color, 1, 0, 0, 1);
    glBeginConditionalRender(q[0], GL_QUERY_WAIT);
    glDrawArrays(GL_TRIANGLES, 0, 3); /* skipped */
    glEndConditionalRender();
    static uint8_t px[W * H * 4];
    read_rgba(GL_COLOR_ATTACHMENT0, px, "7-conditional-skipped");
    static const uint8_t black[4] = {0, 0, 0, 255}, green[4] = {0, 255, 0, 255};
    expect_px("7-conditional-skipped", px, 32, 32, black);
    glUniform4f(color, 0, 1, 0, 1);
    glBeginConditionalRender(q[1], GL_QUERY_WAIT);
    glDrawArrays(GL_TRIANGLES, 0, 3); /* drawn */
    glEndConditionalRender();
    read_rgba(GL_COLOR_ATTACHMENT0, px, "7-conditional-drawn");
    expect_px("7-conditional-drawn", px, 32, 32, green);
    glDeleteQueries(2, q);
    glDeleteVertexArrays(1, &vao);
    glDeleteProgram(p);
    free_fb(&f);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct guest_egl egl;
    const int egl_rc = guest_egl_open_core(&egl, 3, 3);
    if (egl_rc != 0) {
        return egl_rc;
    }
    step_ubo_instancing();
    step_integer_array_textures();
    step_geometry_shader();
    step_transform_feedback();
    step_mrt_integer();
    step_msaa_resolve();
    step_conditional_render();
    const GLenum err = glGetError();
    if (err != GL_NO_ERROR) {
        fprintf(stderr, "GL error 0x%04x\n", err);
        failures++;
    }
    guest_egl_close(&egl);
    printf("%s\n", failures ? "FAILED" : "all steps correct");
    return failures ? 1 : 0;
}
