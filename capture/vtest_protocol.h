/* SPDX-License-Identifier: MIT */
/*
 * vtest wire constants, written from docs protocol-facts §1 (Mesa 22.3.6, protocol version 2).
 * Constants only: no parsing or I/O lives here.
 */
#ifndef VGL_VTEST_PROTOCOL_H
#define VGL_VTEST_PROTOCOL_H

/* "Listen on the UNIX stream socket /tmp/.virgl_test. The path is hard-coded in Mesa 22.3.6." */
#define VGL_VTEST_DEFAULT_SOCKET "/tmp/.virgl_test"

/* "Every message has an 8-byte header: [len, id]." len normally counts the payload dwords. */
#define VGL_VTEST_HDR_DWORDS 2
#define VGL_VTEST_HDR_BYTES  8
#define VGL_VTEST_HDR_LEN    0
#define VGL_VTEST_HDR_ID     1

/* Command ids (§1.3). 15-24 are version 3 only and never sent by Mesa's virgl driver. */
#define VGL_VTEST_CMD_GET_CAPS              1
#define VGL_VTEST_CMD_RESOURCE_CREATE       2 /* v0 */
#define VGL_VTEST_CMD_RESOURCE_UNREF        3
#define VGL_VTEST_CMD_TRANSFER_GET          4 /* v0 */
#define VGL_VTEST_CMD_TRANSFER_PUT          5 /* v0 */
#define VGL_VTEST_CMD_SUBMIT_CMD            6
#define VGL_VTEST_CMD_RESOURCE_BUSY_WAIT    7
#define VGL_VTEST_CMD_CREATE_RENDERER       8 /* len is a BYTE count: name + NUL, unpadded */
#define VGL_VTEST_CMD_GET_CAPS2             9
#define VGL_VTEST_CMD_PING_PROTOCOL_VERSION 10
#define VGL_VTEST_CMD_PROTOCOL_VERSION      11
#define VGL_VTEST_CMD_RESOURCE_CREATE2      12 /* v >= 2 */
#define VGL_VTEST_CMD_TRANSFER_GET2         13 /* v >= 2 */
#define VGL_VTEST_CMD_TRANSFER_PUT2         14 /* v >= 2; header len is inflated */
#define VGL_VTEST_CMD_GET_PARAM             15 /* v3 */
#define VGL_VTEST_CMD_GET_CAPSET            16 /* v3 */
#define VGL_VTEST_CMD_CONTEXT_INIT          17 /* v3 */
#define VGL_VTEST_CMD_RESOURCE_CREATE_BLOB  18 /* v3 */
#define VGL_VTEST_CMD_SYNC_CREATE           19 /* v3 */
#define VGL_VTEST_CMD_SYNC_UNREF            20 /* v3 */
#define VGL_VTEST_CMD_SYNC_READ             21 /* v3 */
#define VGL_VTEST_CMD_SYNC_WRITE            22 /* v3 */
#define VGL_VTEST_CMD_SYNC_WAIT             23 /* v3 */
#define VGL_VTEST_CMD_SUBMIT_CMD2           24 /* v3 */

/* Request body sizes in dwords. */
#define VGL_VTEST_RESOURCE_CREATE_DWORDS  10 /* handle target format bind w h d array last nr */
#define VGL_VTEST_RESOURCE_CREATE2_DWORDS 11 /* the same, then data_size */
#define VGL_VTEST_RESOURCE_UNREF_DWORDS   1  /* handle */
#define VGL_VTEST_TRANSFER2_DWORDS        10 /* handle level x y z w h d data_size offset */
#define VGL_VTEST_BUSY_WAIT_DWORDS        2  /* handle flags */
#define VGL_VTEST_PROTOCOL_VERSION_DWORDS 1  /* client's maximum version */

/* Field positions inside the bodies above. */
#define VGL_VTEST_RES_HANDLE     0
#define VGL_VTEST_RES_TARGET     1
#define VGL_VTEST_RES_FORMAT     2
#define VGL_VTEST_RES_BIND       3
#define VGL_VTEST_RES_WIDTH      4
#define VGL_VTEST_RES_HEIGHT     5
#define VGL_VTEST_RES_DEPTH      6
#define VGL_VTEST_RES_ARRAY_SIZE 7
#define VGL_VTEST_RES_LAST_LEVEL 8
#define VGL_VTEST_RES_NR_SAMPLES 9
#define VGL_VTEST_RES_DATA_SIZE  10 /* CREATE2 only */

#define VGL_VTEST_XFER_HANDLE    0
#define VGL_VTEST_XFER_LEVEL     1
#define VGL_VTEST_XFER_X         2
#define VGL_VTEST_XFER_Y         3
#define VGL_VTEST_XFER_Z         4
#define VGL_VTEST_XFER_W         5
#define VGL_VTEST_XFER_H         6
#define VGL_VTEST_XFER_D         7
#define VGL_VTEST_XFER_DATA_SIZE 8
#define VGL_VTEST_XFER_OFFSET    9

#define VGL_VTEST_BUSY_WAIT_HANDLE 0
#define VGL_VTEST_BUSY_WAIT_FLAGS  1
/* "bit0 = VCMD_BUSY_WAIT_FLAG_WAIT": block until idle, then answer 0. */
#define VGL_VTEST_BUSY_WAIT_FLAG_WAIT 1u

/* "A submitted buffer is at most 65 536 + 1 024 = 66 560 dwords." */
#define VGL_VTEST_MAX_SUBMIT_DWORDS 66560u

/* Mesa truncates the name to 63 characters; anything up to this is accepted. */
#define VGL_VTEST_MAX_NAME_BYTES 1024u

/*
 * "Negotiate protocol version 2 (Mesa proposes 2 and never 3)... A server must not answer more
 * than 2." Version 1 is deprecated and treated as 0 by the client.
 */
#define VGL_VTEST_PROTOCOL_VERSION 2u

/* Capset numbers used as the id of the GET_CAPS / GET_CAPS2 replies. */
#define VGL_VTEST_CAPS_REPLY_V1 1u
#define VGL_VTEST_CAPS_REPLY_V2 2u

#endif
