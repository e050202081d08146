/* SPDX-License-Identifier: MIT */
/*
 * TGSI text -> IR, part 1: line splitting, lexing, header, PROPERTY, DCL and IMM lines.
 * Input is hostile: every length, index and number is bounded; nothing is read past `len`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shader/shader.h"
#include "shader/shader_ir.h"
#include "shader/tgsi_parser.h"

bool vgl_tgsi_fail(struct tgsi_parser *ps, enum vgl_status status, const char *fmt, ...) {
    if (ps->status != VGL_OK) {
        return false;
    }
    ps->status = status;
    if (ps->why && ps->why_size > 0) {
        const int n = snprintf(ps->why, ps->why_size, "line %u: ", ps->line);
        if (n >= 0 && (size_t)n < ps->why_size) {
            va_list args;
            va_start(args, fmt);
            vsnprintf(ps->why + n, ps->why_size - (size_t)n, fmt, args);
            va_end(args);
        }
    }
    return false;
}

void vgl_tgsi_skip_blanks(struct tgsi_parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r')) {
        ps->p++;
    }
}

bool vgl_tgsi_at_eol(struct tgsi_parser *ps) {
    vgl_tgsi_skip_blanks(ps);
    return ps->p == ps->end;
}

bool vgl_tgsi_accept(struct tgsi_parser *ps, char c) {
    vgl_tgsi_skip_blanks(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

/* Describes the next character for an error message. */
static const char *next_char_desc(const struct tgsi_parser *ps, char *buf, size_t size) {
    if (ps->p >= ps->end) {
        return "end of line";
    }
    const unsigned char c = (unsigned char)*ps->p;
    if (c >= 0x21 && c < 0x7f) {
        snprintf(buf, size, "'%c'", c);
    } else {
        snprintf(buf, size, "byte 0x%02x", c);
    }
    return buf;
}

bool vgl_tgsi_expect(struct tgsi_parser *ps, char c, const char *what) {
    if (vgl_tgsi_accept(ps, c)) {
        return true;
    }
    char buf[16];
    return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "expected '%c' %s, found %s", c, what,
                         next_char_desc(ps, buf, sizeof(buf)));
}

static bool is_ident_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool vgl_tgsi_ident(struct tgsi_parser *ps, const char **s, size_t *n, const char *what) {
    vgl_tgsi_skip_blanks(ps);
    const char *const start = ps->p;
    while (ps->p < ps->end && is_ident_char(*ps->p)) {
        ps->p++;
    }
    if (ps->p == start) {
        char buf[16];
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "expected %s, found %s", what,
                             next_char_desc(ps, buf, sizeof(buf)));
    }
    *s = start;
    *n = (size_t)(ps->p - start);
    return true;
}

bool vgl_tgsi_uint(struct tgsi_parser *ps, uint32_t *v, const char *what) {
    vgl_tgsi_skip_blanks(ps);
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
        char buf[16];
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "expected %s, found %s", what,
                             next_char_desc(ps, buf, sizeof(buf)));
    }
    uint64_t x = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        x = x * 10 + (uint64_t)(*ps->p - '0');
        if (x > UINT32_MAX) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s overflows 32 bits", what);
        }
        ps->p++;
    }
    *v = (uint32_t)x;
    return true;
}

bool vgl_tgsi_int(struct tgsi_parser *ps, int32_t *v, const char *what) {
    bool neg = false;
    if (vgl_tgsi_accept(ps, '-')) {
        neg = true;
    } else {
        vgl_tgsi_accept(ps, '+');
    }
    uint32_t u;
    if (!vgl_tgsi_uint(ps, &u, what)) {
        return false;
    }
    if ((!neg && u > (uint32_t)INT32_MAX) || (neg && u > (uint32_t)INT32_MAX + 1u)) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s out of 32-bit signed range", what);
    }
    *v = neg ? (int32_t)(0u - u) : (int32_t)u;
    return true;
}

static bool span_is(const char *s, size_t n, const char *word) {
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* ---- header ---------------------------------------------------------------------------- */

static bool parse_header(struct tgsi_parser *ps) {
    const char *s;
    size_t n;
    if (!vgl_tgsi_ident(ps, &s, &n, "a header (VERT, FRAG, ...)")) {
        return false;
    }
    for (unsigned stage = 0; stage < VGL_SHADER_STAGES; stage++) {
        const struct vgl_stage_desc *const desc = vgl_shader_stage_desc(stage);
        if (!span_is(s, n, desc->tgsi)) {
            continue;
        }
        if (!vgl_tgsi_at_eol(ps)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "junk after the header");
        }
        ps->sh->info.stage = stage;
        if (!desc->translated) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "%s shaders are not supported",
                                 desc->tgsi);
        }
        ps->seen_header = true;
        return true;
    }
    return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "expected a header (VERT, FRAG, ...), found %.*s",
                         (int)(n > 32 ? 32 : n), s);
}

/* ---- PROPERTY -------------------------------------------------------------------------- */

/* Reads one property value: a number, or a name from `names` (its index). */
static bool property_value(struct tgsi_parser *ps, const char *const *names, unsigned num,
                           uint32_t *v) {
    vgl_tgsi_skip_blanks(ps);
    if (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        return vgl_tgsi_uint(ps, v, "a property value");
    }
    const char *s;
    size_t n;
    if (!vgl_tgsi_ident(ps, &s, &n, "a property value")) {
        return false;
    }
    const int i = names ? vgl_shader_find_name(names, num, s, n) : -1;
    if (i < 0) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "unknown property value %.*s",
                             (int)(n > 32 ? 32 : n), s);
    }
    *v = (uint32_t)i;
    return true;
}

