/* SPDX-License-Identifier: MIT */
/*
 * Tests of the TGSI -> GLSL translator: the captured corpus parses, emits and links on the host
 * GL under several keys; hostile texts are refused; a few programs (tests/data/tgsi/run/) are
 * drawn and read back.
 * The GL parts create their own EGL context and skip (77) without one.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epoxy/egl.h>
#include <epoxy/gl.h>

#include "shader/shader.h"
#include "test.h"

#define TGSI_DIR VGL_SOURCE_ROOT "/tests/data/tgsi"

/* ---- files ------------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len) {
    FILE *const f = fopen(path, "rb");
    CHECK(f);
    CHECK(fseek(f, 0, SEEK_END) == 0);
    const long n = ftell(f);
    CHECK(n >= 0);
    CHECK(fseek(f, 0, SEEK_SET) == 0);
    char *const buf = malloc((size_t)n + 1);
    CHECK(buf);
    CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the *.tgsi files in `dir`. */
static char **list_tgsi(const char *dir, size_t *count) {
    DIR *const d = opendir(dir);
    CHECK(d);
    char **names = NULL;
    size_t n = 0;
    const struct dirent *e;
    while ((e = readdir(d))) {
        const size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".tgsi")) {
            names = realloc(names, sizeof(*names) * (n + 1));
            CHECK(names);
            names[n] = strdup(e->d_name);
            CHECK(names[n++]);
        }
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_names);
    *count = n;
    return names;
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

static struct vgl_shader *parse_text(const char *text, size_t len, const char *what) {
    struct vgl_shader *sh = NULL;
    char why[256];
    const enum vgl_status st = vgl_shader_parse(text, len, &sh, why, sizeof(why));
    if (st != VGL_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, vgl_status_str(st), why);
    }
    CHECK_EQ(st, VGL_OK);
    CHECK(sh);
    return sh;
}

static struct vgl_shader *parse_str(const char *text) {
    return parse_text(text, strlen(text), text);
}

static struct vgl_shader *parse_corpus(const char *name) {
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", TGSI_DIR, name);
    size_t len;
    char *const text = read_file(path, &len);
    struct vgl_shader *const sh = parse_text(text, len, name);
    free(text);
    return sh;
}

/* A TGSI text under tests/data/tgsi/ (the emitted-text and draw tests' are in run/), kept. */
static const char *run_text(const char *name) {
    static struct {
        char name[64];
        char *text;
    } cache[32];
    for (size_t i = 0; i < sizeof(cache) / sizeof(cache[0]); i++) {
        if (!cache[i].text) {
            char path[512];
            snprintf(path, sizeof(path), "%s/%s", TGSI_DIR, name);
            size_t len;
            snprintf(cache[i].name, sizeof(cache[i].name), "%s", name);
            cache[i].text = read_file(path, &len);
        }
        if (!strcmp(cache[i].name, name)) {
            return cache[i].text;
        }
    }
    CHECK(!"run_text cache full");
    return NULL;
}

/*
 * Corpus pairing: "<group>[_<handle>]_vs.tgsi" and "..._fs.tgsi" of one group come from one
 * capture. Each FS is paired with its group's first VS (or a stand-in VS); each other VS with
 * no FS (the pass-through one).
 */
struct pair {
    char vs[256], fs[256]; /* "" = stand-in VS / pass-through FS */
    char gs[256];          /* "" = none */
};

static void group_of(const char *name, char *group, size_t n) {
    snprintf(group, n, "%s", name);
    char *p = strstr(group, ".tgsi");
    if (p && p - group >= 3) {
        p -= 3; /* "_vs" / "_fs" */
        *p = '\0';
        char *q = p;
        while (q > group && q[-1] >= '0' && q[-1] <= '9') {
            q--;
        }
        if (q < p && q > group && q[-1] == '_') {
            q[-1] = '\0';
        }
    }
}

/* "<group>_<handle>_<stage>.tgsi" with the stage of `name` replaced: the neighbouring handle's
 * shader of that stage, as a guest creates a program's shaders one after another. */
static bool neighbour(char **names, size_t n, const char *name, int delta, const char *stage,
                      char *out, size_t out_size) {
    char group[256], other[256];
    group_of(name, group, sizeof(group));
    const char *const num = name + strlen(group) + 1;
    const long handle = strtol(num, NULL, 10) + delta;
    snprintf(other, sizeof(other), "%s_%ld%s.tgsi", group, handle, stage);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(names[i], other)) {
            snprintf(out, out_size, "%s", other);
            return true;
        }
    }
    return false;
}

static bool is_stage(const char *name, const char *stage) {
    const size_t len = strlen(name);
    return len > 8 && !strncmp(name + len - 8, stage, 3);
}

static struct pair *corpus_pairs(size_t *count) {
    size_t n;
    char **names = list_tgsi(TGSI_DIR, &n);
    struct pair *pairs = calloc(n + 1, sizeof(*pairs));
    CHECK(pairs);
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        char group[256], other[256];
        group_of(names[i], group, sizeof(group));
        if (is_stage(names[i], "_gs")) {
            /* A geometry shader between its program's VS and FS (or stand-ins). */
            struct pair *const p = &pairs[np++];
            snprintf(p->gs, sizeof(p->gs), "%s", names[i]);
            neighbour(names, n, names[i], -1, "_vs", p->vs, sizeof(p->vs));
            neighbour(names, n, names[i], 1, "_fs", p->fs, sizeof(p->fs));
        } else if (is_stage(names[i], "_fs")) {
            struct pair *const p = &pairs[np++];
            snprintf(p->fs, sizeof(p->fs), "%s", names[i]);
            for (size_t j = 0; j < n; j++) {
                group_of(names[j], other, sizeof(other));
                if (is_stage(names[j], "_vs") && !strcmp(group, other)) {
                    snprintf(p->vs, sizeof(p->vs), "%s", names[j]);
                    break;
                }
            }
        } else {
            bool has_fs = false;
            for (size_t j = 0; j < n; j++) {
                group_of(names[j], other, sizeof(other));
                has_fs |= is_stage(names[j], "_fs") && !strcmp(group, other);
            }
            if (!has_fs) {
                snprintf(pairs[np++].vs, sizeof(pairs[0].vs), "%s", names[i]);
            }
        }
    }
    /* VSs that are not their group's first are still used once, with no FS. */
    for (size_t i = 0; i < n; i++) {
        bool used = false;
        for (size_t j = 0; j < np; j++) {
            used |= !strcmp(pairs[j].vs, names[i]) || !strcmp(pairs[j].fs, names[i]) ||
                    !strcmp(pairs[j].gs, names[i]);
        }
        if (!used) {
            pairs = realloc(pairs, sizeof(*pairs) * (np + 1));
            CHECK(pairs);
            memset(&pairs[np], 0, sizeof(pairs[np]));
            snprintf(pairs[np++].vs, sizeof(pairs[0].vs), "%s", names[i]);
        }
    }
    free_names(names, n);
    *count = np;
    return pairs;
}

static const char standin_vs[] = "VERT\n"
                                 "DCL IN[0]\n"
                                 "DCL IN[1]\n"
                                 "DCL OUT[0], POSITION\n"
                                 "DCL OUT[1], COLOR\n"
                                 "DCL OUT[2], GENERIC[0]\n"
                                 "  0: MOV OUT[0], IN[0]\n"
                                 "  1: MOV OUT[1], IN[1]\n"
                                 "  2: MOV OUT[2], IN[1]\n"
                                 "  3: END\n";

