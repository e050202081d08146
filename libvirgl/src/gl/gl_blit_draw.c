/* SPDX-License-Identifier: MIT */
/*
 * Blits into multisampled buffers on a GLES host, which refuses them (glBlitFramebuffer with a
 * multisampled draw framebuffer is an error there): a quad over the destination rectangle
 * samples the source, colour as colour, depth through gl_FragDepth and stencil one bit a pass
 * (GLES has no stencil export). The source is read sample for sample where it has the
 * destination's sample count, else through a single-sampled copy (a resolve) of its level in
 * the format of the blit's view. docs/gles-host.md.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "gl/gl_internal.h"
#include "gl/gl_program.h"

enum {
    BLIT_FLOAT,
    BLIT_UINT,
    BLIT_SINT,
    BLIT_DEPTH,
    BLIT_STENCIL,
    BLIT_KINDS,
};

static const char vertex_source[] =
        "uniform vec4 vgl_rect; /* the destination rectangle in clip coordinates */\n"
        "void main() {\n"
        "    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));\n"
        "    gl_Position = vec4(mix(vgl_rect.xy, vgl_rect.zw, corner), 0.0, 1.0);\n"
        "}\n";

/*
 * The fragment shaders: the source texel under the destination pixel, the window position
 * mapped by vgl_map (source = map.xy + position * map.zw, in texels). FETCH reads it from a
 * 2D texture, or from a multisampled one sample for sample (gl_SampleID: the shader then runs
 * per sample, an exact copy between buffers of the same sample count).
 */
static const struct {
    const char *decl, *sampler, *body;
} kinds[BLIT_KINDS] = {
        [BLIT_FLOAT] = {"out vec4 o;\n", "sampler2D", "o = FETCH;"},
        [BLIT_UINT] = {"out uvec4 o;\n", "usampler2D", "o = FETCH;"},
        [BLIT_SINT] = {"out ivec4 o;\n", "isampler2D", "o = FETCH;"},
        [BLIT_DEPTH] = {"", "sampler2D", "gl_FragDepth = FETCH.r;"},
        /* bit < 0: every fragment passes (the pass that clears the stencil bits) */
        [BLIT_STENCIL] = {"uniform int vgl_bit;\n", "usampler2D",
                          "uint v = FETCH.r;\n"
                          "    if (vgl_bit >= 0 && ((v >> uint(vgl_bit)) & 1u) == 0u) discard;"},
};

/* The program of `kind`, reading a multisampled texture per sample when `ms`. */
static GLuint program(struct vgl_renderer *r, unsigned kind, bool ms) {
    const unsigned index = kind + (ms ? BLIT_KINDS : 0);
    if (r->blit_programs[index]) {
        return r->blit_programs[index];
    }
    char version[96], fs[1024], vs_text[512];
    snprintf(version, sizeof(version), "#version %d es\n%s", r->glsl_version,
             ms && r->glsl_version < 320 ? "#extension GL_OES_sample_variables : require\n" : "");
    /* A single-sampled float source is filtered as the blit asks; the rest are fetched. */
    const char *const body = kind == BLIT_FLOAT && !ms
                                     ? "o = texture(s, POS / vec2(textureSize(s, 0)));"
                                     : kinds[kind].body;
    snprintf(fs, sizeof(fs),
             "%sprecision highp float;\nprecision highp int;\n"
             "uniform vec4 vgl_map;\n#define POS (vgl_map.xy + gl_FragCoord.xy * vgl_map.zw)\n"
             "#define FETCH texelFetch(s, ivec2(floor(POS)), %s)\n"
             "%suniform highp %s%s s;\nvoid main() {\n    %s\n}\n",
             version, ms ? "gl_SampleID" : "0", kinds[kind].decl, kinds[kind].sampler,
             ms ? "MS" : "", body);
    snprintf(vs_text, sizeof(vs_text), "%s%s", version, vertex_source);
    char why[160];
    const GLuint vs = vgl_gl_compile(GL_VERTEX_SHADER, vs_text, why, sizeof(why));
    const GLuint f = vgl_gl_compile(GL_FRAGMENT_SHADER, fs, why, sizeof(why));
    GLuint p = 0;
    if (vs && f) {
        p = glCreateProgram();
        glAttachShader(p, vs);
        glAttachShader(p, f);
        glLinkProgram(p);
        GLint ok = 0;
        glGetProgramiv(p, GL_LINK_STATUS, &ok);
        if (!ok) {
            glDeleteProgram(p);
            p = 0;
        }
    }
    glDeleteShader(vs);
    glDeleteShader(f);
    r->blit_programs[index] = p;
    return p;
}