static bool parse_property(struct tgsi_parser *ps) {
    static const char *const origin_names[] = {"UPPER_LEFT", "LOWER_LEFT"};
    static const char *const center_names[] = {"HALF_INTEGER", "INTEGER"};
    static const char *const stage_names[] = {"VERT", "TESS_CTRL", "TESS_EVAL",
                                              "GEOM", "FRAG",      "COMP"};
    const char *s;
    size_t n;
    if (!vgl_tgsi_ident(ps, &s, &n, "a property name")) {
        return false;
    }
    const int prop =
            vgl_shader_find_name(vgl_shader_property_names, vgl_shader_num_property_names, s, n);
    if (prop < 0) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "unknown property %.*s",
                             (int)(n > 32 ? 32 : n), s);
    }
    const char *const name = vgl_shader_property_names[prop];
    const char *const *names = NULL;
    unsigned num_names = 0;
    if (!strcmp(name, "FS_COORD_ORIGIN")) {
        names = origin_names;
        num_names = 2;
    } else if (!strcmp(name, "FS_COORD_PIXEL_CENTER")) {
        names = center_names;
        num_names = 2;
    } else if (!strcmp(name, "GS_INPUT_PRIMITIVE") || !strcmp(name, "GS_OUTPUT_PRIMITIVE")) {
        names = vgl_shader_primitive_names;
        num_names = vgl_shader_num_primitive_names;
    } else if (!strcmp(name, "NEXT_SHADER")) {
        names = stage_names;
        num_names = 6;
    }
    uint32_t values[4] = {0};
    unsigned count = 0;
    do {
        uint32_t v;
        if (!property_value(ps, names, num_names, &v)) {
            return false;
        }
        if (count == 4) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "too many property values");
        }
        values[count++] = v;
    } while (vgl_tgsi_accept(ps, ','));
    if (!vgl_tgsi_at_eol(ps)) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "junk after PROPERTY %s", name);
    }

    struct vgl_shader_info *const info = &ps->sh->info;
    if (!strcmp(name, "FS_COORD_ORIGIN")) {
        info->fs_coord_origin_lower_left = values[0] == 1;
    } else if (!strcmp(name, "FS_COORD_PIXEL_CENTER")) {
        info->fs_coord_pixel_center_integer = values[0] == 1;
    } else if (!strcmp(name, "FS_COLOR0_WRITES_ALL_CBUFS")) {
        info->color0_writes_all_cbufs = values[0] != 0;
    } else if (!strcmp(name, "LEGACY_MATH_RULES") || !strcmp(name, "MUL_ZERO_WINS")) {
        ps->sh->legacy_math_rules = values[0] != 0;
    } else if (!strcmp(name, "GS_INPUT_PRIMITIVE")) {
        /* What a GS can take: points, lines, triangles and their adjacency forms. */
        static const uint8_t vertices[] = {1, 2, 0, 0, 3, 0, 0, 0, 0, 0, 4, 0, 6, 0};
        if (values[0] >= sizeof(vertices) || !vertices[values[0]]) {
            /* A value may be a number: never index the name table with it. */
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "GS_INPUT_PRIMITIVE %u", values[0]);
        }
        info->gs_input_prim = (uint8_t)values[0];
        info->gs_vertices_in = vertices[values[0]];
    } else if (!strcmp(name, "GS_OUTPUT_PRIMITIVE")) {
        if (values[0] != 0 && values[0] != 3 && values[0] != 5) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "GS_OUTPUT_PRIMITIVE %u", values[0]);
        }
        info->gs_output_prim = (uint8_t)values[0];
    } else if (!strcmp(name, "GS_MAX_OUTPUT_VERTICES")) {
        if (values[0] > VGL_SHADER_MAX_GS_VERTICES) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED,
                                 "GS_MAX_OUTPUT_VERTICES %u (at most %u)", values[0],
                                 VGL_SHADER_MAX_GS_VERTICES);
        }
        info->gs_max_vertices = values[0];
    } else if (!strcmp(name, "GS_INVOCATIONS")) {
        if (values[0] == 0 || values[0] > VGL_SHADER_MAX_GS_INVOCATIONS) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "GS_INVOCATIONS %u", values[0]);
        }
        info->gs_invocations = values[0];
    } else if (!strcmp(name, "VS_WINDOW_SPACE_POSITION") || !strcmp(name, "NUM_CULLDIST_ENABLED")) {
        if (values[0] != 0) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "PROPERTY %s %u is not supported", name,
                                 values[0]);
        }
    }
    /* The others (layouts, separable programs, early depth, NEXT_SHADER, ...) do not change
     * the GLSL a GL 3.3 host needs. */
    return true;
}

/* ---- IMM ------------------------------------------------------------------------------- */

static bool parse_hex32(struct tgsi_parser *ps, uint32_t *v) {
    vgl_tgsi_skip_blanks(ps);
    if (ps->end - ps->p < 3 || ps->p[0] != '0' || (ps->p[1] != 'x' && ps->p[1] != 'X')) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED,
                             "FLT32 immediates must be hex bit patterns (0x...)");
    }
    ps->p += 2;
    uint32_t x = 0;
    unsigned digits = 0;
    while (ps->p < ps->end) {
        const char c = *ps->p;
        unsigned d;
        if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = (unsigned)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            d = (unsigned)(c - 'A' + 10);
        } else {
            break;
        }
        if (++digits > 8) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "hex immediate overflows 32 bits");
        }
        x = x << 4 | d;
        ps->p++;
    }
    if (digits == 0) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "empty hex immediate");
    }
    *v = x;
    return true;
}

