/* tests/install/example.c — embodied used from C, as README "Use it from C"
 * shows: read a table, compute the accounts, print the production- and
 * consumption-based emissions of one region.  Public headers and accessors
 * only (no struct field is read), linked against the installed shared
 * library:
 *     cc example.c $(pkg-config --cflags --libs embodied) -o example
 *     ./example datasets/demo.h5 CN
 * prints one line per stressor: stressor, region, PBA, CBA (%.17g). */
#include <embodied/embodied.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TABLE.h5 REGION\n", argv[0]);
        return 2;
    }
    emb_table *t = NULL;
    emb_accounts *acc = NULL;
    emb_status st = emb_table_read_h5(argv[1], EMB_READ_DEFAULT, &t);
    if (st == EMB_OK)
        st = emb_accounts_compute(t, NULL, &acc);
    if (st != EMB_OK) {
        fprintf(stderr, "example: %s: %s\n", emb_strerror(st), emb_errmsg());
        emb_table_free(t);
        return 1;
    }
    long r = emb_table_region_index(t, argv[2]);
    if (r < 0) {
        fprintf(stderr, "example: no region '%s' in %s\n", argv[2], emb_table_path(t));
        emb_accounts_free(acc);
        emb_table_free(t);
        return 2;
    }
    /* pba and cba are [k][n_r], stressor-major. */
    size_t n_r = emb_accounts_n_regions(acc);
    const double *pba = emb_accounts_array(acc, EMB_ACC_PBA, NULL);
    const double *cba = emb_accounts_array(acc, EMB_ACC_CBA, NULL);
    for (size_t s = 0; s < emb_accounts_n_stressors(acc); s++)
        printf("%s,%s,%.17g,%.17g\n", emb_table_label(t, EMB_LABEL_STRESSOR, s), argv[2],
               pba[s * n_r + (size_t)r], cba[s * n_r + (size_t)r]);
    emb_accounts_free(acc);
    emb_table_free(t);
    return 0;
}