static const struct vgl_shader_key test_keys[] = {
        {0},
        {.flatshade = true, .two_side = true},
        {.alpha_test_enabled = true, .alpha_func = 3, .nr_cbufs = 3},
        {.poly_stipple = true, .alpha_test_enabled = true, .alpha_func = 0},
        {.sprite_coord_enable = 0xff, .sprite_coord_upper_left = true},
        {.clip_plane_enable = 0x3f},
        {.flip_y = true, .clip_halfz = true, .nr_cbufs = 8},
};
#define NUM_KEYS (sizeof(test_keys) / sizeof(test_keys[0]))

/* Emits the pair under `key`; returns the program (caller finishes it). */
static struct vgl_glsl_program emit_pair(const struct pair *p, const struct vgl_shader_key *key) {
    struct vgl_shader *const vs = p->vs[0] ? parse_corpus(p->vs) : parse_str(standin_vs);
    struct vgl_shader *const fs = p->fs[0] ? parse_corpus(p->fs) : NULL;
    struct vgl_shader *const gs = p->gs[0] ? parse_corpus(p->gs) : NULL;
    struct vgl_glsl_program prog;
    char why[256];
    const struct vgl_shader *stages[VGL_SHADER_STAGES] = {
            [VGL_SHADER_VERTEX] = vs, [VGL_SHADER_GEOMETRY] = gs, [VGL_SHADER_FRAGMENT] = fs};
    const enum vgl_status st = vgl_shader_emit_program(stages, key, &prog, why, sizeof(why));
    if (st != VGL_OK) {
        fprintf(stderr, "%s + %s: %s: %s\n", p->vs, p->fs, vgl_status_str(st), why);
    }
    CHECK_EQ(st, VGL_OK);
    CHECK(prog.glsl[VGL_SHADER_VERTEX] && prog.glsl[VGL_SHADER_FRAGMENT]);
    CHECK(!gs == !prog.glsl[VGL_SHADER_GEOMETRY]);
    vgl_shader_destroy(vs);
    vgl_shader_destroy(gs);
    vgl_shader_destroy(fs);
    return prog;
}

/* ---- host GL ---------------------------------------------------------------------------- */

static EGLDisplay egl_display = EGL_NO_DISPLAY;
static EGLContext egl_context = EGL_NO_CONTEXT;

static void gl_context_or_skip(void) {
    if (!epoxy_has_egl_extension(EGL_NO_DISPLAY, "EGL_MESA_platform_surfaceless")) {
        vgl_test_skip("no EGL_MESA_platform_surfaceless");
    }
    egl_display =
            eglGetPlatformDisplayEXT(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
    if (egl_display == EGL_NO_DISPLAY || !eglInitialize(egl_display, NULL, NULL)) {
        vgl_test_skip("no EGL surfaceless display");
    }
    if (!epoxy_has_egl_extension(egl_display, "EGL_KHR_no_config_context") ||
        !epoxy_has_egl_extension(egl_display, "EGL_KHR_surfaceless_context") ||
        !eglBindAPI(EGL_OPENGL_API)) {
        vgl_test_skip("EGL lacks no_config/surfaceless contexts or desktop GL");
    }
    static const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION,
                                     3,
                                     EGL_CONTEXT_MINOR_VERSION,
                                     3,
                                     EGL_CONTEXT_OPENGL_PROFILE_MASK,
                                     EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
                                     EGL_NONE};
    egl_context = eglCreateContext(egl_display, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
    if (egl_context == EGL_NO_CONTEXT ||
        !eglMakeCurrent(egl_display, EGL_NO_SURFACE, EGL_NO_SURFACE, egl_context)) {
        vgl_test_skip("no desktop GL 3.3 core context");
    }
}

/*
 * The display is not terminated: eglTerminate unloads llvmpipe, and LeakSanitizer then reports
 * allocations its draw code made (stacks into the unloaded module). The test process exits next.
 */
static void gl_context_end(void) {
    eglMakeCurrent(egl_display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    eglDestroyContext(egl_display, egl_context);
}

static GLuint compile_stage(GLenum type, const char *src, const char *what) {
    const GLuint s = glCreateShader(type);
    glShaderSource(s, 1, &src, NULL);
    glCompileShader(s);
    GLint ok = 0;
    glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[4096] = "";
        glGetShaderInfoLog(s, sizeof(log), NULL, log);
        fprintf(stderr, "%s: %s does not compile:\n%s\n--- source ---\n%s\n", what,
                type == GL_VERTEX_SHADER     ? "VS"
                : type == GL_GEOMETRY_SHADER ? "GS"
                                             : "FS",
                log, src);
        glDeleteShader(s);
        return 0;
    }
    return s;
}

/* Compiles and links every stage; 0 (after printing the logs) on failure. */
static GLuint link_program(const struct vgl_glsl_program *prog, const char *what) {
    static const GLenum types[VGL_SHADER_STAGES] = {
            [VGL_SHADER_VERTEX] = GL_VERTEX_SHADER,
            [VGL_SHADER_FRAGMENT] = GL_FRAGMENT_SHADER,
            [VGL_SHADER_GEOMETRY] = GL_GEOMETRY_SHADER,
    };
    GLuint shaders[VGL_SHADER_STAGES] = {0};
    bool ok = true;
    for (unsigned s = 0; s < VGL_SHADER_STAGES && ok; s++) {
        if (prog->glsl[s]) {
            CHECK(types[s]);
            shaders[s] = compile_stage(types[s], prog->glsl[s], what);
            ok = shaders[s] != 0;
        }
    }
    const GLuint p = ok ? glCreateProgram() : 0;
    for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
        if (p && shaders[s]) {
            glAttachShader(p, shaders[s]);
        }
        glDeleteShader(shaders[s]);
    }
    if (!p) {
        return 0;
    }
    glLinkProgram(p);
    GLint linked = 0;
    glGetProgramiv(p, GL_LINK_STATUS, &linked);
    if (!linked) {
        char log[4096] = "";
        glGetProgramInfoLog(p, sizeof(log), NULL, log);
        fprintf(stderr, "%s: link failed:\n%s\n", what, log);
        for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
            if (prog->glsl[s]) {
                fprintf(stderr, "--- %s ---\n%s\n", vgl_shader_stage_desc(s)->suffix,
                        prog->glsl[s]);
            }
        }
        glDeleteProgram(p);
        return 0;
    }
    return p;
}

/* ---- corpus ----------------------------------------------------------------------------- */

VGL_TEST(corpus_parses) {
    size_t n;
    char **names = list_tgsi(TGSI_DIR, &n);
    CHECK(n >= 30);
    size_t vs = 0, fs = 0;
    for (size_t i = 0; i < n; i++) {
        struct vgl_shader *const sh = parse_corpus(names[i]);
        const struct vgl_shader_info *const info = vgl_shader_get_info(sh);
        const enum vgl_shader_stage want = is_stage(names[i], "_vs")   ? VGL_SHADER_VERTEX
                                           : is_stage(names[i], "_gs") ? VGL_SHADER_GEOMETRY
                                                                       : VGL_SHADER_FRAGMENT;
        CHECK(info->stage == want);
        vs += info->stage == VGL_SHADER_VERTEX;
        fs += info->stage == VGL_SHADER_FRAGMENT;
        CHECK(info->num_consts <= VGL_SHADER_MAX_CONSTS);
        CHECK(info->num_inputs <= VGL_SHADER_MAX_INPUTS);
        vgl_shader_destroy(sh);
    }
    CHECK(vs > 10 && fs > 10);
    free_names(names, n);
}