static bool parse_immediate(struct tgsi_parser *ps) {
    struct vgl_shader *const sh = ps->sh;
    uint32_t index;
    if (!vgl_tgsi_expect(ps, '[', "after IMM") || !vgl_tgsi_uint(ps, &index, "an IMM index") ||
        !vgl_tgsi_expect(ps, ']', "after the IMM index")) {
        return false;
    }
    if (index != sh->num_imms) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "IMM[%u] out of order (expected IMM[%u])",
                             index, sh->num_imms);
    }
    if (sh->num_imms >= VGL_SHADER_MAX_IMMEDIATES) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "more than %u immediates",
                             VGL_SHADER_MAX_IMMEDIATES);
    }
    const char *s;
    size_t n;
    if (!vgl_tgsi_ident(ps, &s, &n, "an immediate type")) {
        return false;
    }
    enum { FLT32, UINT32, INT32 } type;
    if (span_is(s, n, "FLT32")) {
        type = FLT32;
    } else if (span_is(s, n, "UINT32")) {
        type = UINT32;
    } else if (span_is(s, n, "INT32")) {
        type = INT32;
    } else if (span_is(s, n, "FLT64") || span_is(s, n, "UINT64") || span_is(s, n, "INT64")) {
        return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "64-bit immediates are not supported");
    } else {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "unknown immediate type %.*s",
                             (int)(n > 32 ? 32 : n), s);
    }
    uint32_t vals[4];
    if (!vgl_tgsi_expect(ps, '{', "before immediate values")) {
        return false;
    }
    for (unsigned i = 0; i < 4; i++) {
        if (i > 0 && !vgl_tgsi_expect(ps, ',', "between immediate values")) {
            return false;
        }
        bool ok;
        if (type == FLT32) {
            ok = parse_hex32(ps, &vals[i]);
        } else if (type == UINT32) {
            ok = vgl_tgsi_uint(ps, &vals[i], "a UINT32 value");
        } else {
            int32_t iv = 0;
            ok = vgl_tgsi_int(ps, &iv, "an INT32 value");
            vals[i] = (uint32_t)iv;
        }
        if (!ok) {
            return false;
        }
    }
    if (!vgl_tgsi_expect(ps, '}', "after 4 immediate values")) {
        return false;
    }
    if (!vgl_tgsi_at_eol(ps)) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "junk after IMM");
    }
    if (sh->num_imms == sh->cap_imms) {
        const uint32_t cap = sh->cap_imms ? sh->cap_imms * 2 : 16;
        void *const imms = realloc(sh->imms, sizeof(sh->imms[0]) * cap);
        if (!imms) {
            return vgl_tgsi_fail(ps, VGL_ERROR_NO_MEMORY, "out of memory");
        }
        sh->imms = imms;
        sh->cap_imms = cap;
    }
    memcpy(sh->imms[sh->num_imms++], vals, sizeof(vals));
    return true;
}

/* ---- DCL ------------------------------------------------------------------------------- */

/* Attributes of a DCL line, in the order tgsi_dump prints them. */
struct dcl {
    uint32_t file, first, last, dim;
    bool has_dim, per_vertex;
    uint8_t mask;
    uint32_t array_id;
    bool has_semantic;
    uint32_t semantic, semantic_index;
    enum vgl_tex_target target;
    bool has_target;
    uint32_t ret[4];
    unsigned num_ret;
    bool has_interp;
    uint32_t interp, location;
    bool invariant;
};

enum dcl_rank {
    R_ARRAY = 1,
    R_LOCAL,
    R_SEMANTIC,
    R_STREAM,
    R_TARGET,
    R_RET,
    R_INTERP,
    R_LOC,
    R_INV
};

static bool parse_mask(struct tgsi_parser *ps, uint8_t *mask) {
    static const char letters[] = "xyzw";
    uint8_t m = 0;
    unsigned next = 0;
    while (ps->p < ps->end) {
        const char *const hit = memchr(letters + next, *ps->p, 4 - next);
        if (!hit) {
            break;
        }
        next = (unsigned)(hit - letters) + 1;
        m |= (uint8_t)(1u << (next - 1));
        ps->p++;
        if (next == 4) {
            break;
        }
    }
    if (m == 0 || (ps->p < ps->end && is_ident_char(*ps->p))) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "bad write mask");
    }
    *mask = m;
    return true;
}