void vgl_gl_blit_draw_finish(struct vgl_renderer *r) {
    for (size_t i = 0; i < VGL_ARRAY_SIZE(r->blit_programs); i++) {
        glDeleteProgram(r->blit_programs[i]);
        r->blit_programs[i] = 0;
    }
}

static GLuint texture_2d(GLenum internal_format, GLsizei w, GLsizei h) {
    GLuint tex = 0;
    glGenTextures(1, &tex);
    glBindTexture(GL_TEXTURE_2D, tex);
    glTexStorage2D(GL_TEXTURE_2D, 1, internal_format, w, h);
    glBindTexture(GL_TEXTURE_2D, 0);
    return tex;
}

/*
 * The source level's layer as a single-sampled 2D texture (a copy, or for a multisampled source
 * its resolve) in the host format of the blit's source view: an sRGB texture viewed as linear
 * is copied into a linear one, so that sampling leaves its bytes alone as the guest's blit
 * would. `srgb_write`: the blit's own GL_FRAMEBUFFER_SRGB state, restored.
 */
static GLuint source_copy(struct vgl_renderer *r, const struct gl_resource *src,
                          const struct vgl_cmd_blit *cmd, GLbitfield mask, bool srgb_write) {
    const uint32_t level = cmd->src.level, layer = (uint32_t)cmd->src.box.z;
    const GLsizei w = (GLsizei)vgl_gl_level_width(src, level);
    const GLsizei h = (GLsizei)vgl_gl_level_height(src, level);
    const struct gl_format *view = vgl_gl_host_format(r, cmd->src.format);
    const GLenum stored = src->fmt->internal_format;
    const GLenum want = view && !view->block && r->has_copy_image &&
                                        vgl_gl_host_bytes(view) == vgl_gl_host_bytes(src->fmt) &&
                                        (mask & GL_COLOR_BUFFER_BIT)
                                ? view->internal_format
                                : stored;
    if (src->args.nr_samples <= 1 && r->has_copy_image) { /* the bytes, as they are */
        const GLuint tex = texture_2d(want, w, h);
        glCopyImageSubData(src->id, src->gl_target, (GLint)level, 0, 0, (GLint)layer, tex,
                           GL_TEXTURE_2D, 0, 0, 0, 0, w, h, 1);
        return tex;
    }
    const GLuint tex = texture_2d(stored, w, h);
    vgl_gl_bind_fbo(r, GL_READ_FRAMEBUFFER, r->read_fbo);
    vgl_gl_bind_fbo(r, GL_DRAW_FRAMEBUFFER, r->draw_fbo);
    vgl_gl_attach(GL_READ_FRAMEBUFFER, src, level, layer, 0);
    glFramebufferTexture2D(GL_DRAW_FRAMEBUFFER, src->fmt->attachment, GL_TEXTURE_2D, tex, 0);
    const GLenum buf =
            src->fmt->attachment == GL_COLOR_ATTACHMENT0 ? GL_COLOR_ATTACHMENT0 : GL_NONE;
    glReadBuffer(buf);
    glDrawBuffers(1, &buf);
    vgl_gl_srgb_write(r, true); /* an sRGB resolve decodes: encode again */
    glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, mask, GL_NEAREST);
    vgl_gl_srgb_write(r, srgb_write);
    vgl_gl_detach_all(GL_READ_FRAMEBUFFER);
    vgl_gl_detach_all(GL_DRAW_FRAMEBUFFER);
    if (want == stored) {
        return tex;
    }
    const GLuint as_view = texture_2d(want, w, h);
    glCopyImageSubData(tex, GL_TEXTURE_2D, 0, 0, 0, 0, as_view, GL_TEXTURE_2D, 0, 0, 0, 0, w, h, 1);
    glDeleteTextures(1, &tex);
    return as_view;
}

