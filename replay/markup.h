/* SPDX-License-Identifier: MIT */
/* Text from outside (trace names, logs, manifest values) written into HTML or XML. */
#ifndef VGL_REPLAY_MARKUP_H
#define VGL_REPLAY_MARKUP_H

#include <stdio.h>

/*
 * Write s escaped for HTML and XML text and attribute values: & < > " ' as entities, control
 * characters other than tab and newline and any byte that is not valid UTF-8 as U+FFFD, so the
 * output always parses.
 */
void markup_escape(FILE *f, const char *s);

#endif
