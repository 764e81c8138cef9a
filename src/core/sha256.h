/* src/core/sha256.h — SHA-256 (FIPS 180-4) of memory and of files (internal).
 *
 * The checksum of an input table identifies it in a batch manifest (resume
 * skips a table only when its checksum is unchanged) and in the provenance of
 * a results file (attribute input_sha256).  Files are streamed in 64 KiB
 * blocks; on x86-64 CPUs with the SHA extensions the block function uses
 * them (about 5x the portable code), chosen once at run time.
 */
#ifndef EMB_SHA256_H
#define EMB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "embodied/error.h"

typedef struct emb_sha256 {
    uint32_t h[8];
    uint64_t len;          /* bytes hashed so far */
    unsigned char buf[64]; /* the partial block */
    size_t nbuf;
} emb_sha256;

/* c = the initial hash value H(0). */
void emb_sha256_init(emb_sha256 *c);
/* Absorb data[0 .. n). */
void emb_sha256_update(emb_sha256 *c, const void *data, size_t n);
/* digest = SHA-256 of everything absorbed (pads; c is spent). */
void emb_sha256_final(emb_sha256 *c, unsigned char digest[32]);
/* hex = 64 lowercase hexadecimal digits of digest, NUL-terminated. */
void emb_sha256_hex(const unsigned char digest[32], char hex[65]);

/* hex = SHA-256 of the file at path, streamed in 64 KiB blocks (nothing
 * allocated).  The result is remembered for the file's identity (device,
 * inode, size, modification and change times, to the nanosecond), so a
 * batch that checksums a table before reading it and the results writer
 * that records it afterwards read the file once; a call for a file another
 * thread is reading waits for that digest rather than reading it again.
 * EMB_EIO naming the file when it cannot be read. */
emb_status emb_sha256_file(const char *path, char hex[65]);

/* Tests: 1 = the portable block function even where the SHA extensions
 * exist, 0 = automatic (the default).  Returns whether the extensions are
 * available on this CPU. */
int emb_sha256_force_portable(int on);

#endif
