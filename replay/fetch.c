/* SPDX-License-Identifier: MIT */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FETCH_TRIES     4
#define FETCH_MAX_BYTES (8ull << 30) /* larger than any trace we have seen by far */
#define FETCH_RETRY_MS  1000         /* doubled after each failed try */
#define FETCH_CONNECT_S 30L
#define FETCH_STALL_S   60L   /* give up on a transfer slower than 1 KiB/s for this long */
#define FETCH_TOTAL_S   3600L /* and on one try that takes longer than an hour */

char *fetch_cache_dir(const char *dir) {
    if (dir && dir[0]) {
        return strdup(dir);
    }
    const char *env = getenv("VGL_TRACE_CACHE");
    if (env && env[0]) {
        return strdup(env);
    }
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char buf[4096];
    int n;
    if (xdg && xdg[0] == '/') {
        n = snprintf(buf, sizeof(buf), "%s/virgl-replay", xdg);
    } else if (home && home[0] == '/') {
        n = snprintf(buf, sizeof(buf), "%s/.cache/virgl-replay", home);
    } else {
        return NULL;
    }
    return n > 0 && (size_t)n < sizeof(buf) ? strdup(buf) : NULL;
}

static void hex(const unsigned char *md, char out[65]) {
    for (int i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
}

static bool digest_final(EVP_MD_CTX *ctx, char out[65]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32) {
        return false;
    }
    hex(md, out);
    return true;
}

bool sha256_file(const char *path, char out[65], char *why, size_t why_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        return false;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    unsigned char buf[1 << 16];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    }
    ok = ok && !ferror(f) && digest_final(ctx, out);
    if (!ok) {
        snprintf(why, why_size, "%s: cannot hash it", path);
    }
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return ok;
}

struct download {
    FILE *out;
    EVP_MD_CTX *ctx;
    uint64_t bytes;
    bool write_failed, too_big;
};

static size_t on_data(char *data, size_t size, size_t count, void *user) {
    struct download *d = user;
    const size_t n = size * count;
    /* Counted here too: libcurl's own limit needs a Content-Length before 8.4. */
    if (n > FETCH_MAX_BYTES - d->bytes) {
        d->too_big = true;
        return 0;
    }
    d->bytes += n;
    if (fwrite(data, 1, n, d->out) != n || EVP_DigestUpdate(d->ctx, data, n) != 1) {
        d->write_failed = true;
        return 0;
    }
    return n;
}

/* A failure that another try may cure: the network, a timeout, a server error or 429. */
static bool transient(CURLcode rc, long http) {
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    case CURLE_HTTP_RETURNED_ERROR:
        return http >= 500 || http == 429 || http == 408;
    default:
        return false;
    }
}

/* One try into `out` (truncated first); the hash of what arrived in got. */
static CURLcode try_once(CURL *curl, const char *url, FILE *out, char got[65], long *http,
                         char *err) {
    struct download d = {.out = out, .ctx = EVP_MD_CTX_new()};
    if (!d.ctx || EVP_DigestInit_ex(d.ctx, EVP_sha256(), NULL) != 1 ||
        fseek(out, 0, SEEK_SET) != 0 || ftruncate(fileno(out), 0) != 0) {
        EVP_MD_CTX_free(d.ctx);
        snprintf(err, CURL_ERROR_SIZE, "cannot write the cache");
        return CURLE_WRITE_ERROR;
    }
    curl_easy_reset(curl);
    err[0] = '\0';
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, FETCH_CONNECT_S);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, FETCH_STALL_S);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_MAX_BYTES);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, FETCH_TOTAL_S);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "virgl-replay");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &d);
    CURLcode rc = curl_easy_perform(curl);
    *http = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, http);
    if (rc == CURLE_OK && (fflush(out) != 0 || !digest_final(d.ctx, got))) {
        d.write_failed = true;
    }
    if (d.too_big) {
        snprintf(err, CURL_ERROR_SIZE, "larger than %llu bytes",
                 (unsigned long long)FETCH_MAX_BYTES);
        rc = CURLE_FILESIZE_EXCEEDED;
    } else if (d.write_failed) {
        snprintf(err, CURL_ERROR_SIZE, "cannot write the cache");
        rc = CURLE_WRITE_ERROR;
    }
    EVP_MD_CTX_free(d.ctx);
    return rc;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static long retry_ms(void) {
    const char *env = getenv("VGL_FETCH_RETRY_MS"); /* the tests shorten the waits */
    const long v = env ? atol(env) : -1;
    return v >= 0 && v <= 60000 ? v : FETCH_RETRY_MS;
}