VGL_TEST(corpus_emits_with_every_key) {
    size_t n;
    struct pair *const pairs = corpus_pairs(&n);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < NUM_KEYS; k++) {
            struct vgl_glsl_program prog = emit_pair(&pairs[i], &test_keys[k]);
            /* Deterministic: the same input gives the same bytes. */
            struct vgl_glsl_program again = emit_pair(&pairs[i], &test_keys[k]);
            CHECK(!strcmp(prog.glsl[VGL_SHADER_VERTEX], again.glsl[VGL_SHADER_VERTEX]) &&
                  !strcmp(prog.glsl[VGL_SHADER_FRAGMENT], again.glsl[VGL_SHADER_FRAGMENT]));
            CHECK(!strncmp(prog.glsl[VGL_SHADER_VERTEX], "#version 330 core\n", 18));
            CHECK(!strncmp(prog.glsl[VGL_SHADER_FRAGMENT], "#version 330 core\n", 18));
            CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "uniform vgl_consts_vs {"));
            CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "uniform vgl_consts_fs {"));
            vgl_glsl_program_finish(&prog);
            vgl_glsl_program_finish(&again);
        }
    }
    free(pairs);
}

static void corpus_links(size_t first_key, size_t last_key) {
    gl_context_or_skip();
    size_t n;
    struct pair *const pairs = corpus_pairs(&n);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = first_key; k <= last_key; k++) {
            struct vgl_glsl_program prog = emit_pair(&pairs[i], &test_keys[k]);
            char what[600];
            snprintf(what, sizeof(what), "%s + %s, key %zu",
                     pairs[i].vs[0] ? pairs[i].vs : "stand-in",
                     pairs[i].fs[0] ? pairs[i].fs : "pass-through", k);
            const GLuint p = link_program(&prog, what);
            failures += p == 0;
            glDeleteProgram(p);
            vgl_glsl_program_finish(&prog);
        }
    }
    free(pairs);
    gl_context_end();
    CHECK_EQ(failures, 0);
}

VGL_TEST(corpus_links_on_host_plain_keys) {
    corpus_links(0, 3);
}

VGL_TEST(corpus_links_on_host_emulation_keys) {
    corpus_links(4, NUM_KEYS - 1);
}

/* ---- emitted text ----------------------------------------------------------------------- */

/* Emits a program from the TGSI of its stages (gs_text and fs_text may be NULL). */
static struct vgl_glsl_program emit_stage_texts(const char *vs_text, const char *gs_text,
                                                const char *fs_text,
                                                const struct vgl_shader_key *key) {
    struct vgl_shader *const vs = parse_str(vs_text);
    struct vgl_shader *const gs = gs_text ? parse_str(gs_text) : NULL;
    struct vgl_shader *const fs = fs_text ? parse_str(fs_text) : NULL;
    struct vgl_glsl_program prog;
    char why[256];
    const struct vgl_shader *stages[VGL_SHADER_STAGES] = {
            [VGL_SHADER_VERTEX] = vs, [VGL_SHADER_GEOMETRY] = gs, [VGL_SHADER_FRAGMENT] = fs};
    const enum vgl_status st = vgl_shader_emit_program(stages, key, &prog, why, sizeof(why));
    if (st != VGL_OK) {
        fprintf(stderr, "emit: %s\n", why);
    }
    CHECK_EQ(st, VGL_OK);
    vgl_shader_destroy(vs);
    vgl_shader_destroy(gs);
    vgl_shader_destroy(fs);
    return prog;
}

static struct vgl_glsl_program emit_texts(const char *vs_text, const char *fs_text,
                                          const struct vgl_shader_key *key) {
    return emit_stage_texts(vs_text, NULL, fs_text, key);
}

VGL_TEST(emitted_text_follows_the_contract) {
    const struct vgl_shader_key plain = {0};
    struct vgl_glsl_program prog = emit_texts(standin_vs, run_text("run/color_fs.tgsi"), &plain);
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT],
                 "layout(std140) uniform vgl_consts_fs {\n    uvec4 c[5];\n}"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX],
                 "layout(std140) uniform vgl_consts_vs {\n    uvec4 c[1];\n}"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "uniform sampler2D vgl_samp_fs_3;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "layout(location = 0) out vec4 vgl_out_0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "layout(location = 0) in vec4 vgl_in_0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "layout(location = 1) in vec4 vgl_in_1;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "smooth in vec4 vgl_v_color0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "smooth out vec4 vgl_v_color0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "smooth in vec4 vgl_v_generic2;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "flat in uvec4 vgl_v_generic5;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "flat out uvec4 vgl_v_generic5;"));
    /* The VS does not write GENERIC[2]: it still declares and zeroes it. */
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "vgl_v_generic2 = vec4(0.0);"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_VERTEX], "vgl_y_sign") &&
          !strstr(prog.glsl[VGL_SHADER_FRAGMENT], "vgl_alpha_ref"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_FRAGMENT], "vgl_stipple") &&
          !strstr(prog.glsl[VGL_SHADER_VERTEX], "gl_ClipDistance"));
    vgl_glsl_program_finish(&prog);

    const struct vgl_shader_key flat = {.flatshade = true,
                                        .two_side = true,
                                        .alpha_test_enabled = true,
                                        .alpha_func = 1,
                                        .poly_stipple = true,
                                        .flip_y = true,
                                        .clip_plane_enable = 0x5};
    const char *const two_side_vs = run_text("run/two_side_vs.tgsi");
    prog = emit_texts(two_side_vs, run_text("run/color_fs.tgsi"), &flat);
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "flat in vec4 vgl_v_color0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "flat in vec4 vgl_v_bcolor0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "flat out vec4 vgl_v_bcolor0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "gl_FrontFacing ? vgl_v_color0 : vgl_v_bcolor0"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "uniform float vgl_alpha_ref;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "< vgl_alpha_ref"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "uniform sampler2D vgl_stipple;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT],
                 "texelFetch(vgl_stipple, ivec2(gl_FragCoord.xy) & 31, 0)"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "uniform float vgl_y_sign;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "gl_Position.y *= vgl_y_sign;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "uniform vec4 vgl_clip_planes[8];"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "out float gl_ClipDistance[3];"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX],
                 "gl_ClipDistance[2] = dot(vgl_cv, vgl_clip_planes[2]);"));
    vgl_glsl_program_finish(&prog);
}

VGL_TEST(emitted_text_fragment_builtins) {
    const char *const fs = run_text("run/frag_builtins_fs.tgsi");
    struct vgl_shader_key key = {
            .nr_cbufs = 3, .sprite_coord_enable = 0x2, .fs_coord_conventions = true};
    struct vgl_glsl_program prog = emit_texts(standin_vs, fs, &key);
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT],
                 "layout(origin_upper_left) in vec4 gl_FragCoord;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "gl_FrontFacing ? 1.0 : -1.0"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "gl_PointCoord"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_FRAGMENT], "vgl_v_generic1"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "layout(location = 2) out vec4 vgl_out_2;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "vgl_out_2 = uintBitsToFloat(ro[0]);"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "gl_FragDepth = uintBitsToFloat(ro[1].z);"));
    vgl_glsl_program_finish(&prog);
    /* flip_y changes nothing: the host's window y is gallium's either way. */
    key.flip_y = true;
    prog = emit_texts(standin_vs, fs, &key);
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT],
                 "layout(origin_upper_left) in vec4 gl_FragCoord;"));
    vgl_glsl_program_finish(&prog);
    /* Without fragment_coord_conventions in the caps the property is only an echo of GLSL:
     * gallium's upper-left origin is used, which is the host's lower-left. */
    key.fs_coord_conventions = false;
    prog = emit_texts(standin_vs, fs, &key);
    CHECK(!strstr(prog.glsl[VGL_SHADER_FRAGMENT], "origin_upper_left"));
    vgl_glsl_program_finish(&prog);
    key.flip_y = false;
    prog = emit_texts(standin_vs, fs, &key);
    CHECK(!strstr(prog.glsl[VGL_SHADER_FRAGMENT], "origin_upper_left"));
    vgl_glsl_program_finish(&prog);
}

