/* SPDX-License-Identifier: MIT */
/* Names of the trace record types, for dumps and error messages. */
#include <vgl/trace.h>

VGL_API const char *vgl_trace_record_name(uint32_t type) {
    switch ((enum vgl_trace_record_type)type) {
    case VGL_REC_INFO:
        return "INFO";
    case VGL_REC_CAPS:
        return "CAPS";
    case VGL_REC_CONTEXT_CREATE:
        return "CONTEXT_CREATE";
    case VGL_REC_CONTEXT_DESTROY:
        return "CONTEXT_DESTROY";
    case VGL_REC_RESOURCE_CREATE:
        return "RESOURCE_CREATE";
    case VGL_REC_RESOURCE_UNREF:
        return "RESOURCE_UNREF";
    case VGL_REC_ATTACH_BACKING:
        return "ATTACH_BACKING";
    case VGL_REC_DETACH_BACKING:
        return "DETACH_BACKING";
    case VGL_REC_GUEST_DATA:
        return "GUEST_DATA";
    case VGL_REC_TRANSFER_WRITE:
        return "TRANSFER_WRITE";
    case VGL_REC_TRANSFER_READ:
        return "TRANSFER_READ";
    case VGL_REC_SUBMIT:
        return "SUBMIT";
    case VGL_REC_FRAME:
        return "FRAME";
    case VGL_REC_FENCE:
        return "FENCE";
    case VGL_REC_WAIT_IDLE:
        return "WAIT_IDLE";
    case VGL_REC_END:
        return "END";
    case VGL_REC_FRAME_MARK:
        return "FRAME_MARK";
    case VGL_REC_CTX_ATTACH:
        return "CTX_ATTACH";
    }
    return "UNKNOWN";
}

const char *vgl_frame_source_name(uint32_t source) {
    switch (source) {
    case VGL_FRAME_SOURCE_SCANOUT:
        return "scanout";
    case VGL_FRAME_SOURCE_FLUSH:
        return "flush";
    case VGL_FRAME_SOURCE_CLEAR:
        return "clear";
    default:
        return "unknown";
    }
}