static void draw_quad(struct vgl_renderer *r, unsigned kind, bool ms, const float rect[4],
                      const float map[4], int bit) {
    const GLuint p = program(r, kind, ms);
    if (!p) {
        return;
    }
    glUseProgram(p);
    glUniform4fv(glGetUniformLocation(p, "vgl_rect"), 1, rect);
    glUniform4fv(glGetUniformLocation(p, "vgl_map"), 1, map);
    glUniform1i(glGetUniformLocation(p, "s"), r->rest_unit);
    if (kind == BLIT_STENCIL) {
        glUniform1i(glGetUniformLocation(p, "vgl_bit"), bit);
    }
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

bool vgl_gl_blit_draw(struct vgl_renderer *r, const struct gl_resource *src, GLuint src_tex,
                      const struct gl_resource *dst, const struct vgl_cmd_blit *cmd,
                      const struct vgl_box *sb, GLbitfield mask, GLenum filter, bool srgb_write) {
    if (!r->gles || dst->args.nr_samples <= 1) {
        return false;
    }
    const struct vgl_box *db = &cmd->dst.box;
    /* Between multisampled buffers of one sample count, unscaled and of one view format: sample
     * for sample from the source itself. */
    const uint32_t src_samples = src->host_samples ? src->host_samples : src->args.nr_samples;
    const uint32_t dst_samples = dst->host_samples ? dst->host_samples : dst->args.nr_samples;
    const bool ms = !src_tex && src->gl_target == GL_TEXTURE_2D_MULTISAMPLE &&
                    src_samples == dst_samples && sb->w == db->w && sb->h == db->h &&
                    vgl_gl_host_format(r, cmd->src.format) == src->fmt;
    const GLenum target = ms ? GL_TEXTURE_2D_MULTISAMPLE : GL_TEXTURE_2D;
    GLuint copy = 0;
    if (ms) {
        src_tex = src->id;
    } else if (!src_tex) {
        copy = source_copy(r, src, cmd, mask, srgb_write);
        src_tex = copy;
    }
    /* The state every draw sets again (vgl_gl_state_dirty), bound objects forgotten below. */
    vgl_gl_state_dirty(r);
    vgl_gl_bind_fbo(r, GL_DRAW_FRAMEBUFFER, r->draw_fbo);
    vgl_gl_attach(GL_DRAW_FRAMEBUFFER, dst, cmd->dst.level, (uint32_t)db->z, 0);
    const bool color = (mask & GL_COLOR_BUFFER_BIT) != 0;
    const GLenum buf = color ? GL_COLOR_ATTACHMENT0 : GL_NONE;
    glDrawBuffers(1, &buf);
    const GLsizei w = (GLsizei)vgl_gl_level_width(dst, cmd->dst.level);
    const GLsizei h = (GLsizei)vgl_gl_level_height(dst, cmd->dst.level);
    glViewport(0, 0, w, h);
    glDepthRangef(0.0f, 1.0f);
    if (cmd->scissor_enable) {
        glEnable(GL_SCISSOR_TEST);
        glScissor((GLint)cmd->scissor_minx, (GLint)cmd->scissor_miny,
                  (GLsizei)(cmd->scissor_maxx - cmd->scissor_minx),
                  (GLsizei)(cmd->scissor_maxy - cmd->scissor_miny));
    } else {
        glDisable(GL_SCISSOR_TEST);
    }
    const GLenum off[] = {GL_CULL_FACE,
                          GL_POLYGON_OFFSET_FILL,
                          GL_BLEND,
                          GL_RASTERIZER_DISCARD,
                          GL_SAMPLE_MASK,
                          GL_SAMPLE_COVERAGE,
                          GL_SAMPLE_ALPHA_TO_COVERAGE,
                          GL_DITHER};
    for (size_t i = 0; i < VGL_ARRAY_SIZE(off); i++) {
        glDisable(off[i]);
    }
    glBindVertexArray(0);
    r->bound.vao = 0;
    glActiveTexture(GL_TEXTURE0 + (GLenum)r->rest_unit);
    glBindSampler((GLuint)r->rest_unit, 0);
    glBindTexture(target, src_tex);
    if (!ms) { /* the renderer's own copy */
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, (GLint)filter);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, (GLint)filter);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    }
    /* Destination pixel (x, y) reads source texel sb.xy + ((x, y) - db.xy) * sb.wh / db.wh. */
    const float sx = db->w ? (float)sb->w / (float)db->w : 0.0f;
    const float sy = db->h ? (float)sb->h / (float)db->h : 0.0f;
    const float map[4] = {(float)sb->x - (float)db->x * sx, (float)sb->y - (float)db->y * sy, sx,
                          sy};
    const float rect[4] = {2.0f * (float)db->x / (float)w - 1.0f,
                           2.0f * (float)db->y / (float)h - 1.0f,
                           2.0f * (float)(db->x + db->w) / (float)w - 1.0f,
                           2.0f * (float)(db->y + db->h) / (float)h - 1.0f};
    glDisable(GL_STENCIL_TEST);
    if (color) {
        const uint8_t kind = dst->fmt->integer;
        glDisable(GL_DEPTH_TEST);
        glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
        draw_quad(r,
                  kind == GL_INT_UNSIGNED ? BLIT_UINT
                  : kind == GL_INT_SIGNED ? BLIT_SINT
                                          : BLIT_FLOAT,
                  ms, rect, map, -1);
    }
    glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_FALSE);
    if (mask & GL_DEPTH_BUFFER_BIT) {
        glEnable(GL_DEPTH_TEST);
        glDepthFunc(GL_ALWAYS);
        glDepthMask(GL_TRUE);
        draw_quad(r, BLIT_DEPTH, ms, rect, map, -1);
    }
    glDisable(GL_DEPTH_TEST);
    if (mask & GL_STENCIL_BUFFER_BIT) {
        glTexParameteri(target, GL_DEPTH_STENCIL_TEXTURE_MODE, GL_STENCIL_INDEX);
        glEnable(GL_STENCIL_TEST);
        glStencilOp(GL_REPLACE, GL_REPLACE, GL_REPLACE);
        glStencilFunc(GL_ALWAYS, 0, 0xff);
        glStencilMask(0xff);
        draw_quad(r, BLIT_STENCIL, ms, rect, map, -1); /* zeros */
        glStencilFunc(GL_ALWAYS, 0xff, 0xff);
        for (int bit = 0; bit < 8; bit++) {
            glStencilMask(1u << bit);
            draw_quad(r, BLIT_STENCIL, ms, rect, map, bit); /* ones where the source has it */
        }
        glDisable(GL_STENCIL_TEST);
        if (ms) { /* the guest's texture: back to sampling depth */
            glTexParameteri(target, GL_DEPTH_STENCIL_TEXTURE_MODE, GL_DEPTH_COMPONENT);
        }
    }
    glColorMask(GL_TRUE, GL_TRUE, GL_TRUE, GL_TRUE);
    glDepthMask(GL_TRUE);
    glStencilMask(0xff);
    glDisable(GL_SCISSOR_TEST);
    glBindTexture(target, 0);
    glUseProgram(0);
    r->bound.program = 0;
    if (r->rest_unit < GL_BOUND_UNITS) {
        r->bound.view[r->rest_unit] = ~0ull;
    }
    vgl_gl_detach_all(GL_DRAW_FRAMEBUFFER);
    glDeleteTextures(1, &copy);
    return true;
}