static bool parse_dcl_attr(struct tgsi_parser *ps, struct dcl *d, unsigned *rank) {
    const char *s;
    size_t n;
    if (!vgl_tgsi_ident(ps, &s, &n, "a declaration attribute")) {
        return false;
    }
    const int w = (int)(n > 32 ? 32 : n);
    unsigned r = 0;
    const bool io = d->file == VGL_FILE_IN || d->file == VGL_FILE_OUT || d->file == VGL_FILE_SV;
    int i;
    if (span_is(s, n, "ARRAY")) {
        r = R_ARRAY;
        if (!vgl_tgsi_expect(ps, '(', "after ARRAY") ||
            !vgl_tgsi_uint(ps, &d->array_id, "an array id") ||
            !vgl_tgsi_expect(ps, ')', "after the array id")) {
            return false;
        }
        if (d->array_id == 0 || d->array_id > VGL_IR_MAX_ARRAY_ID) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "bad array id %u", d->array_id);
        }
    } else if (span_is(s, n, "LOCAL")) {
        r = R_LOCAL;
    } else if (io && *rank < R_SEMANTIC &&
               (i = vgl_shader_find_name(vgl_shader_semantic_names, vgl_shader_num_semantic_names,
                                         s, n)) >= 0) {
        r = R_SEMANTIC;
        d->has_semantic = true;
        d->semantic = (uint32_t)i;
        if (vgl_tgsi_accept(ps, '[')) {
            if (!vgl_tgsi_uint(ps, &d->semantic_index, "a semantic index") ||
                !vgl_tgsi_expect(ps, ']', "after the semantic index")) {
                return false;
            }
        }
    } else if (io && span_is(s, n, "STREAM")) {
        r = R_STREAM;
        for (unsigned k = 0; k < 4; k++) {
            uint32_t stream;
            if (!vgl_tgsi_expect(ps, k ? ',' : '(', "in STREAM()") ||
                !vgl_tgsi_uint(ps, &stream, "a stream number")) {
                return false;
            }
            if (stream != 0) {
                return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "vertex streams not supported");
            }
        }
        if (!vgl_tgsi_expect(ps, ')', "after STREAM")) {
            return false;
        }
    } else if (d->file == VGL_FILE_SVIEW && *rank < R_TARGET &&
               (i = vgl_shader_find_name(vgl_shader_target_names, VGL_TEX_BUFFER + 1, s, n)) >= 0) {
        r = R_TARGET;
        d->has_target = true;
        d->target = (enum vgl_tex_target)i;
    } else if (d->file == VGL_FILE_SVIEW && *rank >= R_TARGET &&
               (i = vgl_shader_find_name(vgl_shader_return_names, 5, s, n)) >= 0) {
        r = R_RET;
        if (d->num_ret == 4) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "too many return types");
        }
        d->ret[d->num_ret++] = (uint32_t)i;
        *rank = R_TARGET; /* more return types may follow */
        return true;
    } else if (d->file == VGL_FILE_IN && ps->sh->info.stage == VGL_SHADER_FRAGMENT &&
               (i = vgl_shader_find_name(vgl_shader_interp_names, 4, s, n)) >= 0) {
        r = R_INTERP;
        d->has_interp = true;
        d->interp = (uint32_t)i;
    } else if ((d->file == VGL_FILE_IN || d->file == VGL_FILE_OUT) &&
               (i = vgl_shader_find_name(vgl_shader_location_names, 3, s, n)) >= 0) {
        r = R_LOC;
        d->location = (uint32_t)i;
    } else if (span_is(s, n, "INVARIANT")) {
        r = R_INV;
        d->invariant = true;
    } else {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "unexpected %.*s in a declaration of %s", w,
                             s, vgl_shader_file_names[d->file]);
    }
    if (r <= *rank) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%.*s out of order or repeated", w, s);
    }
    *rank = r;
    return true;
}

/* Which semantics each (stage, file) accepts; others are unsupported. */
static bool semantic_allowed(enum vgl_shader_stage stage, uint32_t file, uint32_t sem) {
    if (stage == VGL_SHADER_VERTEX && file == VGL_FILE_OUT) {
        return sem == VGL_SEM_POSITION || sem == VGL_SEM_COLOR || sem == VGL_SEM_BCOLOR ||
               sem == VGL_SEM_FOG || sem == VGL_SEM_PSIZE || sem == VGL_SEM_GENERIC ||
               sem == VGL_SEM_TEXCOORD || sem == VGL_SEM_CLIPDIST || sem == VGL_SEM_CLIPVERTEX ||
               sem == VGL_SEM_EDGEFLAG || sem == VGL_SEM_PATCH;
    }
    if (stage == VGL_SHADER_VERTEX && file == VGL_FILE_IN) {
        return true; /* attributes: the semantic is ignored */
    }
    if (stage == VGL_SHADER_VERTEX && file == VGL_FILE_SV) {
        return sem == VGL_SEM_VERTEXID || sem == VGL_SEM_INSTANCEID;
    }
    if (stage == VGL_SHADER_GEOMETRY) {
        /* What a vertex shader writes, per vertex; the GS adds layer, viewport and primitive. */
        const bool vertex = sem == VGL_SEM_POSITION || sem == VGL_SEM_COLOR ||
                            sem == VGL_SEM_BCOLOR || sem == VGL_SEM_FOG || sem == VGL_SEM_PSIZE ||
                            sem == VGL_SEM_GENERIC || sem == VGL_SEM_TEXCOORD ||
                            sem == VGL_SEM_CLIPDIST || sem == VGL_SEM_CLIPVERTEX ||
                            sem == VGL_SEM_PATCH;
        if (file == VGL_FILE_IN) {
            return vertex || sem == VGL_SEM_PRIMID; /* PRIM_ID: per primitive, read IN[n] */
        }
        if (file == VGL_FILE_OUT) {
            return vertex || sem == VGL_SEM_LAYER || sem == VGL_SEM_VIEWPORT_INDEX ||
                   sem == VGL_SEM_PRIMID;
        }
        return sem == VGL_SEM_PRIMID || sem == VGL_SEM_INVOCATIONID;
    }
    if (file == VGL_FILE_IN) {
        return sem == VGL_SEM_POSITION || sem == VGL_SEM_COLOR || sem == VGL_SEM_FOG ||
               sem == VGL_SEM_GENERIC || sem == VGL_SEM_TEXCOORD || sem == VGL_SEM_PCOORD ||
               sem == VGL_SEM_FACE || sem == VGL_SEM_PRIMID || sem == VGL_SEM_PATCH;
    }
    if (file == VGL_FILE_OUT) {
        /* STENCIL: ARB_shader_stencil_export, offered where the host has it. */
        return sem == VGL_SEM_COLOR || sem == VGL_SEM_POSITION || sem == VGL_SEM_STENCIL;
    }
    return sem == VGL_SEM_POSITION || sem == VGL_SEM_FACE || sem == VGL_SEM_PRIMID;
}