VGL_TEST(emitted_text_swizzles_and_derivatives) {
    const char *const vs = run_text("run/shadow_tex_vs.tgsi");
    const char *const fs = run_text("run/shadow_txp_ddx_fs.tgsi");
    /* Zero keys: the comparison result replicated (gallium), plain outputs. */
    struct vgl_shader_key key = {.nr_cbufs = 2};
    struct vgl_glsl_program prog = emit_texts(vs, fs, &key);
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX],
                 "= floatBitsToUint((vec4(texture(vgl_samp_vs_2, c.xyz))));"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "vec4(textureProj(vgl_samp_fs_2, c))"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "vgl_out_1 = uintBitsToFloat(ro[0]);"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "#define VGL_DDY(v) dFdyFine(v)"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "VGL_DDX(uintBitsToFloat(t0))"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_VERTEX], "VGL_DDX"));
    vgl_glsl_program_finish(&prog);
    /* Depth mode LUMINANCE (X X X ONE) in the VS, (ZERO Y X W) in the FS; A8 / L8A8 targets. */
    key.stage[VGL_SHADER_VERTEX].shadow_swizzle[2] = 0x8000 | 5 << 9;
    key.stage[VGL_SHADER_FRAGMENT].shadow_swizzle[2] = 0x8000 | 4 | 1 << 3 | 0 << 6 | 3 << 9;
    key.stage[VGL_SHADER_FRAGMENT].shadow_swizzle[3] = 0x1234; /* no bit 15: identity */
    key.cbuf_swizzle[0] = 0x8000 | 3 | 4 << 3 | 4 << 6 | 5 << 9;
    key.cbuf_swizzle[1] = 0x8000 | 0 | 3 << 3 | 4 << 6 | 5 << 9;
    key.flip_y = true;
    prog = emit_texts(vs, fs, &key);
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "float r = texture(vgl_samp_vs_2, c.xyz);"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "= floatBitsToUint((vec4(r, r, r, 1.0)));"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "float r = textureProj(vgl_samp_fs_2, c);"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT],
                 "t0.y = floatBitsToUint((vec4(0.0, 0.0, r, 1.0)).y);"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT],
                 "vgl_out_0 = vec4(uintBitsToFloat(ro[0].w), 0.0, 0.0, 1.0);"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT],
                 "vgl_out_1 = vec4(uintBitsToFloat(ro[0].x), uintBitsToFloat(ro[0].w), "
                 "0.0, 1.0);"));
    /* The host's window y is gallium's under flip_y too: DDY keeps its sign. */
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "#define VGL_DDY(v) dFdyFine(v)"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "#define VGL_DDX(v) dFdxFine(v)"));
    vgl_glsl_program_finish(&prog);
}

VGL_TEST(info_is_filled) {
    struct vgl_shader *const fs = parse_str(run_text("run/color_fs.tgsi"));
    const struct vgl_shader_info *const info = vgl_shader_get_info(fs);
    CHECK_EQ(info->stage, VGL_SHADER_FRAGMENT);
    CHECK_EQ(info->num_inputs, 3);
    CHECK_EQ(info->inputs[0].semantic, VGL_SEM_COLOR);
    CHECK_EQ(info->inputs[0].interp, VGL_INTERP_COLOR);
    CHECK_EQ(info->inputs[1].semantic_index, 2);
    CHECK_EQ(info->inputs[2].usage_mask, 0x1);
    CHECK_EQ(info->inputs[2].interp, VGL_INTERP_CONSTANT);
    CHECK_EQ(info->num_outputs, 1);
    CHECK_EQ(info->samplers_used, 1u << 3);
    CHECK_EQ(info->sampler_targets[3], VGL_TEX_2D);
    CHECK_EQ(info->num_consts, 5);
    CHECK(!info->uses_kill && !info->writes_depth);
    vgl_shader_destroy(fs);

    struct vgl_shader *const vs = parse_corpus("hand_int_io_vs.tgsi");
    const struct vgl_shader_info *const vi = vgl_shader_get_info(vs);
    CHECK_EQ(vi->num_attribs, 2);
    CHECK_EQ(vi->ubos_used, 1u << 1);
    CHECK_EQ(vi->num_consts, 13); /* CONST[ADDR[0].x+1] may reach every declared slot */
    CHECK(vi->writes_psize && !vi->writes_clipvertex);
    CHECK(vi->outputs[0].invariant);
    vgl_shader_destroy(vs);

    CHECK(vgl_shader_get_info(NULL) == NULL);
    vgl_shader_destroy(NULL);
    vgl_glsl_program_finish(NULL);
}

/* ---- hostile input ---------------------------------------------------------------------- */

static void expect_refused(const char *text, size_t len, const char *what) {
    struct vgl_shader *sh = (struct vgl_shader *)&sh; /* must be reset to NULL */
    char why[256] = "";
    const enum vgl_status st = vgl_shader_parse(text, len, &sh, why, sizeof(why));
    if (st == VGL_OK) {
        fprintf(stderr, "%s: accepted\n", what);
    }
    CHECK(st == VGL_ERROR_MALFORMED || st == VGL_ERROR_UNSUPPORTED);
    CHECK(sh == NULL);
    CHECK(why[0] != '\0');
    CHECK(!strncmp(why, "line ", 5));
}

VGL_TEST(invalid_corpus_is_refused) {
    size_t n;
    char **names = list_tgsi(TGSI_DIR "/invalid", &n);
    CHECK(n >= 20);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/invalid/%s", TGSI_DIR, names[i]);
        size_t len;
        char *const text = read_file(path, &len);
        expect_refused(text, len, names[i]);
        free(text);
    }
    free_names(names, n);
}

