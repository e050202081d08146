/* SPDX-License-Identifier: MIT */
/* Names of status codes and the library version. */
#include <vgl/common.h>

const char *vgl_status_str(enum vgl_status status) {
    switch (status) {
    case VGL_OK:
        return "VGL_OK";
    case VGL_ERROR_GENERIC:
        return "VGL_ERROR_GENERIC";
    case VGL_ERROR_NO_MEMORY:
        return "VGL_ERROR_NO_MEMORY";
    case VGL_ERROR_INVALID_ARGUMENT:
        return "VGL_ERROR_INVALID_ARGUMENT";
    case VGL_ERROR_NOT_FOUND:
        return "VGL_ERROR_NOT_FOUND";
    case VGL_ERROR_EXISTS:
        return "VGL_ERROR_EXISTS";
    case VGL_ERROR_UNSUPPORTED:
        return "VGL_ERROR_UNSUPPORTED";
    case VGL_ERROR_MALFORMED:
        return "VGL_ERROR_MALFORMED";
    case VGL_ERROR_CONTEXT_BROKEN:
        return "VGL_ERROR_CONTEXT_BROKEN";
    case VGL_ERROR_NO_DEVICE:
        return "VGL_ERROR_NO_DEVICE";
    case VGL_ERROR_HOST_GL:
        return "VGL_ERROR_HOST_GL";
    case VGL_ERROR_IO:
        return "VGL_ERROR_IO";
    case VGL_ERROR_CORRUPT:
        return "VGL_ERROR_CORRUPT";
    case VGL_ERROR_TRUNCATED:
        return "VGL_ERROR_TRUNCATED";
    case VGL_ERROR_OVERFLOW:
        return "VGL_ERROR_OVERFLOW";
    }
    return "VGL_ERROR_UNKNOWN";
}

const char *vgl_version(void) {
    return VGL_VERSION_STRING;
}