/* Semantics that are one register at most: no ranges, no duplicates by index. */
static bool semantic_is_varying(uint32_t sem) {
    return sem == VGL_SEM_GENERIC || sem == VGL_SEM_TEXCOORD || sem == VGL_SEM_COLOR ||
           sem == VGL_SEM_BCOLOR || sem == VGL_SEM_FOG || sem == VGL_SEM_CLIPDIST ||
           sem == VGL_SEM_PATCH;
}

static bool declare_io(struct tgsi_parser *ps, const struct dcl *d) {
    struct vgl_shader *const sh = ps->sh;
    struct vgl_shader_info *const info = &sh->info;
    const bool in = d->file == VGL_FILE_IN;
    const uint32_t limit = in ? VGL_SHADER_MAX_INPUTS : VGL_SHADER_MAX_OUTPUTS;
    const char *const fname = vgl_shader_file_names[d->file];
    if (d->last >= limit) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s[%u] out of range", fname, d->last);
    }
    const bool vs_in = in && info->stage == VGL_SHADER_VERTEX;
    if (!vs_in && !d->has_semantic) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s declaration without a semantic", fname);
    }
    const uint32_t count = d->last - d->first + 1;
    uint32_t sem = d->has_semantic ? d->semantic : VGL_SEM_GENERIC;
    uint32_t sem_index = d->has_semantic ? d->semantic_index : d->first;
    if (vs_in) {
        sem = VGL_SEM_GENERIC;
        sem_index = d->first;
    } else {
        if (sem >= VGL_SEM_COUNT_SUPPORTED || !semantic_allowed(info->stage, d->file, sem)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "%s semantic %s is not supported",
                                 fname, vgl_shader_semantic_names[sem]);
        }
        if (sem_index + (uint64_t)count - 1 > VGL_IR_MAX_SEM_INDEX) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "semantic index %u too large", sem_index);
        }
        if (!semantic_is_varying(sem) && (count != 1 || sem_index != 0)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s must be a single register, index 0",
                                 vgl_shader_semantic_names[sem]);
        }
        if ((sem == VGL_SEM_COLOR && info->stage == VGL_SHADER_FRAGMENT && !in &&
             sem_index + count > VGL_IR_MAX_COLORS) ||
            ((sem == VGL_SEM_COLOR || sem == VGL_SEM_BCOLOR) &&
             (in || info->stage == VGL_SHADER_VERTEX) && sem_index + count > 2) ||
            (sem == VGL_SEM_CLIPDIST && sem_index + count > VGL_IR_MAX_CLIPDIST)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s[%u] out of range",
                                 vgl_shader_semantic_names[sem], sem_index + count - 1);
        }
        /* The same semantic twice would give two GLSL variables one name. */
        const struct vgl_shader_io *const list = in ? info->inputs : info->outputs;
        const uint32_t num = in ? info->num_inputs : info->num_outputs;
        for (uint32_t i = 0; i < num; i++) {
            const uint32_t n2 = list[i].last - list[i].first + 1;
            if ((uint32_t)list[i].semantic == sem && sem_index < list[i].semantic_index + n2 &&
                list[i].semantic_index < sem_index + count) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "semantic %s[%u] declared twice",
                                     vgl_shader_semantic_names[sem], sem_index);
            }
        }
    }
    uint8_t *const map = in ? sh->in_decl : sh->out_decl;
    for (uint32_t r = d->first; r <= d->last; r++) {
        if (map[r] != VGL_IR_NO_DECL) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s[%u] declared twice", fname, r);
        }
    }
    uint32_t *const num = in ? &info->num_inputs : &info->num_outputs;
    if (*num >= limit) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "too many %s declarations", fname);
    }
    struct vgl_shader_io *const io = in ? &info->inputs[*num] : &info->outputs[*num];
    for (uint32_t r = d->first; r <= d->last; r++) {
        map[r] = (uint8_t)*num;
    }
    (*num)++;
    io->semantic = (enum vgl_semantic)sem;
    io->semantic_index = sem_index;
    io->first = d->first;
    io->last = d->last;
    io->usage_mask = d->mask;
    io->centroid = d->location == 1;
    io->sample = d->location == 2;
    io->invariant = d->invariant;
    io->interp = VGL_INTERP_NONE;
    if (in && info->stage == VGL_SHADER_FRAGMENT) {
        /* Without an interpolation mode, interpolate perspective-correctly. */
        io->interp = d->has_interp ? (enum vgl_interp)(d->interp + 1) : VGL_INTERP_PERSPECTIVE;
    }
    uint32_t *const nregs = in ? &sh->num_in_regs : &sh->num_out_regs;
    if (d->last + 1 > *nregs) {
        *nregs = d->last + 1;
    }
    if (in) {
        if (vs_in) {
            info->num_attribs = sh->num_in_regs;
        }
        info->reads_face |= sem == VGL_SEM_FACE;
    } else if (info->stage == VGL_SHADER_FRAGMENT) {
        info->writes_depth |= sem == VGL_SEM_POSITION;
        info->writes_stencil |= sem == VGL_SEM_STENCIL;
    } else {
        info->writes_psize |= sem == VGL_SEM_PSIZE;
        info->writes_clipvertex |= sem == VGL_SEM_CLIPVERTEX;
    }
    return true;
}