VGL_TEST(huge_and_odd_texts_are_refused) {
    /* 2 MiB of valid-looking text: over VGL_SHADER_MAX_TEXT. */
    const size_t big = 2u << 20;
    char *const text = malloc(big);
    CHECK(text);
    static const char head[] = "FRAG\nDCL OUT[0], COLOR\n";
    memset(text, ' ', big);
    memcpy(text, head, sizeof(head) - 1);
    for (size_t i = sizeof(head); i < big; i += 64) {
        text[i] = '\n';
    }
    expect_refused(text, big, "2 MiB");
    /* Not NUL-terminated: parsing must stop at `len`, the byte after it is not read. */
    static const char ok[] = "FRAG\nDCL OUT[0], COLOR\n  0: END\n";
    memcpy(text, ok, sizeof(ok) - 1);
    struct vgl_shader *sh = NULL;
    CHECK_EQ(vgl_shader_parse(text, sizeof(ok) - 1, &sh, NULL, 0), VGL_OK);
    vgl_shader_destroy(sh);
    /* A NUL ends the text. */
    static const char nul[] = "FRAG\nDCL OUT[0], COLOR\n  0: END\n\0garbage";
    CHECK_EQ(vgl_shader_parse(nul, sizeof(nul), &sh, NULL, 0), VGL_OK);
    vgl_shader_destroy(sh);
    static const char cut[] = "FRAG\nDCL OUT[0], COLOR\n\0  0: END\n";
    expect_refused(cut, sizeof(cut), "NUL before END");
    free(text);
    CHECK_EQ(vgl_shader_parse(NULL, 0, &sh, NULL, 0), VGL_ERROR_MALFORMED);
    CHECK_EQ(vgl_shader_parse("FRAG", 4, NULL, NULL, 0), VGL_ERROR_INVALID_ARGUMENT);
    /* Limits on counts: one immediate too many. */
    char *const many = malloc(1 << 20);
    CHECK(many);
    size_t len = (size_t)sprintf(many, "FRAG\nDCL OUT[0], COLOR\n");
    for (unsigned i = 0; i <= VGL_SHADER_MAX_IMMEDIATES; i++) {
        len += (size_t)sprintf(many + len, "IMM[%u] UINT32 {1, 2, 3, 4}\n", i);
    }
    len += (size_t)sprintf(many + len, "  0: END\n");
    expect_refused(many, len, "too many immediates");
    free(many);
    /* The why buffer is always terminated, even when tiny. */
    char why[8];
    memset(why, 'x', sizeof(why));
    CHECK(vgl_shader_parse("FRAG\nBOGUS\n", 11, &sh, why, sizeof(why)) != VGL_OK);
    CHECK(memchr(why, '\0', sizeof(why)));
}

VGL_TEST(every_truncation_is_handled) {
    static const char *const files[] = {"loop_if_nested_4_fs.tgsi", "hand_int_io_vs.tgsi",
                                        "hand_tex_fs.tgsi"};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", TGSI_DIR, files[f]);
        size_t len;
        char *const text = read_file(path, &len);
        /* The program is valid from the cut just after the final "END" on. */
        const char *end = NULL;
        for (const char *p = strstr(text, "END"); p; p = strstr(p + 1, "END")) {
            end = p;
        }
        CHECK(end);
        const size_t end_off = (size_t)(end - text) + 3;
        for (size_t cut = 0; cut <= len; cut++) {
            /* An exact-size copy, so that reading past `cut` is caught by ASan/valgrind. */
            char *const part = malloc(cut ? cut : 1);
            CHECK(part);
            memcpy(part, text, cut);
            struct vgl_shader *sh = NULL;
            char why[256];
            const enum vgl_status st = vgl_shader_parse(part, cut, &sh, why, sizeof(why));
            CHECK_EQ(st == VGL_OK, cut >= end_off);
            if (st != VGL_OK) {
                CHECK(why[0]);
            }
            vgl_shader_destroy(sh);
            free(part);
        }
        free(text);
    }
}

static enum vgl_status emit_stages(const struct vgl_shader *vs, const struct vgl_shader *fs,
                                   struct vgl_glsl_program *prog, char *why, size_t why_size) {
    const struct vgl_shader *stages[VGL_SHADER_STAGES] = {
            [VGL_SHADER_VERTEX] = vs, [VGL_SHADER_FRAGMENT] = fs};
    return vgl_shader_emit_program(stages, NULL, prog, why, why_size);
}

VGL_TEST(emit_refuses_bad_arguments) {
    struct vgl_shader *const vs = parse_str(standin_vs);
    struct vgl_shader *const fs = parse_str(run_text("run/color_fs.tgsi"));
    struct vgl_glsl_program prog;
    char why[128];
    CHECK_EQ(emit_stages(NULL, fs, &prog, why, sizeof(why)), VGL_ERROR_INVALID_ARGUMENT);
    for (unsigned s = 0; s < VGL_SHADER_STAGES; s++) {
        CHECK(prog.glsl[s] == NULL);
    }
    /* A shader in another stage's slot. */
    why[0] = '\0';
    CHECK_EQ(emit_stages(fs, vs, &prog, why, sizeof(why)), VGL_ERROR_INVALID_ARGUMENT);
    CHECK(why[0]);
    CHECK_EQ(emit_stages(vs, vs, &prog, why, sizeof(why)), VGL_ERROR_INVALID_ARGUMENT);
    const struct vgl_shader *stages[VGL_SHADER_STAGES] = {
            [VGL_SHADER_VERTEX] = vs, [VGL_SHADER_FRAGMENT] = fs};
    CHECK_EQ(vgl_shader_emit_program(stages, NULL, NULL, why, sizeof(why)),
             VGL_ERROR_INVALID_ARGUMENT);
    /* A NULL key is the all-zero key. */
    CHECK_EQ(emit_stages(vs, fs, &prog, why, sizeof(why)), VGL_OK);
    CHECK(prog.glsl[VGL_SHADER_GEOMETRY] == NULL && prog.glsl[VGL_SHADER_TESS_CTRL] == NULL);
    vgl_glsl_program_finish(&prog);
    vgl_shader_destroy(vs);
    vgl_shader_destroy(fs);
}

/* ---- programs run on the host ----------------------------------------------------------- */

struct draw {
    const char *vs, *fs;
    const char *gs; /* or NULL */
    struct vgl_shader_key key;
    const void *consts_vs, *consts_fs; /* vec4 slots of raw bits */
    unsigned num_vs, num_fs;
    float y_sign, alpha_ref;
    const uint8_t *stipple; /* 32 x 32 R8, or NULL */
    float clip_plane[4];
    GLuint texture; /* GL_TEXTURE_2D on unit 0, or 0 */
};

static void bind_consts(GLuint prog, const char *block, GLuint binding, const void *data,
                        unsigned num, GLuint *buf) {
    const GLuint idx = glGetUniformBlockIndex(prog, block);
    if (idx == GL_INVALID_INDEX) {
        return;
    }
    static const uint32_t zero[4];
    glUniformBlockBinding(prog, idx, binding);
    glGenBuffers(1, buf);
    glBindBuffer(GL_UNIFORM_BUFFER, *buf);
    glBufferData(GL_UNIFORM_BUFFER, num ? 16 * num : 16, num ? data : zero, GL_STATIC_DRAW);
    glBindBufferBase(GL_UNIFORM_BUFFER, binding, *buf);
}

