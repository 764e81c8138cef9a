/* tests/fuzz/mkseeds_h5.c — writes the seed corpus of fuzz_h5: small tables
 * (N <= 6, so that every seed also reaches the accounts) in each layout the
 * HDF5 writer produces, so that the fuzzer starts from every code path of
 * the reader: dense Z contiguous and chunked/deflated, Z as a CSR group, A
 * with x, no stressors, groups and metadata.  Usage: mkseeds_h5 DIR (run by
 * scripts/make_fuzz_seeds.py). */
#include "embodied/embodied.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static emb_table *make(size_t n_r, size_t n_s, size_t n_f, size_t k, int csr, uint64_t seed)
{
    emb_synth_opts o = emb_synth_defaults(n_r, n_s, n_f, k, seed);
    o.csr = csr;
    emb_table *t = NULL;
    if (emb_synth_table(&o, &t) != EMB_OK) {
        fprintf(stderr, "mkseeds_h5: %s\n", emb_errmsg());
        exit(1);
    }
    return t;
}

static void put(const emb_table *t, const char *dir, const char *name, int deflate, int csr)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    emb_write_opts w = {.deflate = deflate, .csr = csr};
    if (emb_table_write_h5(t, path, &w) != EMB_OK) {
        fprintf(stderr, "mkseeds_h5: %s\n", emb_errmsg());
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds_h5 DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    emb_table *t = make(2, 2, 1, 1, 0, 1);
    put(t, dir, "z_dense.h5", 0, -1);
    put(t, dir, "z_deflate.h5", 1, -1);
    put(t, dir, "z_csr.h5", 0, 1);
    /* A with x: A = Z diag(1/x), x = Z 1 + Y 1. */
    if (emb_table_complete_x(t) != EMB_OK)
        return 1;
    for (size_t i = 0; i < t->N; i++)
        for (size_t j = 0; j < t->N; j++)
            t->T[i * t->N + j] = t->x[j] != 0 ? t->T[i * t->N + j] / t->x[j] : 0;
    t->tech_kind = EMB_TECH_A;
    put(t, dir, "a_x.h5", 0, -1);
    emb_table_free(t);

    t = make(3, 2, 2, 2, 0, 2);
    const char *members[] = {"R001", "R003"};
    t->year = 2020;
    if (emb_table_add_group(t, "G1", 2, members) != EMB_OK ||
        !(t->source = strdup("fuzz seed")) || !(t->monetary_unit = strdup("M.EUR")))
        return 1;
    put(t, dir, "groups_meta.h5", 0, -1);
    emb_table_free(t);

    t = make(2, 3, 1, 0, 1, 3);
    put(t, dir, "csr_no_stressors.h5", 0, 0);
    emb_table_free(t);
    return 0;
}