static bool declare_temps(struct tgsi_parser *ps, const struct dcl *d) {
    struct vgl_shader *const sh = ps->sh;
    if (d->last >= VGL_SHADER_MAX_TEMPS) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "TEMP[%u] out of range (max %u)", d->last,
                             VGL_SHADER_MAX_TEMPS - 1);
    }
    for (uint32_t r = d->first; r <= d->last; r++) {
        if (vgl_ir_temp_is_declared(sh, r)) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "TEMP[%u] declared twice", r);
        }
    }
    uint8_t array = 0;
    if (d->array_id) {
        if (sh->num_arrays >= VGL_IR_MAX_ARRAYS) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "more than %u TEMP arrays",
                                 VGL_IR_MAX_ARRAYS);
        }
        for (uint32_t i = 0; i < sh->num_arrays; i++) {
            if (sh->arrays[i].id == d->array_id) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "ARRAY(%u) declared twice",
                                     d->array_id);
            }
        }
        sh->arrays[sh->num_arrays] =
                (struct vgl_ir_array){.first = d->first, .last = d->last, .id = d->array_id};
        array = (uint8_t)++sh->num_arrays;
    }
    for (uint32_t r = d->first; r <= d->last; r++) {
        sh->temp_declared[r / 8] |= (uint8_t)(1u << (r % 8));
        sh->temp_array[r] = array;
    }
    if (d->last + 1 > sh->num_temps) {
        sh->num_temps = d->last + 1;
    }
    return true;
}

static bool declare(struct tgsi_parser *ps, const struct dcl *d) {
    struct vgl_shader *const sh = ps->sh;
    const char *const fname = vgl_shader_file_names[d->file];
    if (d->has_dim && d->file != VGL_FILE_CONST) {
        return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "2-D %s declarations not supported", fname);
    }
    if (d->has_semantic &&
        !(d->file == VGL_FILE_IN || d->file == VGL_FILE_OUT || d->file == VGL_FILE_SV)) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "semantic on a %s declaration", fname);
    }
    if (d->array_id && d->file != VGL_FILE_TEMP && d->file != VGL_FILE_IN &&
        d->file != VGL_FILE_OUT) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "ARRAY on a %s declaration", fname);
    }
    switch (d->file) {
    case VGL_FILE_TEMP:
        return declare_temps(ps, d);
    case VGL_FILE_IN:
    case VGL_FILE_OUT:
        return declare_io(ps, d);
    case VGL_FILE_CONST:
        if (d->has_dim && d->dim > 0) {
            if (d->dim >= VGL_IR_MAX_UBOS || d->last >= VGL_SHADER_MAX_CONSTS) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "CONST[%u][%u] out of range", d->dim,
                                     d->last);
            }
            if (d->last + 1 > sh->ubo_size[d->dim]) {
                sh->ubo_size[d->dim] = d->last + 1;
            }
            return true;
        }
        if (d->last >= VGL_SHADER_MAX_CONSTS) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "CONST[%u] out of range (max %u)",
                                 d->last, VGL_SHADER_MAX_CONSTS - 1);
        }
        for (uint32_t r = d->first; r <= d->last; r++) {
            sh->const_declared[r / 8] |= (uint8_t)(1u << (r % 8));
        }
        if (d->last + 1 > sh->const_decl_end) {
            sh->const_decl_end = d->last + 1;
        }
        return true;
    case VGL_FILE_SAMP:
    case VGL_FILE_SVIEW:
    case VGL_FILE_ADDR:
    case VGL_FILE_SV: {
        const uint32_t limit = d->file == VGL_FILE_ADDR ? VGL_IR_MAX_ADDRS
                               : d->file == VGL_FILE_SV ? VGL_IR_MAX_SVS
                                                        : VGL_SHADER_MAX_SAMPLERS;
        if (d->last >= limit) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s[%u] out of range", fname, d->last);
        }
        uint32_t *const bits = d->file == VGL_FILE_SAMP    ? &sh->samp_declared
                               : d->file == VGL_FILE_SVIEW ? &sh->sview_declared
                               : d->file == VGL_FILE_ADDR  ? &sh->addr_declared
                                                           : &sh->sv_declared;
        for (uint32_t r = d->first; r <= d->last; r++) {
            if (*bits >> r & 1) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%s[%u] declared twice", fname, r);
            }
            *bits |= 1u << r;
        }
        if (d->file == VGL_FILE_SV) {
            if (!d->has_semantic || d->first != d->last) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "SV needs one register, a semantic");
            }
            if (d->semantic >= VGL_SEM_COUNT_SUPPORTED ||
                !semantic_allowed(sh->info.stage, VGL_FILE_SV, d->semantic)) {
                return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "system value %s not supported",
                                     vgl_shader_semantic_names[d->semantic]);
            }
            sh->sv_semantic[d->first] = (enum vgl_semantic)d->semantic;
            sh->info.reads_face |= d->semantic == VGL_SEM_FACE;
        } else if (d->file == VGL_FILE_SVIEW) {
            if (!d->has_target || (d->num_ret != 1 && d->num_ret != 4)) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "SVIEW needs a target, return type");
            }
            for (unsigned k = 1; k < d->num_ret; k++) {
                if (d->ret[k] != d->ret[0]) {
                    return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "mixed SVIEW return types");
                }
            }
            for (uint32_t r = d->first; r <= d->last; r++) {
                sh->sview_target[r] = d->target;
                sh->sview_return[r] = (enum vgl_return_type)d->ret[0];
            }
        }
        return true;
    }
    case VGL_FILE_IMAGE:
    case VGL_FILE_BUFFER:
    case VGL_FILE_MEMORY:
    case VGL_FILE_CONSTBUF:
    case VGL_FILE_HWATOMIC:
        return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "%s declarations are not supported", fname);
    default:
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "cannot declare %s registers", fname);
    }
}