/* Draws a full-screen triangle into an 8x8 RGBA32F target cleared to 0.25 and reads a pixel. */
static void draw_and_read(const struct draw *d, float out[4]) {
    struct vgl_glsl_program glsl = emit_stage_texts(d->vs, d->gs, d->fs, &d->key);
    const GLuint prog = link_program(&glsl, "draw");
    CHECK(prog);
    vgl_glsl_program_finish(&glsl);
    glUseProgram(prog);

    GLuint tex, fbo, vao, vbo, ubo[2] = {0, 0}, stipple = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA32F, 8, 8, 0, GL_RGBA, GL_FLOAT, NULL);
    glGenFramebuffers(1, &fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
    CHECK_EQ(glCheckFramebufferStatus(GL_FRAMEBUFFER), GL_FRAMEBUFFER_COMPLETE);
    glViewport(0, 0, 8, 8);
    glClearColor(0.25f, 0.25f, 0.25f, 0.25f);
    glClear(GL_COLOR_BUFFER_BIT);

    bind_consts(prog, "vgl_consts_vs", 0, d->consts_vs, d->num_vs, &ubo[0]);
    bind_consts(prog, "vgl_consts_fs", 1, d->consts_fs, d->num_fs, &ubo[1]);
    glUniform1f(glGetUniformLocation(prog, "vgl_y_sign"), d->y_sign);
    glUniform1f(glGetUniformLocation(prog, "vgl_alpha_ref"), d->alpha_ref);
    glUniform4fv(glGetUniformLocation(prog, "vgl_clip_planes[0]"), 1, d->clip_plane);
    if (d->texture) {
        glActiveTexture(GL_TEXTURE0);
        glBindTexture(GL_TEXTURE_2D, d->texture);
        glUniform1i(glGetUniformLocation(prog, "vgl_samp_fs_0"), 0);
    }
    if (d->stipple) {
        glActiveTexture(GL_TEXTURE31);
        glGenTextures(1, &stipple);
        glBindTexture(GL_TEXTURE_2D, stipple);
        glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, 32, 32, 0, GL_RED, GL_UNSIGNED_BYTE, d->stipple);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, 0);
        glUniform1i(glGetUniformLocation(prog, "vgl_stipple"), 31);
        glActiveTexture(GL_TEXTURE0);
    }
    if (d->key.clip_plane_enable) {
        glEnable(GL_CLIP_DISTANCE0);
    }

    static const float tri[] = {-1, -1, 0, 1, 3, -1, 0, 1, -1, 3, 0, 1};
    glGenVertexArrays(1, &vao);
    glBindVertexArray(vao);
    glGenBuffers(1, &vbo);
    glBindBuffer(GL_ARRAY_BUFFER, vbo);
    glBufferData(GL_ARRAY_BUFFER, sizeof(tri), tri, GL_STATIC_DRAW);
    glVertexAttribPointer(0, 4, GL_FLOAT, GL_FALSE, 0, NULL);
    glEnableVertexAttribArray(0);
    glVertexAttrib4f(1, 0.5f, 0.25f, 0.125f, 1.0f);
    glDrawArrays(GL_TRIANGLES, 0, 3);
    glReadPixels(2, 2, 1, 1, GL_RGBA, GL_FLOAT, out);
    CHECK_EQ(glGetError(), GL_NO_ERROR);

    glDisable(GL_CLIP_DISTANCE0);
    glDeleteBuffers(1, &vbo);
    glDeleteVertexArrays(1, &vao);
    glDeleteBuffers(2, ubo);
    glDeleteTextures(1, &stipple);
    glDeleteFramebuffers(1, &fbo);
    glDeleteTextures(1, &tex);
    glDeleteProgram(prog);
}

static void check_rgba(const float got[4], float r, float g, float b, float a) {
    const float want[4] = {r, g, b, a};
    for (int c = 0; c < 4; c++) {
        const float diff = got[c] - want[c];
        if (diff > 1e-4f || diff < -1e-4f) {
            fprintf(stderr, "pixel (%g, %g, %g, %g), expected (%g, %g, %g, %g)\n", got[0], got[1],
                    got[2], got[3], r, g, b, a);
            CHECK(!"pixel mismatch");
        }
    }
}

static void draw_check(const struct draw *d, float r, float g, float b, float a) {
    float px[4];
    draw_and_read(d, px);
    check_rgba(px, r, g, b, a);
}

static const char pos_vs[] = "VERT\n"
                             "DCL IN[0]\n"
                             "DCL OUT[0], POSITION\n"
                             "  0: MOV OUT[0], IN[0]\n"
                             "  1: END\n";

VGL_TEST(run_float_arithmetic) {
    gl_context_or_skip();
    /* A loop (acc = acc * 0.5 + 1, three times), DP3 of two constants, CMP, MUL. */
    const char *const fs = run_text("run/float_arith_fs.tgsi");
    const float consts[8] = {0.125f, 0.25f, 0.5f, 0.0f, 1.0f, 1.0f, 1.0f, 0.0f};
    const struct draw d = {.vs = pos_vs, .fs = fs, .consts_fs = consts, .num_fs = 2};
    draw_check(&d, 0.875f, 1.0f, 0.875f, 1.0f);
    gl_context_end();
}

/* ---- geometry shaders ---- */

static const char gs_vs[] = "VERT\n"
                            "DCL IN[0]\n"
                            "DCL IN[1]\n"
                            "DCL OUT[0], POSITION\n"
                            "DCL OUT[1], GENERIC[0]\n"
                            "  0: MOV OUT[0], IN[0]\n"
                            "  1: MOV OUT[1], IN[1]\n"
                            "  2: END\n";

static const char gs_fs[] = "FRAG\n"
                            "DCL IN[0], GENERIC[0], PERSPECTIVE\n"
                            "DCL OUT[0], COLOR\n"
                            "  0: MOV OUT[0], IN[0]\n"
                            "  1: END\n";

/* As nir_to_tgsi writes one: per-vertex inputs, a system value, EMIT and ENDPRIM. It doubles
 * vertex 1's varying and adds the primitive id (0) to w. */
static const char gs_double[] = "GEOM\n"
                                "PROPERTY GS_INPUT_PRIMITIVE TRIANGLES\n"
                                "PROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\n"
                                "PROPERTY GS_MAX_OUTPUT_VERTICES 3\n"
                                "PROPERTY GS_INVOCATIONS 1\n"
                                "DCL IN[][0], POSITION\n"
                                "DCL IN[][1], GENERIC[0]\n"
                                "DCL OUT[0], POSITION\n"
                                "DCL OUT[1], GENERIC[0]\n"
                                "DCL SV[0], PRIM_ID\n"
                                "DCL TEMP[0..1]\n"
                                "IMM[0] UINT32 {0, 0, 0, 0}\n"
                                "IMM[1] FLT32 {0x40000000, 0x3f800000, 0x00000000, 0x00000000}\n"
                                "  0: MUL TEMP[0], IN[1][1], IMM[1].xxxx\n"
                                "  1: U2F TEMP[1].x, SV[0].xxxx\n"
                                "  2: ADD TEMP[0].w, TEMP[0].wwww, TEMP[1].xxxx\n"
                                "  3: MOV OUT[1], TEMP[0]\n"
                                "  4: MOV OUT[0], IN[0][0]\n"
                                "  5: EMIT IMM[0].xxxx\n"
                                "  6: MOV OUT[0], IN[1][0]\n"
                                "  7: EMIT IMM[0].xxxx\n"
                                "  8: MOV OUT[0], IN[2][0]\n"
                                "  9: EMIT IMM[0].xxxx\n"
                                " 10: ENDPRIM IMM[0].xxxx\n"
                                " 11: END\n";

VGL_TEST(run_geometry_shader) {
    gl_context_or_skip();
    /* Attribute 1 is (0.5, 0.25, 0.125, 1) for every vertex. */
    struct draw d = {.vs = gs_vs, .gs = gs_double, .fs = gs_fs};
    draw_check(&d, 1.0f, 0.5f, 0.25f, 2.0f);
    /* The host's y flip and depth convention apply in the GS, the last vertex stage. */
    d.key.flip_y = true;
    d.key.clip_halfz = true;
    d.y_sign = -1.0f;
    draw_check(&d, 1.0f, 0.5f, 0.25f, 2.0f);
    gl_context_end();
}

