/* tests/test_sha256.c — SHA-256 (src/core/sha256.c) against the FIPS 180-4
 * / NIST example vectors, the SHA-extensions block function against the
 * portable one, streaming in any pieces, files (and the memo following a
 * change of the file), and the input_sha256 attribute of a results file. */
#include "core/alloc.h"
#include "core/sha256.h"
#include "embodied/embodied.h"
#include "io/h5util.h"
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void hex_of(const void *p, size_t n, char hex[65])
{
    emb_sha256 c;
    unsigned char d[32];
    emb_sha256_init(&c);
    emb_sha256_update(&c, p, n);
    emb_sha256_final(&c, d);
    emb_sha256_hex(d, hex);
}

static const struct {
    const char *msg, *hex;
} vectors[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopq"
     "rsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
};

/* Every vector with both block functions (where the CPU has the extensions). */
START_TEST(fips_vectors)
{
    for (int portable = 0; portable < 2; portable++) {
        emb_sha256_force_portable(portable);
        for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
            char hex[65];
            hex_of(vectors[i].msg, strlen(vectors[i].msg), hex);
            ck_assert_msg(strcmp(hex, vectors[i].hex) == 0, "vector %zu (portable %d): %s", i,
                          portable, hex);
        }
        /* One million 'a' (FIPS 180-2 appendix B.3), fed in uneven pieces. */
        char *a = malloc(1000000);
        memset(a, 'a', 1000000);
        emb_sha256 c;
        unsigned char d[32];
        char hex[65];
        emb_sha256_init(&c);
        for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 3 % 1013 + 1)
            emb_sha256_update(&c, a + off, off + step > 1000000 ? 1000000 - off : step);
        emb_sha256_final(&c, d);
        emb_sha256_hex(d, hex);
        ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(a);
    }
    emb_sha256_force_portable(0);
}
END_TEST

/* Lengths around the padding boundaries (55, 56, 63, 64, ...): the
 * accelerated and the portable function agree, in one piece or byte by byte. */
START_TEST(block_functions_agree)
{
    unsigned char buf[1100];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t n = 0; n < sizeof buf; n += n < 130 ? 1 : 97) {
        char h0[65], h1[65], h2[65];
        emb_sha256_force_portable(1);
        hex_of(buf, n, h0);
        emb_sha256_force_portable(0);
        hex_of(buf, n, h1);
        emb_sha256 c;
        unsigned char d[32];
        emb_sha256_init(&c);
        for (size_t i = 0; i < n; i++)
            emb_sha256_update(&c, buf + i, 1);
        emb_sha256_final(&c, d);
        emb_sha256_hex(d, h2);
        ck_assert_msg(strcmp(h0, h1) == 0 && strcmp(h0, h2) == 0, "n = %zu: %s %s %s", n, h0, h1,
                      h2);
    }
}
END_TEST

/* A file streamed in blocks gives the digest of its bytes; after the file
 * changes, the memo does not answer with the old digest; a missing file is
 * EMB_EIO naming it. */
START_TEST(files)
{
    char *tmp = emb_test_tmpdir();
    const char *p = emb_test_pathf("%s/f.bin", tmp);
    size_t n = (3u << 20) + 17; /* many 64 KiB blocks and a tail */
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)(i % 251);
    emb_test_spit(p, data, n);
    char want[65], got[65];
    hex_of(data, n, want);
    ck_assert_int_eq(emb_sha256_file(p, got), EMB_OK);
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(emb_sha256_file(p, got), EMB_OK); /* the memo */
    ck_assert_str_eq(got, want);
    emb_test_spits(p, "abc");
    ck_assert_int_eq(emb_sha256_file(p, got), EMB_OK);
    ck_assert_str_eq(got, vectors[1].hex);
    ck_assert_int_eq(emb_sha256_file(emb_test_pathf("%s/missing", tmp), got), EMB_EIO);
    ck_assert_ptr_nonnull(strstr(emb_errmsg(), "missing"));
    free(data);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* results.h5 records the input's SHA-256 as the root attribute input_sha256. */
START_TEST(results_attribute)
{
    char *tmp = emb_test_tmpdir();
    const char *in = emb_test_pathf("%s/t.h5", tmp), *out = emb_test_pathf("%s/r.h5", tmp);
    emb_table *t = emb_test_hand_table(EMB_TECH_Z, 0);
    ck_assert_int_eq(emb_table_write_h5(t, in, NULL), EMB_OK);
    emb_table_free(t);
    t = NULL;
    ck_assert_int_eq(emb_table_read_h5(in, EMB_READ_DEFAULT, &t), EMB_OK);
    emb_accounts *a = NULL;
    ck_assert_int_eq(emb_accounts_compute(t, NULL, &a), EMB_OK);
    ck_assert_int_eq(emb_results_write_h5(a, t, out), EMB_OK);
    size_t len;
    char *bytes = emb_test_slurp(in, &len), want[65];
    hex_of(bytes, len, want);
    hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert(f >= 0);
    char *got = NULL;
    int present = 0;
    ck_assert_int_eq(emb_h5_attr_read_string(f, out, "input_sha256", &got, &present), EMB_OK);
    ck_assert(present);
    ck_assert_str_eq(got, want);
    H5Fclose(f);
    emb_free(got);
    free(bytes);
    emb_accounts_free(a);
    emb_table_free(t);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

/* Four threads checksumming the same file at once: each gets the file's
 * digest, whether it read the file or waited for the thread that did. */
typedef struct job {
    const char *path;
    char hex[65];
    emb_status st;
} job;

static void *hash_job(void *arg)
{
    job *j = arg;
    j->st = emb_sha256_file(j->path, j->hex);
    return NULL;
}

START_TEST(concurrent_callers)
{
    char *tmp = emb_test_tmpdir();
    const char *p = emb_test_pathf("%s/g.bin", tmp);
    size_t n = (8u << 20) + 5;
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)(i * 7 % 253);
    emb_test_spit(p, data, n);
    char want[65];
    hex_of(data, n, want);
    job jobs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){.path = p};
        ck_assert_int_eq(pthread_create(&th[i], NULL, hash_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(jobs[i].st, EMB_OK);
        ck_assert_str_eq(jobs[i].hex, want);
    }
    free(data);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("sha256");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fips_vectors);
    tcase_add_test(tc, block_functions_agree);
    tcase_add_test(tc, files);
    tcase_add_test(tc, results_attribute);
    tcase_add_test(tc, concurrent_callers);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
