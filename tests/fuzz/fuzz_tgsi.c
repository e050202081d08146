/* SPDX-License-Identifier: MIT */
/*
 * fuzz-tgsi: the TGSI text parser and the GLSL emitter.
 *
 * Input: TGSI text, optionally followed by a NUL and a second shader's text, and after a second
 * NUL up to 8 bytes that choose emulation key fields. A vertex shader is emitted with the
 * fragment shader (or alone); a lone fragment shader is emitted with a fixed vertex shader.
 * Each shader text is copied to a buffer of exactly its length so ASan catches over-reads.
 */
#include "fuzz.h"
#include "shader/shader.h"

static const char standin_vs[] = "VERT\n"
                                 "DCL IN[0]\n"
                                 "DCL OUT[0], POSITION\n"
                                 "DCL OUT[1], GENERIC[0]\n"
                                 "DCL OUT[2], COLOR\n"
                                 "  0: MOV OUT[0], IN[0]\n"
                                 "  1: MOV OUT[1], IN[0]\n"
                                 "  2: MOV OUT[2], IN[0]\n"
                                 "  3: END\n";

static struct vgl_shader *parse(const uint8_t *text, size_t len) {
    char *const copy = malloc(len ? len : 1);
    if (!copy) {
        return NULL;
    }
    memcpy(copy, text, len);
    struct vgl_shader *sh = NULL;
    char why[256] = "";
    if (vgl_shader_parse(copy, len, &sh, why, sizeof(why)) != VGL_OK) {
        sh = NULL;
        if (!memchr(why, 0, sizeof(why))) {
            abort(); /* the reason must be a terminated string */
        }
    }
    free(copy);
    return sh;
}

static void key_from(struct vgl_shader_key *key, struct fuzz_input *in) {
    const uint8_t a = fuzz_u8(in), b = fuzz_u8(in), c = fuzz_u8(in), d = fuzz_u8(in);
    key->alpha_func = a & 7;
    key->alpha_test_enabled = a & 8;
    key->flatshade = a & 16;
    key->two_side = a & 32;
    key->poly_stipple = a & 64;
    key->sprite_coord_upper_left = a & 128;
    key->sprite_coord_enable = fuzz_u32(in);
    key->nr_cbufs = b & 15;
    key->flip_y = b & 16;
    key->fs_coord_conventions = b & 32;
    key->clip_halfz = b & 64;
    key->gs_front_ccw = b & 128;
    key->clip_plane_enable = c;
    key->gs_fill = d & 3;
    key->gs_prim = (d >> 2) & 3;
    key->gs_cull = (d >> 4) & 3;
    key->gs_flat_first = d & 64;
    key->gs_offset = d & 128;
    /* Swizzles and clamps from the same bytes: bit 15 marks a non-identity swizzle. */
    for (unsigned i = 0; i < 8; i++) {
        key->cbuf_swizzle[i] = (c & (1u << i)) ? (uint16_t)(0x8000u | (a * 0x111u + i)) : 0;
    }
    for (unsigned st = 0; st < VGL_SHADER_STAGES; st++) {
        for (unsigned i = 0; i < VGL_SHADER_MAX_SAMPLERS; i++) {
            key->stage[st].shadow_swizzle[i] =
                    (b >> st & 1) ? (uint16_t)(0x8000u | (d * 0x53u + i + st)) : 0;
            key->stage[st].tex_clamp[i] = (uint8_t)((a + i + st) & 7);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_init_logging();
    const uint8_t *const nul1 = memchr(data, 0, size);
    const size_t len1 = nul1 ? (size_t)(nul1 - data) : size;
    const uint8_t *text2 = NULL, *rest = NULL;
    size_t len2 = 0, rest_len = 0;
    if (nul1) {
        text2 = nul1 + 1;
        const size_t left = size - len1 - 1;
        const uint8_t *const nul2 = memchr(text2, 0, left);
        len2 = nul2 ? (size_t)(nul2 - text2) : left;
        if (nul2) {
            rest = nul2 + 1;
            rest_len = left - len2 - 1;
        }
    }
    struct vgl_shader *a = parse(data, len1);
    struct vgl_shader *b = text2 ? parse(text2, len2) : NULL;

    struct vgl_shader_key key = {0};
    struct fuzz_input kin = {rest, rest_len, 0};
    if (rest) {
        key_from(&key, &kin);
    }
    struct vgl_shader *vs = NULL, *fs = NULL, *gs = NULL, *standin = NULL;
    for (struct vgl_shader *sh = a;; sh = b) {
        if (sh) {
            const enum vgl_shader_stage stage = vgl_shader_get_info(sh)->stage;
            if (stage == VGL_SHADER_VERTEX && !vs) {
                vs = sh;
            } else if (stage == VGL_SHADER_FRAGMENT && !fs) {
                fs = sh;
            } else if (stage == VGL_SHADER_GEOMETRY && !gs) {
                gs = sh;
            }
        }
        if (sh == b) {
            break;
        }
    }
    if (vs && rest && (key.gs_fill == 0)) {
        /* Stream output on the VS, from the key bytes: register, components, buffer. */
        struct vgl_stream_output so = {.num_outputs = 1, .stride = {4, 0, 0, 0}};
        so.outputs[0] = (struct vgl_so_output){.reg = (uint8_t)(key.clip_plane_enable & 7),
                                               .start = 0,
                                               .num = 4,
                                               .buffer = 0,
                                               .offset = 0};
        char why[128];
        vgl_shader_set_stream_output(vs, &so, why, sizeof(why));
    }
    if (!vs && (fs || gs)) {
        standin = parse((const uint8_t *)standin_vs, sizeof(standin_vs) - 1);
        vs = standin;
    }
    if (vs) {
        struct vgl_glsl_program prog = {0};
        char why[256];
        const struct vgl_shader *stages[VGL_SHADER_STAGES] = {
                [VGL_SHADER_VERTEX] = vs, [VGL_SHADER_GEOMETRY] = gs, [VGL_SHADER_FRAGMENT] = fs};
        if (vgl_shader_emit_program(stages, &key, &prog, why, sizeof(why)) == VGL_OK) {
            if (!prog.glsl[VGL_SHADER_VERTEX] || !prog.glsl[VGL_SHADER_FRAGMENT]) {
                abort();
            }
        }
        vgl_glsl_program_finish(&prog);
    }
    vgl_shader_destroy(standin);
    vgl_shader_destroy(a);
    vgl_shader_destroy(b);
    return 0;
}
