/* SPDX-License-Identifier: MIT */
/*
 * Emitted GLSL of the translator's emulations of state a core host lacks: GL_CLAMP under linear
 * filtering (key tex_clamp) and the geometry shader for unfilled polygons with edge flags (key
 * gs_fill). The draws that check them end to end are in test_draw.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shader/shader.h"
#include "test.h"

static const char *const vs_text = "VERT\n"
                                   "DCL IN[0]\n"
                                   "DCL IN[1]\n"
                                   "DCL OUT[0], POSITION\n"
                                   "DCL OUT[1], GENERIC[0]\n"
                                   "DCL OUT[2], EDGEFLAG\n"
                                   "DCL OUT[3], COLOR\n"
                                   "  0: MOV OUT[0], IN[0]\n"
                                   "  1: MOV OUT[1], IN[1]\n"
                                   "  2: MOV OUT[2], IN[1]\n"
                                   "  3: MOV OUT[3], IN[1]\n"
                                   "  4: END\n";

static const char *const fs_text = "FRAG\n"
                                   "DCL IN[0], GENERIC[0], PERSPECTIVE\n"
                                   "DCL IN[1], FACE, CONSTANT\n"
                                   "DCL IN[2], COLOR, COLOR\n"
                                   "DCL OUT[0], COLOR\n"
                                   "DCL SAMP[0]\n"
                                   "DCL SAMP[1]\n"
                                   "DCL SVIEW[0], 2D, FLOAT\n"
                                   "DCL SVIEW[1], RECT, FLOAT\n"
                                   "DCL TEMP[0]\n"
                                   "  0: TXP TEMP[0], IN[0], SAMP[0], 2D\n"
                                   "  1: TEX TEMP[0], IN[0], SAMP[1], RECT\n"
                                   "  2: ADD OUT[0], TEMP[0], IN[1]\n"
                                   "  3: END\n";

static struct vgl_glsl_program emit(const struct vgl_shader_key *key) {
    struct vgl_shader *vs = NULL, *fs = NULL;
    char why[256] = "";
    CHECK_EQ(vgl_shader_parse(vs_text, strlen(vs_text), &vs, why, sizeof(why)), VGL_OK);
    CHECK_EQ(vgl_shader_parse(fs_text, strlen(fs_text), &fs, why, sizeof(why)), VGL_OK);
    struct vgl_glsl_program prog;
    const struct vgl_shader *stages[VGL_SHADER_STAGES] = {
            [VGL_SHADER_VERTEX] = vs, [VGL_SHADER_FRAGMENT] = fs};
    const enum vgl_status st = vgl_shader_emit_program(stages, key, &prog, why, sizeof(why));
    if (st != VGL_OK) {
        fprintf(stderr, "emit: %s\n", why);
    }
    CHECK_EQ(st, VGL_OK);
    vgl_shader_destroy(vs);
    vgl_shader_destroy(fs);
    return prog;
}

VGL_TEST(no_emulation_without_key) {
    const struct vgl_shader_key key = {0};
    struct vgl_glsl_program prog = emit(&key);
    CHECK(!prog.glsl[VGL_SHADER_GEOMETRY]);
    CHECK(!strstr(prog.glsl[VGL_SHADER_FRAGMENT], "clamp("));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "textureProj(vgl_samp_fs_0, c)"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "gl_FrontFacing ? 1.0 : -1.0"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "out vec4 vgl_v_generic0;"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_VERTEX], "vgl_edge"));
    vgl_glsl_program_finish(&prog);
}

VGL_TEST(gl_clamp_clamps_coordinates) {
    struct vgl_shader_key key = {0};
    key.stage[VGL_SHADER_FRAGMENT].tex_clamp[0] = 1 | 2 | 4; /* r does not apply to 2D */
    key.stage[VGL_SHADER_FRAGMENT].tex_clamp[1] = 2;
    key.stage[VGL_SHADER_VERTEX].tex_clamp[0] = 1; /* the VS samples nothing */
    struct vgl_glsl_program prog = emit(&key);
    /* TXP divides first, then clamps s and t to [0, 1] */
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "c = vec4(c.xyz / c.w, 1.0);\n"
                                                 "        c.x = clamp(c.x, 0.0, 1.0);\n"
                                                 "        c.y = clamp(c.y, 0.0, 1.0);\n"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_FRAGMENT], "c.z = clamp"));
    /* rectangle textures clamp to their size */
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "vec2 sz = vec2(textureSize(vgl_samp_fs_1));\n"
                                                 "        c.y = clamp(c.y, 0.0, sz.y);\n"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_FRAGMENT], "c.x = clamp(c.x, 0.0, sz.x)"));
    vgl_glsl_program_finish(&prog);
}

VGL_TEST(edge_flag_geometry_shader) {
    struct vgl_shader_key key = {0};
    key.gs_fill = 1;
    key.gs_cull = 2;
    key.gs_front_ccw = true;
    key.flatshade = true;
    struct vgl_glsl_program prog = emit(&key);
    CHECK(prog.glsl[VGL_SHADER_GEOMETRY]);
    /* the VS feeds the GS, which feeds the FS under the FS's names */
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "smooth out vec4 vgl_gv_generic0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "flat out vec4 vgl_gv_color0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_VERTEX], "vgl_edge = uintBitsToFloat(ro[2].x);"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "layout(line_strip, max_vertices = 6) out;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "smooth in vec4 vgl_gv_generic0[];"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "smooth out vec4 vgl_v_generic0;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "in float vgl_edge[];"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "uint front = area < 0.0 ? 1u : 0u;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "if (front == 0u) {\n        return;"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_GEOMETRY], "if (front != 0u)"));
    /* edges start where the flag is set; flat varyings come from the last vertex */
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY],
                 "if (vgl_edge[1] != 0.0) {\n        vgl_vertex1(front);\n"
                 "        vgl_vertex2(front);\n        EndPrimitive();"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "vgl_v_generic0 = vgl_gv_generic0[0];"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "vgl_v_color0 = vgl_gv_color0[2];"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "flat in uint vgl_v_front;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_FRAGMENT], "(vgl_v_front != 0u) ? 1.0 : -1.0"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_FRAGMENT], "gl_FrontFacing"));
    vgl_glsl_program_finish(&prog);

    key.gs_fill = 2;
    key.gs_cull = 0;
    key.gs_front_ccw = false;
    key.gs_flat_first = true;
    prog = emit(&key);
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "layout(points, max_vertices = 3) out;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "uint front = area > 0.0 ? 1u : 0u;"));
    CHECK(!strstr(prog.glsl[VGL_SHADER_GEOMETRY], "return;"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY], "vgl_v_color0 = vgl_gv_color0[0];"));
    CHECK(strstr(prog.glsl[VGL_SHADER_GEOMETRY],
                 "if (vgl_edge[2] != 0.0) {\n        vgl_vertex2(front);\n"
                 "        EndPrimitive();"));
    vgl_glsl_program_finish(&prog);
}
