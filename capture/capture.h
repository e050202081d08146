/* SPDX-License-Identifier: MIT */
/*
 * The capture layer: the renderer API with a struct vgl_capture * first. Each call is forwarded
 * to the renderer and, when recording, appended to a trace. Never decodes command streams.
 */
#ifndef VGL_CAPTURE_H
#define VGL_CAPTURE_H

#include <vgl/common.h>
#include <vgl/renderer.h>

struct vgl_capture;

/*
 * Wrap renderer `r` (borrowed: it must outlive the capture). trace_path NULL means pass-through:
 * calls are forwarded and nothing is recorded. Otherwise the trace file is created, an INFO
 * record is written and the renderer's hooks are taken over (guest memory the renderer reads
 * becomes GUEST_DATA records, read-backs of render targets become FRAME records). Returns the
 * writer's status when the trace cannot be created.
 */
enum vgl_status vgl_capture_create(struct vgl_renderer *r, const char *trace_path,
                                   struct vgl_capture **out);

/*
 * Write the END record, close the trace (flushing it) and give the hooks back. Call it before
 * destroying the renderer. NULL is a no-op.
 */
void vgl_capture_destroy(struct vgl_capture *c);

/* Write everything recorded so far to the file (ends the current chunk); returns once it is
 * there. seal ends the chunk and leaves the writing to the writer's thread. */
enum vgl_status vgl_capture_flush(struct vgl_capture *c);
enum vgl_status vgl_capture_seal(struct vgl_capture *c);

/*
 * The first trace writer error, or VGL_OK. After an error nothing more is recorded (it is
 * logged once) but every call is still forwarded, so the guest keeps being served.
 */
enum vgl_status vgl_capture_get_status(const struct vgl_capture *c);

/* True while calls are being written to a trace. */
bool vgl_capture_is_recording(const struct vgl_capture *c);

/* The wrapped renderer. */
struct vgl_renderer *vgl_capture_get_renderer(const struct vgl_capture *c);

/* Forwarders: same arguments and results as the vgl_renderer_* functions of the same name. */
enum vgl_status vgl_capture_get_cap_set(struct vgl_capture *c, uint32_t set, uint32_t *max_version,
                                        uint32_t *size);
/* Records a CAPS record with the bytes written, which are what the guest will be given. */
enum vgl_status vgl_capture_fill_caps(struct vgl_capture *c, uint32_t set, void *dst,
                                      size_t dst_capacity);
enum vgl_status vgl_capture_context_create(struct vgl_capture *c, uint32_t ctx_id,
                                           const char *name);
void vgl_capture_context_destroy(struct vgl_capture *c, uint32_t ctx_id);
bool vgl_capture_context_get_error(struct vgl_capture *c, uint32_t ctx_id,
                                   struct vgl_context_error *out);
enum vgl_status vgl_capture_resource_create(struct vgl_capture *c, uint32_t ctx_id,
                                            const struct vgl_resource_args *args);
enum vgl_status vgl_capture_resource_unref(struct vgl_capture *c, uint32_t ctx_id, uint32_t handle);
enum vgl_status vgl_capture_resource_attach_backing(struct vgl_capture *c, uint32_t ctx_id,
                                                    uint32_t handle, const struct iovec *iov,
                                                    unsigned int iov_count);
enum vgl_status vgl_capture_resource_detach_backing(struct vgl_capture *c, uint32_t ctx_id,
                                                    uint32_t handle);
enum vgl_status vgl_capture_transfer_write(struct vgl_capture *c, uint32_t ctx_id,
                                           const struct vgl_transfer *t);
/*
 * A read-back that succeeds on a resource bound as a render target also records a FRAME (the
 * crc32 of every byte written to the backing) and ends the trace chunk.
 */
enum vgl_status vgl_capture_transfer_read(struct vgl_capture *c, uint32_t ctx_id,
                                          const struct vgl_transfer *t);
enum vgl_status vgl_capture_submit(struct vgl_capture *c, uint32_t ctx_id, const uint32_t *cmds,
                                   size_t ndw);
enum vgl_status vgl_capture_create_fence(struct vgl_capture *c, uint32_t ctx_id, uint64_t fence_id);
enum vgl_status vgl_capture_wait_idle(struct vgl_capture *c, uint32_t ctx_id);
void vgl_capture_poll(struct vgl_capture *c);

#endif
