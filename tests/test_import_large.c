/* tests/test_import_large.c — the pymrio importer end to end on a generated
 * table large enough for its fast paths (N = 1,500: Z is 18 MB of doubles,
 * so the huge-page advice and the pre-faulting thread run), with cells drawn
 * from numbers of every kind — plain decimals the fused row parser takes,
 * and those that must fall back to strtod (20+ digits, subnormals, hard
 * halfway cases, hexadecimal, a quoted number) — checked bit for bit
 * against strtod(3) of the text written.  Needs no ../shared. */
#include "embodied/embodied.h"
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NR 3
#define NS 500
#define NF 2
#define NN (NR * NS) /* industries */
#define NY (NR * NF)

static const char *cells[] = {
    "0.0", "0.0", "0.0", "0.0", "1.2345678901234567e-05", "58180.65", "0.00012345678901234567",
    "7", "3.5E+2", "1e22", "0.30000000000000004", "9.999999999999999e-13", "123456.789",
    /* strtod's cases */
    "12345678901234567890123", "4.9406564584124654e-324", "2.2250738585072011e-308",
    "9007199254740993", "0x1p-3", "\"2.5\"", "1.00000000000000011102230246251565404236316680908203125",
};
#define N_CELLS (sizeof cells / sizeof cells[0])

static uint64_t state = 42;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static FILE *create(const char *dir, const char *rel)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    ck_assert_msg(f != NULL, "cannot write %s", p);
    return f;
}

/* Two header rows over (region, inner) columns, then pandas' index-name row. */
static void headers(FILE *f, size_t n_inner, const char *inner_what, const char *inner_fmt)
{
    fputs("region\t", f);
    for (int r = 0; r < NR; r++)
        for (size_t i = 0; i < n_inner; i++)
            fprintf(f, "\tR%d", r);
    fprintf(f, "\n%s\t", inner_what);
    for (int r = 0; r < NR; r++)
        for (size_t i = 0; i < n_inner; i++) {
            fputc('\t', f);
            fprintf(f, inner_fmt, i);
        }
    fputs("\nregion\tsector", f);
    for (size_t c = 0; c < NR * n_inner; c++)
        fputc('\t', f);
    fputc('\n', f);
}

/* Rows (region, sector) of `cols` cells drawn from cells[]; the choices go
 * to pick[]. */
static void rows(FILE *f, size_t cols, unsigned char *pick)
{
    for (size_t i = 0; i < NN; i++) {
        fprintf(f, "R%zu\ts%zu", i / NS, i % NS);
        for (size_t c = 0; c < cols; c++) {
            uint64_t r = rnd();
            /* mostly the plain ones, 1 in 64 a fallback case */
            size_t k = (r & 63) == 0 ? 13 + (r >> 8) % (N_CELLS - 13) : (r >> 8) % 13;
            pick[i * cols + c] = (unsigned char)k;
            fprintf(f, "\t%s", cells[k]);
        }
        fputc('\n', f);
    }
}

/* strtod's value of cells[k] (quotes removed, as the reader does). */
static double want(size_t k)
{
    const char *s = cells[k];
    char buf[128];
    if (*s == '"') {
        snprintf(buf, sizeof buf, "%.*s", (int)strlen(s) - 2, s + 1);
        s = buf;
    }
    return strtod(s, NULL);
}

START_TEST(large_table_bit_identical_to_strtod)
{
    char *tmp = emb_test_tmpdir();
    ck_assert_ptr_nonnull(tmp);
    char ext[4200];
    snprintf(ext, sizeof ext, "%s/e", tmp);
    ck_assert_int_eq(mkdir(ext, 0755), 0);
    unsigned char *pz = malloc((size_t)NN * NN), *py = malloc((size_t)NN * NY);
    ck_assert(pz && py);
    FILE *f = create(tmp, "file_parameters.json");
    fputs("{\"files\": {\"Z\": {\"name\": \"Z.txt\", \"nr_index_col\": 2, \"nr_header\": 2},"
          " \"Y\": {\"name\": \"Y.txt\", \"nr_index_col\": 2, \"nr_header\": 2}},"
          " \"systemtype\": \"IOSystem\"}\n", f);
    fclose(f);
    f = create(tmp, "Z.txt");
    headers(f, NS, "sector", "s%zu");
    rows(f, NN, pz);
    fclose(f);
    f = create(tmp, "Y.txt");
    headers(f, NF, "category", "c%zu");
    rows(f, NY, py);
    fclose(f);
    f = create(tmp, "e/F.txt");
    fputs("region", f);
    for (size_t c = 0; c < NN; c++)
        fprintf(f, "\tR%zu", c / NS);
    fputs("\nsector", f);
    for (size_t c = 0; c < NN; c++)
        fprintf(f, "\ts%zu", c % NS);
    fputs("\nCO2", f);
    for (size_t c = 0; c < NN; c++)
        fprintf(f, "\t%zu.5", c);
    fputc('\n', f);
    fclose(f);
    f = create(tmp, "e/unit.txt");
    fputs("stressor\tunit\nCO2\tkg\n", f);
    fclose(f);

    emb_table *t = NULL;
    emb_status st = emb_import_pymrio(tmp, NULL, &t);
    ck_assert_msg(st == EMB_OK, "%s", emb_errmsg());
    ck_assert_uint_eq(t->N, NN);
    double w[N_CELLS];
    for (size_t k = 0; k < N_CELLS; k++)
        w[k] = want(k);
    for (size_t i = 0; i < (size_t)NN * NN; i++)
        if (memcmp(&t->T[i], &w[pz[i]], sizeof(double)) != 0)
            ck_abort_msg("Z[%zu][%zu] = %.17g, strtod('%s') = %.17g", i / NN, i % NN, t->T[i],
                         cells[pz[i]], w[pz[i]]);
    for (size_t i = 0; i < (size_t)NN * NY; i++)
        if (memcmp(&t->Y[i], &w[py[i]], sizeof(double)) != 0)
            ck_abort_msg("Y[%zu][%zu] = %.17g, strtod('%s') = %.17g", i / NY, i % NY, t->Y[i],
                         cells[py[i]], w[py[i]]);
    ck_assert(t->F[NN - 1] == (NN - 1) + 0.5);
    emb_table_free(t);

    /* A bad cell deep in the fast path is still reported where it is. */
    f = create(tmp, "Z.txt");
    headers(f, NS, "sector", "s%zu");
    for (size_t i = 0; i < NN; i++) {
        fprintf(f, "R%zu\ts%zu", i / NS, i % NS);
        for (size_t c = 0; c < NN; c++)
            fputs(i == 1234 && c == 777 ? "\t1.5.2" : "\t0.0", f);
        fputc('\n', f);
    }
    fclose(f);
    t = (emb_table *)1;
    ck_assert_int_eq(emb_import_pymrio(tmp, NULL, &t), EMB_EINPUT);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(emb_errmsg(), "Z.txt: line 1238, column 780: '1.5.2' is not a number"),
                  "%s", emb_errmsg());
    free(pz), free(py);
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("import_large");
    TCase *tc = tcase_create("import_large");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, large_table_bit_identical_to_strtod);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
