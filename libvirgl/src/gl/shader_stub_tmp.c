/* SPDX-License-Identifier: MIT */
/* TEMPORARY: weak stand-ins until libvirgl/src/shader lands; removed with it. */
#include "shader/shader.h"

__attribute__((weak)) enum vgl_status vgl_shader_parse(const char *text, size_t len,
                                                       struct vgl_shader **out, char *why,
                                                       size_t why_size) {
    *out = NULL;
    return VGL_ERROR_UNSUPPORTED;
}
__attribute__((weak)) void vgl_shader_destroy(struct vgl_shader *sh) {
}
__attribute__((weak)) const struct vgl_shader_info *
vgl_shader_get_info(const struct vgl_shader *sh) {
    return NULL;
}
__attribute__((weak)) enum vgl_status vgl_shader_emit_program(const struct vgl_shader *vs,
                                                              const struct vgl_shader *fs,
                                                              const struct vgl_shader_key *key,
                                                              struct vgl_glsl_program *out,
                                                              char *why, size_t why_size) {
    return VGL_ERROR_UNSUPPORTED;
}
__attribute__((weak)) void vgl_glsl_program_finish(struct vgl_glsl_program *prog) {
}
