/* SPDX-License-Identifier: MIT */
/*
 * State shared by the two halves of the TGSI text parser (tgsi_parse.c: lines, lexing,
 * declarations; tgsi_parse_insn.c: instructions and operands). Internal to the shader module.
 */
#ifndef VGL_SHADER_TGSI_PARSER_H
#define VGL_SHADER_TGSI_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shader/shader_ir.h"

enum cf_kind {
    CF_IF,
    CF_IF_ELSE, /* an IF whose ELSE has been seen */
    CF_LOOP,
};

struct tgsi_parser {
    struct vgl_shader *sh;
    const char *p, *end; /* the current line, without its '\n' */
    uint32_t line;       /* 1-based line number of the current line */
    enum vgl_status status;
    char *why;
    size_t why_size;
    bool seen_header, seen_end;
    uint8_t cf[VGL_SHADER_MAX_NESTING];
    uint32_t cf_depth, loop_depth;
};

/* Records the first error ("line N: ...") and returns false. */
bool vgl_tgsi_fail(struct tgsi_parser *ps, enum vgl_status status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Lexing on the current line. Each helper skips leading blanks first. */
void vgl_tgsi_skip_blanks(struct tgsi_parser *ps);
bool vgl_tgsi_at_eol(struct tgsi_parser *ps);
bool vgl_tgsi_accept(struct tgsi_parser *ps, char c);
bool vgl_tgsi_expect(struct tgsi_parser *ps, char c, const char *what);
/* Reads [A-Za-z0-9_]+ ; fails (with a message naming `what`) when there is none. */
bool vgl_tgsi_ident(struct tgsi_parser *ps, const char **s, size_t *n, const char *what);
/* Reads a decimal number that fits in uint32_t. */
bool vgl_tgsi_uint(struct tgsi_parser *ps, uint32_t *v, const char *what);
/* Reads an optionally signed decimal number that fits in int32_t. */
bool vgl_tgsi_int(struct tgsi_parser *ps, int32_t *v, const char *what);

/* Parses the rest of an instruction line after "<n>:". */
bool vgl_tgsi_parse_instruction(struct tgsi_parser *ps);
/* Checks run once the whole text is read (END seen, nesting closed, derived info). */
bool vgl_tgsi_finish(struct tgsi_parser *ps);

#endif