static bool parse_range(struct tgsi_parser *ps, uint32_t *first, uint32_t *last) {
    if (!vgl_tgsi_uint(ps, first, "a register index")) {
        return false;
    }
    *last = *first;
    vgl_tgsi_skip_blanks(ps);
    if (ps->end - ps->p >= 2 && ps->p[0] == '.' && ps->p[1] == '.') {
        ps->p += 2;
        if (!vgl_tgsi_uint(ps, last, "a register index")) {
            return false;
        }
        if (*last < *first) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "empty register range");
        }
    }
    return vgl_tgsi_expect(ps, ']', "after a register range");
}

static bool parse_declaration(struct tgsi_parser *ps) {
    struct dcl d = {.mask = 0xf};
    const char *s;
    size_t n;
    if (!vgl_tgsi_ident(ps, &s, &n, "a register file")) {
        return false;
    }
    const int file = vgl_shader_find_name(vgl_shader_file_names, VGL_FILE_COUNT, s, n);
    if (file < 0) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "unknown register file %.*s",
                             (int)(n > 32 ? 32 : n), s);
    }
    d.file = (uint32_t)file;
    if (!vgl_tgsi_expect(ps, '[', "after the register file")) {
        return false;
    }
    vgl_tgsi_skip_blanks(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        /* IN[][n]: per-vertex inputs of a geometry shader. */
        if (d.file != VGL_FILE_IN || ps->sh->info.stage != VGL_SHADER_GEOMETRY) {
            return vgl_tgsi_fail(ps, VGL_ERROR_UNSUPPORTED, "2-D %s declarations not supported",
                                 vgl_shader_file_names[d.file]);
        }
        ps->p++;
        d.per_vertex = true;
        if (!vgl_tgsi_expect(ps, '[', "after IN[]")) {
            return false;
        }
    } else if (d.file == VGL_FILE_IN && ps->sh->info.stage == VGL_SHADER_GEOMETRY) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "geometry shader inputs are IN[][n]");
    }
    if (!parse_range(ps, &d.first, &d.last)) {
        return false;
    }
    if (vgl_tgsi_accept(ps, '[')) {
        if (d.first != d.last) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "range in a dimension index");
        }
        d.has_dim = true;
        d.dim = d.first;
        if (!parse_range(ps, &d.first, &d.last)) {
            return false;
        }
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (!parse_mask(ps, &d.mask)) {
            return false;
        }
    }
    unsigned rank = 0;
    while (vgl_tgsi_accept(ps, ',')) {
        if (!parse_dcl_attr(ps, &d, &rank)) {
            return false;
        }
    }
    if (!vgl_tgsi_at_eol(ps)) {
        char buf[16];
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "unexpected %s in a declaration",
                             next_char_desc(ps, buf, sizeof(buf)));
    }
    return declare(ps, &d);
}

/* ---- lines ----------------------------------------------------------------------------- */

static bool parse_line(struct tgsi_parser *ps) {
    if (vgl_tgsi_at_eol(ps)) {
        return true; /* blank line */
    }
    if (!ps->seen_header) {
        return parse_header(ps);
    }
    if (ps->seen_end) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "text after END");
    }
    const char *s;
    size_t n;
    if (!vgl_tgsi_ident(ps, &s, &n, "a declaration or an instruction")) {
        return false;
    }
    if (s[0] >= '0' && s[0] <= '9') {
        uint64_t num = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] < '0' || s[i] > '9' ||
                (num = num * 10 + (uint64_t)(s[i] - '0')) > UINT32_MAX) {
                return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "bad instruction number");
            }
        }
        if (num != ps->sh->num_insns) {
            return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "instruction %u numbered %u",
                                 ps->sh->num_insns, (uint32_t)num);
        }
        if (!vgl_tgsi_expect(ps, ':', "after the instruction number")) {
            return false;
        }
        return vgl_tgsi_parse_instruction(ps);
    }
    const bool is_dcl = span_is(s, n, "DCL");
    const bool is_imm = span_is(s, n, "IMM");
    const bool is_prop = span_is(s, n, "PROPERTY");
    if ((is_dcl || is_imm || is_prop) && ps->sh->num_insns > 0) {
        return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED, "%.*s after the first instruction", (int)n,
                             s);
    }
    if (is_dcl) {
        return parse_declaration(ps);
    }
    if (is_imm) {
        return parse_immediate(ps);
    }
    if (is_prop) {
        return parse_property(ps);
    }
    return vgl_tgsi_fail(ps, VGL_ERROR_MALFORMED,
                         "expected DCL, IMM, PROPERTY or an instruction, "
                         "found %.*s",
                         (int)(n > 32 ? 32 : n), s);
}

