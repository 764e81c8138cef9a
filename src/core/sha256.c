/* src/core/sha256.c — SHA-256 (FIPS 180-4): the portable block function, the
 * x86 SHA-extensions one (chosen at run time), streaming and the per-file
 * memo of emb_sha256_file (core/sha256.h). */
#define _GNU_SOURCE /* O_CLOEXEC, struct stat's st_mtim under -std=c17 */
#include "core/sha256.h"

#include "core/error_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define EMB_SHA_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* h = the compression of nblocks 64-byte blocks (FIPS 180-4 section 6.2.2). */
static void blocks_portable(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
    for (; nblocks--; p += 64) {
        uint32_t w[64];
        for (int t = 0; t < 16; t++)
            w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
                   (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = ROTR(w[t - 15], 7) ^ ROTR(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = ROTR(w[t - 2], 17) ^ ROTR(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++) {
            uint32_t t1 = hh + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) +
                          K[t] + w[t];
            uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
    }
}

#ifdef EMB_SHA_X86
/* The same compression with SHA256RNDS2/MSG1/MSG2 (Intel's published
 * scheme): the state is kept as ABEF and CDGH, each 4-round group adds
 * K[4g..4g+3] to its message words, and the message schedule for group g+4
 * is completed three groups ahead (msg1 one group after the words are
 * known, msg2 when the last ones needed are). */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_shani(uint32_t h[8],
                                                                     const unsigned char *p,
                                                                     size_t nblocks)
{
    const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)(const void *)&h[0]);
    __m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)&h[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);        /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);          /* EFGH */
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);  /* ABEF */
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);       /* CDGH */
    for (; nblocks--; p += 64) {
        __m128i abef = s0, cdgh = s1, w[4], msg;
        for (int g = 0; g < 16; g++) {
            if (g < 4)
                w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)),
                                        MASK);
            msg = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * g]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            if (g >= 3 && g < 15) {
                __m128i t = _mm_alignr_epi8(w[g & 3], w[(g - 1) & 3], 4);
                w[(g + 1) & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(w[(g + 1) & 3], t), w[g & 3]);
            }
            msg = _mm_shuffle_epi32(msg, 0x0E);
            s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
            if (g >= 1 && g <= 12)
                w[(g - 1) & 3] = _mm_sha256msg1_epu32(w[(g - 1) & 3], w[g & 3]);
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);        /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);         /* DCHG */
    s0 = _mm_blend_epi16(tmp, s1, 0xF0);      /* DCBA */
    s1 = _mm_alignr_epi8(s1, tmp, 8);         /* HGFE */
    _mm_storeu_si128((__m128i *)(void *)&h[0], s0);
    _mm_storeu_si128((__m128i *)(void *)&h[4], s1);
}

static int cpu_has_sha(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
        return 0; /* SSSE3, SSE4.1 */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b >> 29) & 1;
}
#endif

static int force_portable;

int emb_sha256_force_portable(int on)
{
    force_portable = on;
#ifdef EMB_SHA_X86
    return cpu_has_sha();
#else
    return 0;
#endif
}

static void blocks(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
#ifdef EMB_SHA_X86
    static int have = -1; /* a benign race: every thread computes the same value */
    if (have < 0)
        have = cpu_has_sha();
    if (have && !force_portable) {
        blocks_shani(h, p, nblocks);
        return;
    }
#endif
    blocks_portable(h, p, nblocks);
}

void emb_sha256_init(emb_sha256 *c)
{
    static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, H0, sizeof H0);
    c->len = 0;
    c->nbuf = 0;
}

void emb_sha256_update(emb_sha256 *c, const void *data, size_t n)
{
    const unsigned char *p = data;
    c->len += n;
    if (c->nbuf) {
        size_t take = 64 - c->nbuf < n ? 64 - c->nbuf : n;
        memcpy(c->buf + c->nbuf, p, take);
        c->nbuf += take, p += take, n -= take;
        if (c->nbuf < 64)
            return;
        blocks(c->h, c->buf, 1);
        c->nbuf = 0;
    }
    if (n >= 64) {
        blocks(c->h, p, n / 64);
        p += n / 64 * 64;
        n %= 64;
    }
    memcpy(c->buf, p, n);
    c->nbuf = n;
}