VGL_TEST(geometry_shader_text) {
    const struct vgl_shader_key plain = {.flip_y = true};
    struct vgl_glsl_program prog = emit_stage_texts(gs_vs, gs_double, gs_fs, &plain);
    const char *const vs = prog.glsl[VGL_SHADER_VERTEX], *const gs = prog.glsl[VGL_SHADER_GEOMETRY];
    CHECK(strstr(gs, "layout(triangles) in;\nlayout(triangle_strip, max_vertices = 3) out;\n"));
    CHECK(strstr(gs, "flat in uvec4 vgl_gv_position0[];"));
    CHECK(strstr(gs, "ri[4] = vgl_gv_position0[2];"));
    CHECK(strstr(gs, "gl_PrimitiveIDIn"));
    CHECK(strstr(gs, "EmitVertex();"));
    CHECK(strstr(gs, "EndPrimitive();"));
    CHECK(strstr(gs, "gl_Position.y *= vgl_y_sign;"));
    CHECK(strstr(gs, "uniform vgl_consts_gs {"));
    /* The VS hands the GS raw registers and leaves the host conventions to it. */
    CHECK(strstr(vs, "flat out uvec4 vgl_gv_generic0;"));
    CHECK(!strstr(vs, "vgl_y_sign"));
    vgl_glsl_program_finish(&prog);
}

VGL_TEST(stencil_export_text) {
    const struct vgl_shader_key plain = {.nr_cbufs = 1};
    struct vgl_glsl_program prog =
            emit_texts(standin_vs, run_text("stencil_export_1_fs.tgsi"), &plain);
    const char *const fs = prog.glsl[VGL_SHADER_FRAGMENT];
    CHECK(strstr(fs, "#extension GL_ARB_shader_stencil_export : require"));
    CHECK(strstr(fs, "gl_FragStencilRefARB = int(ro[1].y);"));
    CHECK(strstr(fs, "vgl_out_0 = uintBitsToFloat(ro[0]);"));
    vgl_glsl_program_finish(&prog);
}

VGL_TEST(geometry_shaders_refused) {
    static const char *const bad[] = {
            /* no input primitive */
            "GEOM\nPROPERTY GS_MAX_OUTPUT_VERTICES 3\n  0: END\n",
            /* no vertex count */
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE POINTS\n  0: END\n",
            /* a quad is no GS input */
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE QUADS\n",
            /* vertex 1 of a point */
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE POINTS\nPROPERTY GS_MAX_OUTPUT_VERTICES 1\n"
            "DCL IN[][0], POSITION\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[1][0]\n  1: END\n",
            /* inputs without a vertex */
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE POINTS\nPROPERTY GS_MAX_OUTPUT_VERTICES 1\n"
            "DCL IN[0], POSITION\n  0: END\n",
            /* primitives given as numbers past the name table (found by fuzz-tgsi) */
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE POINTS\nPROPERTY GS_OUTPUT_PRIMITIVE 15\n",
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE 4000000000\n",
            /* EMIT outside a GS */
            "VERT\nIMM[0] UINT32 {0, 0, 0, 0}\n  0: EMIT IMM[0].xxxx\n  1: END\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vgl_shader *sh = NULL;
        char why[160] = "";
        CHECK_EQ(vgl_shader_parse(bad[i], strlen(bad[i]), &sh, why, sizeof(why)),
                 VGL_ERROR_MALFORMED);
        CHECK(why[0] && !sh);
    }
    /* Valid, but beyond GL 3.3: other streams, invocations, too many vertices. */
    static const char *const beyond[] = {
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE POINTS\nPROPERTY GS_MAX_OUTPUT_VERTICES 1\n"
            "IMM[0] UINT32 {1, 0, 0, 0}\n  0: EMIT IMM[0].xxxx\n  1: END\n",
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE POINTS\nPROPERTY GS_MAX_OUTPUT_VERTICES 4096\n",
    };
    for (size_t i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++) {
        struct vgl_shader *sh = NULL;
        char why[160] = "";
        CHECK_EQ(vgl_shader_parse(beyond[i], strlen(beyond[i]), &sh, why, sizeof(why)),
                 VGL_ERROR_UNSUPPORTED);
    }
}

static void run_fs(const char *fs, float r, float g, float b, float a) {
    const struct draw d = {.vs = pos_vs, .fs = fs};
    draw_check(&d, r, g, b, a);
}

VGL_TEST(run_integer_ops) {
    gl_context_or_skip();
    /* 0: signed division by magnitudes, division by zero, IBFE sign extension;
     * 1: UDIV by zero is ~0, UBFE, POPC, UMUL_HI; 2: BFI, LSB, UMSB, IMUL_HI;
     * 3: BREV, ISHR, IMSB, UCMP with integer negation, SHL, F2I, UIF. */
    const float want[][4] = {
            {-14, -2, -1, -4},
            {1, 188, 8, 65535},
            {61456, 4, 15, -8},
            {7, -134217728, -1, -256},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "run/int_ops_%zu_fs.tgsi", i);
        run_fs(run_text(name), want[i][0], want[i][1], want[i][2], want[i][3]);
    }
    gl_context_end();
}

VGL_TEST(run_varyings_and_indirect_constants) {
    gl_context_or_skip();
    /* ARL from an attribute picks CONST[3]; a flat varying carries ~0 and a NaN bit pattern
     * unchanged; the FS checks the bits with USEQ. */
    const char *const vs = run_text("run/varyings_vs.tgsi");
    const char *const fs = run_text("run/varyings_fs.tgsi");
    const float consts[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0.75f, 0.5f, 0.125f, 1};
    const struct draw d = {.vs = vs, .fs = fs, .consts_vs = consts, .num_vs = 4};
    draw_check(&d, 4.0f, 0.75f, 0.5f, 0.125f);
    gl_context_end();
}

VGL_TEST(run_textures) {
    gl_context_or_skip();
    static const uint8_t texels[16] = {255, 0, 0,   255, 0,   255, 0,   255,
                                       0,   0, 255, 255, 255, 255, 255, 255};
    GLuint tex;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, 2, 2, 0, GL_RGBA, GL_UNSIGNED_BYTE, texels);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, 0);
    const char *const fs = run_text("run/textures_fs.tgsi");
    /* TXF (1,0) green + TEX (0.75,0.75) white; size 2x2; TXP (1.5,0.25)/2 = texel (1,0). */
    const struct draw d = {.vs = pos_vs, .fs = fs, .texture = tex};
    draw_check(&d, 2.0f, 2.0f, 3.0f, 0.0f);
    glDeleteTextures(1, &tex);
    gl_context_end();
}