enum vgl_status vgl_shader_parse(const char *text, size_t len, struct vgl_shader **out, char *why,
                                 size_t why_size) {
    if (why && why_size > 0) {
        why[0] = '\0';
    }
    if (!out) {
        return VGL_ERROR_INVALID_ARGUMENT;
    }
    *out = NULL;
    struct tgsi_parser ps = {.why = why, .why_size = why_size};
    if (!text && len > 0) {
        vgl_tgsi_fail(&ps, VGL_ERROR_INVALID_ARGUMENT, "no text");
        return ps.status;
    }
    const char *const nul = len ? memchr(text, '\0', len) : NULL;
    const size_t n = nul ? (size_t)(nul - text) : len;
    if (n > VGL_SHADER_MAX_TEXT) {
        vgl_tgsi_fail(&ps, VGL_ERROR_MALFORMED, "text of %zu bytes exceeds the limit of %u", n,
                      VGL_SHADER_MAX_TEXT);
        return ps.status;
    }
    struct vgl_shader *const sh = calloc(1, sizeof(*sh));
    if (!sh) {
        vgl_tgsi_fail(&ps, VGL_ERROR_NO_MEMORY, "out of memory");
        return ps.status;
    }
    memset(sh->in_decl, VGL_IR_NO_DECL, sizeof(sh->in_decl));
    memset(sh->out_decl, VGL_IR_NO_DECL, sizeof(sh->out_decl));
    ps.sh = sh;

    const char *p = text;
    const char *const end = text + n;
    bool ok = true;
    while (ok && p < end) {
        const char *const nl = memchr(p, '\n', (size_t)(end - p));
        const char *const line_end = nl ? nl : end;
        ps.line++;
        ps.p = p;
        ps.end = line_end;
        if (line_end - p > VGL_IR_MAX_LINE) {
            ok = vgl_tgsi_fail(&ps, VGL_ERROR_MALFORMED, "line longer than %u bytes",
                               VGL_IR_MAX_LINE);
            break;
        }
        ok = parse_line(&ps);
        p = nl ? nl + 1 : end;
    }
    if (ok) {
        ps.p = ps.end = end;
        if (!ps.seen_header) {
            ok = vgl_tgsi_fail(&ps, VGL_ERROR_MALFORMED, "missing header (empty text)");
        } else {
            ok = vgl_tgsi_finish(&ps);
        }
    }
    if (!ok) {
        vgl_shader_destroy(sh);
        return ps.status != VGL_OK ? ps.status : VGL_ERROR_MALFORMED;
    }
    *out = sh;
    return VGL_OK;
}

void vgl_shader_destroy(struct vgl_shader *sh) {
    if (!sh) {
        return;
    }
    free(sh->insns);
    free(sh->imms);
    free(sh->so);
    free(sh);
}

static enum vgl_status so_refuse(char *why, size_t why_size, const char *msg, uint32_t i) {
    if (why && why_size) {
        snprintf(why, why_size, "stream output %u: %s", i, msg);
    }
    return VGL_ERROR_INVALID_ARGUMENT;
}

enum vgl_status vgl_shader_set_stream_output(struct vgl_shader *sh,
                                             const struct vgl_stream_output *so, char *why,
                                             size_t why_size) {
    if (!sh || !so || sh->so ||
        (sh->info.stage != VGL_SHADER_VERTEX && sh->info.stage != VGL_SHADER_GEOMETRY)) {
        return so_refuse(why, why_size, "not a vertex shader without stream output", 0);
    }
    if (so->num_outputs == 0) {
        return VGL_OK;
    }
    if (so->num_outputs > VGL_SHADER_MAX_SO_OUTPUTS) {
        return so_refuse(why, why_size, "too many outputs", so->num_outputs);
    }
    uint64_t used[4][VGL_SHADER_MAX_SO_STRIDE / 64] = {{0}};
    for (uint32_t i = 0; i < so->num_outputs; i++) {
        const struct vgl_so_output *o = &so->outputs[i];
        if (o->reg >= sh->num_out_regs || sh->out_decl[o->reg] == VGL_IR_NO_DECL) {
            return so_refuse(why, why_size, "undeclared OUT register", i);
        }
        if (o->num == 0 || o->start + o->num > 4 || o->buffer >= 4) {
            return so_refuse(why, why_size, "bad components or buffer", i);
        }
        const uint32_t stride = so->stride[o->buffer];
        if (stride > VGL_SHADER_MAX_SO_STRIDE || o->offset + o->num > stride) {
            return so_refuse(why, why_size, "outside its buffer's stride", i);
        }
        for (uint32_t d = o->offset; d < o->offset + o->num; d++) {
            if (used[o->buffer][d / 64] >> (d % 64) & 1) {
                return so_refuse(why, why_size, "overlaps another output", i);
            }
            used[o->buffer][d / 64] |= 1ull << (d % 64);
        }
    }
    sh->so = malloc(sizeof(*sh->so));
    if (!sh->so) {
        return VGL_ERROR_NO_MEMORY;
    }
    *sh->so = *so;
    return VGL_OK;
}

const struct vgl_stream_output *vgl_shader_get_stream_output(const struct vgl_shader *sh) {
    return sh ? sh->so : NULL;
}

const struct vgl_shader_info *vgl_shader_get_info(const struct vgl_shader *sh) {
    return sh ? &sh->info : NULL;
}