static bool make_dirs(const char *dir, char *why, size_t why_size) {
    char buf[4096];
    if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
        snprintf(why, why_size, "cache directory name too long");
        return false;
    }
    for (char *c = buf + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            const char saved = *c;
            *c = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                snprintf(why, why_size, "cannot create the cache %s: %s", buf, strerror(errno));
                return false;
            }
            *c = saved;
            if (!saved) {
                return true;
            }
        }
    }
}

static enum fetch_result download(const char *url, const char *sha256, const char *final,
                                  const char *dir, char *why, size_t why_size) {
    char part[4200];
    snprintf(part, sizeof(part), "%s/.part-%.16s-XXXXXX", dir, sha256);
    const int fd = mkstemp(part);
    FILE *out = fd >= 0 ? fdopen(fd, "w+b") : NULL;
    if (!out) {
        snprintf(why, why_size, "cannot write in the cache %s: %s", dir, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(part);
        }
        return FETCH_LOCAL_ERROR;
    }
    CURL *curl = curl_easy_init();
    enum fetch_result result = FETCH_UNREACHABLE;
    char err[CURL_ERROR_SIZE] = "";
    long wait = retry_ms();
    for (int attempt = 1; curl && attempt <= FETCH_TRIES; attempt++) {
        char got[65];
        long http = 0;
        const CURLcode rc = try_once(curl, url, out, got, &http, err);
        if (rc == CURLE_OK) {
            if (strcmp(got, sha256) != 0) {
                snprintf(why, why_size, "%s: sha256 %s, the manifest says %s: refused", url, got,
                         sha256);
                result = FETCH_WRONG_HASH;
                break;
            }
            /* The whole file, checked: only now does it get its name. */
            const bool synced = fsync(fileno(out)) == 0;
            if (!synced || rename(part, final) != 0) {
                snprintf(why, why_size, "cannot store %s: %s", final, strerror(errno));
                result = FETCH_LOCAL_ERROR;
                break;
            }
            result = FETCH_OK;
            break;
        }
        snprintf(why, why_size, "%s: %s%s (try %d of %d)", url,
                 err[0] ? err : curl_easy_strerror(rc),
                 rc == CURLE_HTTP_RETURNED_ERROR && !err[0] ? " (HTTP error)" : "", attempt,
                 FETCH_TRIES);
        if (rc == CURLE_WRITE_ERROR) {
            result = FETCH_LOCAL_ERROR;
            break;
        }
        if (!transient(rc, http) || attempt == FETCH_TRIES) {
            break;
        }
        sleep_ms(wait);
        wait *= 2;
    }
    if (!curl) {
        snprintf(why, why_size, "cannot start libcurl");
    }
    curl_easy_cleanup(curl);
    fclose(out);
    if (result != FETCH_OK) {
        unlink(part);
    }
    return result;
}

enum fetch_result fetch_trace(const char *url, const char *sha256, const char *cache_dir,
                              char **path, char *why, size_t why_size) {
    *path = NULL;
    if (!make_dirs(cache_dir, why, why_size)) {
        return FETCH_LOCAL_ERROR;
    }
    char final[4200];
    if (snprintf(final, sizeof(final), "%s/%s.vgz", cache_dir, sha256) >= (int)sizeof(final)) {
        snprintf(why, why_size, "cache directory name too long");
        return FETCH_LOCAL_ERROR;
    }
    struct stat st;
    if (stat(final, &st) == 0) {
        char got[65], hash_why[256];
        if (sha256_file(final, got, hash_why, sizeof(hash_why)) && strcmp(got, sha256) == 0) {
            return (*path = strdup(final)) ? FETCH_OK : FETCH_LOCAL_ERROR;
        }
        /* A damaged cache entry: fetch it again. Not unlinked: the verified copy renamed over
         * it replaces it atomically, and another job may have put that copy there already. */
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        snprintf(why, why_size, "cannot start libcurl");
        return FETCH_LOCAL_ERROR;
    }
    const enum fetch_result r = download(url, sha256, final, cache_dir, why, why_size);
    curl_global_cleanup();
    if (r == FETCH_OK && !(*path = strdup(final))) {
        return FETCH_LOCAL_ERROR;
    }
    return r;
}