void emb_sha256_final(emb_sha256 *c, unsigned char digest[32])
{
    uint64_t bits = c->len * 8;
    unsigned char pad[72] = {0x80};
    /* 0x80, zeros to 56 mod 64, then the length in bits, big-endian. */
    size_t npad = (c->nbuf < 56 ? 56 : 120) - c->nbuf;
    for (int i = 0; i < 8; i++)
        pad[npad + i] = (unsigned char)(bits >> (56 - 8 * i));
    uint64_t len = c->len;
    emb_sha256_update(c, pad, npad + 8);
    c->len = len;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++)
            digest[4 * i + j] = (unsigned char)(c->h[i] >> (24 - 8 * j));
}

void emb_sha256_hex(const unsigned char digest[32], char hex[65])
{
    static const char dig[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = dig[digest[i] >> 4];
        hex[2 * i + 1] = dig[digest[i] & 15];
    }
    hex[64] = '\0';
}

/* The memo of emb_sha256_file: the last few files checksummed, by identity.
 * An entry is claimed before its file is read (state BUSY), so a second
 * caller for the same file (another thread of a batch, a results writer)
 * waits for the digest instead of reading the file again. */
enum { MEMO_FREE = 0, MEMO_BUSY, MEMO_READY };
typedef struct memo {
    int state;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
    char hex[65];
} memo;
#define MEMO_N 64
static memo memos[MEMO_N];
static size_t next_memo;
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t memo_done = PTHREAD_COND_INITIALIZER;

static int same_file(const memo *m, const struct stat *sb)
{
    return m->state != MEMO_FREE && m->dev == sb->st_dev && m->ino == sb->st_ino &&
           m->size == sb->st_size && m->mtim.tv_sec == sb->st_mtim.tv_sec &&
           m->mtim.tv_nsec == sb->st_mtim.tv_nsec && m->ctim.tv_sec == sb->st_ctim.tv_sec &&
           m->ctim.tv_nsec == sb->st_ctim.tv_nsec;
}

/* Under memo_lock: the ready digest of the file into hex (1), or a newly
 * claimed BUSY entry in *claimed (0; NULL when every entry is busy). */
static int memo_lookup_or_claim(const struct stat *sb, char hex[65], memo **claimed)
{
    *claimed = NULL;
    for (;;) {
        memo *busy = NULL;
        for (size_t i = 0; i < MEMO_N; i++)
            if (same_file(&memos[i], sb)) {
                if (memos[i].state == MEMO_READY) {
                    memcpy(hex, memos[i].hex, 65);
                    return 1;
                }
                busy = &memos[i];
            }
        if (!busy)
            break;
        pthread_cond_wait(&memo_done, &memo_lock); /* another thread is reading it */
    }
    for (size_t k = 0; k < MEMO_N; k++) {
        memo *m = &memos[(next_memo + k) % MEMO_N];
        if (m->state == MEMO_BUSY)
            continue;
        next_memo = (next_memo + k + 1) % MEMO_N;
        *m = (memo){.state = MEMO_BUSY, .dev = sb->st_dev, .ino = sb->st_ino, .size = sb->st_size,
                    .mtim = sb->st_mtim, .ctim = sb->st_ctim};
        *claimed = m;
        break;
    }
    return 0;
}

emb_status emb_sha256_file(const char *path, char hex[65])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return emb_raise(EMB_EIO, "%s: cannot open to checksum: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return emb_raise(EMB_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    memo *mine = NULL;
    if (S_ISREG(sb.st_mode)) { /* only a regular file keeps its identity */
        pthread_mutex_lock(&memo_lock);
        int hit = memo_lookup_or_claim(&sb, hex, &mine);
        pthread_mutex_unlock(&memo_lock);
        if (hit) {
            close(fd);
            return EMB_OK;
        }
    }
    /* 64 KiB on the stack: nothing to allocate (a checksum never fails for
     * memory, whatever the limit), and reads large enough for full speed. */
    unsigned char buf[1 << 16];
    emb_status st = EMB_OK;
    emb_sha256 c;
    emb_sha256_init(&c);
    while (!st) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            st = emb_raise(EMB_EIO, "%s: read error while checksumming: %s", path, strerror(errno));
        if (n <= 0)
            break;
        emb_sha256_update(&c, buf, (size_t)n);
    }
    close(fd);
    if (!st) {
        unsigned char d[32];
        emb_sha256_final(&c, d);
        emb_sha256_hex(d, hex);
    }
    if (mine) {
        pthread_mutex_lock(&memo_lock);
        if (st)
            mine->state = MEMO_FREE; /* a waiter then reads the file itself */
        else {
            memcpy(mine->hex, hex, 65);
            mine->state = MEMO_READY;
        }
        pthread_cond_broadcast(&memo_done);
        pthread_mutex_unlock(&memo_lock);
    }
    return st;
}
