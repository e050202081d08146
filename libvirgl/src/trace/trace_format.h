/* SPDX-License-Identifier: MIT */
/*
 * On-disk layout of .vgz trace files, shared by the writer, the reader and the tests:
 * magic numbers, field offsets of the file header, the chunk header and the record header.
 */
#ifndef VGL_TRACE_FORMAT_H
#define VGL_TRACE_FORMAT_H

#include <vgl/trace.h>

/* File header: magic, version, header size, flags, CRC-32 of bytes 0..19. */
#define VGL_TRACE_MAGIC      "\211VGZ\r\n\032\n" /* 89 56 47 5A 0D 0A 1A 0A */
#define VGL_TRACE_MAGIC_SIZE 8u
#define VGL_TRACE_VERSION    2u /* what the writer writes */
#define VGL_TRACE_VERSION_V1 1u /* still read: records without a time */

#define VGL_TRACE_HDR_MAGIC       0u
#define VGL_TRACE_HDR_VERSION     8u
#define VGL_TRACE_HDR_HEADER_SIZE 12u
#define VGL_TRACE_HDR_FLAGS       16u
#define VGL_TRACE_HDR_CRC         20u
#define VGL_TRACE_HEADER_SIZE     24u

/* Chunk header: magic, type, sizes, record count, payload CRC, CRC-32 of bytes 0..23. */
#define VGL_TRACE_CHUNK_MAGIC 0x435A4756u /* "VGZC" on disk */

#define VGL_TRACE_CHUNK_RECORDS 1u /* the only chunk type of version 1 */

#define VGL_TRACE_CHK_MAGIC         0u
#define VGL_TRACE_CHK_TYPE          4u
#define VGL_TRACE_CHK_CSIZE         8u
#define VGL_TRACE_CHK_USIZE         12u
#define VGL_TRACE_CHK_COUNT         16u
#define VGL_TRACE_CHK_PAYLOAD_CRC   20u
#define VGL_TRACE_CHK_HEADER_CRC    24u
#define VGL_TRACE_CHUNK_HEADER_SIZE 28u

/* Record header inside a decompressed records chunk: u32 type, u32 size, and from version 2
 * u64 time (nanoseconds of CLOCK_MONOTONIC since the writer was created). */
#define VGL_TRACE_RECORD_HEADER_SIZE_V1 8u
#define VGL_TRACE_RECORD_HEADER_SIZE    16u
#define VGL_TRACE_REC_TYPE              0u
#define VGL_TRACE_REC_SIZE              4u
#define VGL_TRACE_REC_TIME              8u

#endif