VGL_TEST(run_key_emulation) {
    gl_context_or_skip();
    const char *const colors_vs = run_text("run/colors_vs.tgsi");
    const char *const color_in_fs = run_text("run/color_in_fs.tgsi");
    struct draw d = {.vs = colors_vs, .fs = color_in_fs, .y_sign = 1.0f};
    draw_check(&d, 1.0f, 0.0f, 0.0f, 0.5f);
    /* Two-sided colour: flipping y makes the triangle back-facing. */
    d.key.two_side = true;
    d.key.flip_y = true;
    draw_check(&d, 1.0f, 0.0f, 0.0f, 0.5f);
    d.y_sign = -1.0f;
    draw_check(&d, 0.0f, 1.0f, 0.0f, 0.75f);
    /* Alpha test LESS: alpha 0.5 < 0.25 fails (the clear colour stays), < 0.75 passes. */
    d = (struct draw){.vs = colors_vs, .fs = color_in_fs};
    d.key.alpha_test_enabled = true;
    d.key.alpha_func = 1;
    d.alpha_ref = 0.25f;
    draw_check(&d, 0.25f, 0.25f, 0.25f, 0.25f);
    d.alpha_ref = 0.75f;
    draw_check(&d, 1.0f, 0.0f, 0.0f, 0.5f);
    /* Polygon stipple: an empty pattern discards everything, a full one nothing. */
    uint8_t pattern[32 * 32];
    memset(pattern, 0, sizeof(pattern));
    d = (struct draw){.vs = colors_vs, .fs = color_in_fs, .stipple = pattern};
    d.key.poly_stipple = true;
    draw_check(&d, 0.25f, 0.25f, 0.25f, 0.25f);
    memset(pattern, 255, sizeof(pattern));
    draw_check(&d, 1.0f, 0.0f, 0.0f, 0.5f);
    /* A user clip plane that rejects everything, then one that keeps everything. */
    d = (struct draw){.vs = colors_vs, .fs = color_in_fs, .clip_plane = {0, 0, 0, -1}};
    d.key.clip_plane_enable = 1;
    draw_check(&d, 0.25f, 0.25f, 0.25f, 0.25f);
    d.clip_plane[3] = 1.0f;
    draw_check(&d, 1.0f, 0.0f, 0.0f, 0.5f);
    /* No fragment shader: the pass-through writes the VS colour. */
    d = (struct draw){.vs = colors_vs, .fs = NULL};
    draw_check(&d, 1.0f, 0.0f, 0.0f, 0.5f);
    gl_context_end();
}

static uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

/* piglit glsl-vs-vec4-indexing-temp-dst-in-loop: array[i] = red for i < count in a loop with an
 * indirect store, then the sum of the eight elements. Captured with glsl_level 130 (UARL) and
 * 120 (floats, ARL), where Mesa 22.3.6 drops every access to array[1]: that TEMP[1] stays 0. */
VGL_TEST(run_temp_array_store_in_loop) {
    gl_context_or_skip();
    static const float init[8][3] = {{0.2f, 0, 0.2f}, {0, 0.2f, 0},      {0, 0, 0.2f},
                                     {0.2f, 0.2f, 0}, {0, 0.2f, 0.2f},   {0.2f, 0, 0.2f},
                                     {0, 0, 0},       {0.2f, 0.2f, 0.2f}};
    static const char *const files[] = {"temp_array_loop_int_vs.tgsi",
                                        "temp_array_loop_float_vs.tgsi"};
    for (int f = 0; f < 2; f++) {
        const char *const vs = run_text(files[f]);
        for (int count = 0; count <= 8; count += 3) {
            /* CONST[0].x one, [1].x count, [2] red, [3..6] the identity matrix. */
            uint32_t c[7][4] = {
                    {fbits(1.0f)}, {f ? fbits((float)count) : (uint32_t)count}, {fbits(0.1f)}};
            for (int i = 0; i < 4; i++) {
                c[3 + i][i] = fbits(1.0f);
            }
            float want[3] = {0, 0, 0};
            for (int i = 0; i < 8; i++) {
                for (int k = 0; k < 3; k++) {
                    const float red = k == 0 ? 0.1f : 0.0f;
                    want[k] += f && i == 1 ? 0.0f : i < count ? red : init[i][k];
                }
            }
            const struct draw d = {.vs = vs, .fs = NULL, .consts_vs = c, .num_vs = 7};
            draw_check(&d, want[0], want[1], want[2], 0.0f);
        }
    }
    gl_context_end();
}

/* A depth texture (all 0.5) compared with LEQUAL: reference 0.25 passes (1.0), 0.75 fails. */
VGL_TEST(run_shadow_swizzle) {
    gl_context_or_skip();
    static const float depth[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    GLuint tex;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_DEPTH_COMPONENT32F, 2, 2, 0, GL_DEPTH_COMPONENT, GL_FLOAT,
                 depth);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, 0);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_COMPARE_MODE, GL_COMPARE_REF_TO_TEXTURE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_COMPARE_FUNC, GL_LEQUAL);
    const char *const fs = run_text("run/shadow2d_fs.tgsi");
    const float pass_ref[4] = {0.5f, 0.5f, 0.25f, 1.0f}, fail_ref[4] = {0.5f, 0.5f, 0.75f, 1.0f};
    struct draw d = {.vs = pos_vs, .fs = fs, .consts_fs = pass_ref, .num_fs = 1, .texture = tex};
    /* No swizzle: the result in every component. */
    draw_check(&d, 1.0f, 1.0f, 1.0f, 1.0f);
    d.consts_fs = fail_ref;
    draw_check(&d, 0.0f, 0.0f, 0.0f, 0.0f);
    /* Depth mode LUMINANCE: X X X ONE. */
    d.key.stage[VGL_SHADER_FRAGMENT].shadow_swizzle[0] = 0x8000 | 5 << 9;
    draw_check(&d, 0.0f, 0.0f, 0.0f, 1.0f);
    /* Y (0), X (r), ZERO, W (1) of (r, 0, 0, 1); then ONE, Z, X, X. */
    d.consts_fs = pass_ref;
    d.key.stage[VGL_SHADER_FRAGMENT].shadow_swizzle[0] = 0x8000 | 1 | 0 << 3 | 4 << 6 | 3 << 9;
    draw_check(&d, 0.0f, 1.0f, 0.0f, 1.0f);
    d.key.stage[VGL_SHADER_FRAGMENT].shadow_swizzle[0] = 0x8000 | 5 | 2 << 3 | 0 << 6 | 0 << 9;
    draw_check(&d, 1.0f, 0.0f, 1.0f, 1.0f);
    glDeleteTextures(1, &tex);
    gl_context_end();
}

VGL_TEST(run_cbuf_swizzle) {
    gl_context_or_skip();
    const char *const fs = run_text("run/cbuf_fs.tgsi");
    struct draw d = {.vs = pos_vs, .fs = fs};
    draw_check(&d, 0.125f, 0.5f, 0.75f, 1.0f);
    /* A8 stored in R: R takes W. */
    d.key.cbuf_swizzle[0] = 0x8000 | 3 | 4 << 3 | 4 << 6 | 5 << 9;
    draw_check(&d, 1.0f, 0.0f, 0.0f, 1.0f);
    /* L8A8 stored in RG: R takes X, G takes W; then every selector. */
    d.key.cbuf_swizzle[0] = 0x8000 | 0 | 3 << 3 | 4 << 6 | 5 << 9;
    draw_check(&d, 0.125f, 1.0f, 0.0f, 1.0f);
    d.key.cbuf_swizzle[0] = 0x8000 | 2 | 1 << 3 | 5 << 6 | 0 << 9;
    draw_check(&d, 0.75f, 0.5f, 1.0f, 0.125f);
    gl_context_end();
}

/* (DDY(pos.y), DDX(pos.x), pos.y, pos.x) at pixel (2, 2) of 8x8, in gallium's upper-left frame.
 * flip_y only negates clip-space y: the host's window coordinates stay gallium's, so the
 * guest sees the same position and derivatives (glmark2 --validate and piglit's glsl-derivs in
 * a window check this against native). */
VGL_TEST(run_fragcoord_and_derivatives) {
    gl_context_or_skip();
    struct draw d = {.vs = pos_vs, .fs = run_text("run/fragcoord_fs.tgsi"), .y_sign = 1.0f};
    draw_check(&d, 1.0f, 1.0f, 2.5f, 2.5f);
    d.key.flip_y = true;
    d.y_sign = -1.0f;
    draw_check(&d, 1.0f, 1.0f, 2.5f, 2.5f);
    gl_context_end();
}
