/* tests/test_numparse.c — the fast decimal parser against strtod(3): same
 * verdict (a number or not) and the same bits for every string, on hand-
 * picked hard cases (halfway points, subnormal and overflow boundaries,
 * 17-20 digits, odd syntax) and on millions of random strings: doubles of
 * every magnitude printed with 1-20 significant digits in %e, %f and %g
 * forms, points halfway between neighbouring doubles (printed from long
 * double), and random digit strings with random exponents.  Also checks
 * that the fast path does decide the numbers data files hold (so that a
 * silent fall back to strtod everywhere cannot pass).
 * The TSV reader's fused row parser (emb_tsv_next_numbers) is checked
 * against its generic path (emb_tsv_next + emb_tsv_numbers) on random lines
 * mixing plain numbers with everything that must fall back, tab- and
 * comma-separated: same fields, same values, same errors.
 * EMB_NUMPARSE_N sets the number of random strings per class (default 10^6). */
#include "import/bytesrc.h"
#include "import/numparse.h"
#include "import/tsv.h"
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x853c49e6748fea9bull;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static long n_random(void)
{
    const char *e = getenv("EMB_NUMPARSE_N");
    long n = e ? atol(e) : 1000000;
    return n > 0 ? n : 1000000;
}

static uint64_t bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static long n_fast; /* strings the fast path decided */

/* The verdicts and values of emb_parse_double, its strtod fallback, and
 * strtod itself agree on s.  (Plain ifs: Check's asserts cost a system
 * call each when they pass, and this runs millions of times.) */
static void check(const char *s)
{
    char *e;
    double ref = strtod(s, &e);
    int ref_ok = e != s && *e == '\0';
    double fast = 0, full = 0;
    int fast_ok = emb_parse_double(s, &fast);
    int full_ok = emb_parse_double_or_strtod(s, &full);
    if (full_ok != ref_ok)
        ck_abort_msg("'%s': parser says %s, strtod says %s", s,
                     full_ok ? "number" : "not a number", ref_ok ? "number" : "not a number");
    if (fast_ok) {
        n_fast++;
        if (!ref_ok)
            ck_abort_msg("'%s': fast path accepts what strtod refuses", s);
        if (bits(fast) != bits(ref))
            ck_abort_msg("'%s': fast %.17g (%016llx) != strtod %.17g (%016llx)", s, fast,
                         (unsigned long long)bits(fast), ref, (unsigned long long)bits(ref));
        if (!isfinite(fast))
            ck_abort_msg("'%s': fast path returned a non-finite value", s);
    }
    if (ref_ok && bits(full) != bits(ref) && !(isnan(full) && isnan(ref)))
        ck_abort_msg("'%s': %.17g != strtod %.17g", s, full, ref);
}

START_TEST(hand_picked)
{
    static const char *cases[] = {
        /* plain */
        "0", "0.0", "-0.0", "+0", "-0", "00", "000.000", "0e0", "-0e-999", "1", "-1", "+1",
        "1.", ".5", "-.5", "+.5e1", "5.e-1", "0.1", "0.2", "0.3", "1.5", "123456789",
        "58180.65", "0.0990875448681", "9.56827080956e-06", "1.2345678901234567e-05",
        "3.0517578125e-05", "1e0", "1E5", "1e+5", "1e-5", "12e-1", "0.000001", "1e22", "1e23",
        "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
        "18014398509481985", "123456789012345678", "1234567890123456789",
        "12345678901234567890", "99999999999999999999", "0.12345678901234567890123",
        "1.00000000000000000000000001", "1.0000000000000002220446049250313",
        "1.00000000000000011102230246251565404236316680908203125",      /* 1 + 2^-53: halfway */
        "1.00000000000000011102230246251565404236316680908203126",
        "1.00000000000000011102230246251565404236316680908203124",
        "0.30000000000000004", "2.2204460492503131e-16",
        /* boundaries */
        "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
        "1.797693134862315807e308", "1e308", "1e309", "-1e309", "2.2250738585072014e-308",
        "2.2250738585072011e-308", "2.2250738585072012e-308", "2.225073858507201e-308",
        "4.9406564584124654e-324", "5e-324", "2.4703282292062327e-324",
        "2.4703282292062328e-324", "1e-320", "1e-400", "-1e-400", "1e-348", "1e-349", "1e347",
        "1e348", "8.98846567431158e307", "9007199254740993e-22", "9007199254740993e22",
        "7.2057594037927933e16", "4.35679104e15", "2.345e-330",
        /* long zero runs */
        "0.0000000000000000000000000000000000000000000000000001",
        "100000000000000000000000000000000000000000000000000000",
        "1e99999999999999999999", "1e-99999999999999999999", "0e99999999999999999999",
        /* not numbers, or not fully */
        "", " ", "-", "+", ".", "-.", "e5", ".e5", "1e", "1e+", "1e-", "1e+-5", "--1", "+-1",
        "1.2.3", "1..2", "1e5.5", "1 ", " 1", "\t1", "1\t", "1x", "x1", "0x10", "0X1p3", "0x",
        "inf", "-inf", "Infinity", "nan", "NaN", "nan(123)", "1,5", "1_000", "١",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(cases[i]);
}
END_TEST

/* A random double of any class: normal of any exponent, subnormal, or a
 * value of the magnitudes data files hold. */
static double random_double(void)
{
    uint64_t r = rnd();
    double d;
    switch (r % 4) {
    case 0: { /* any finite bit pattern */
        uint64_t b;
        do
            b = rnd();
        while (((b >> 52) & 0x7FF) == 0x7FF);
        memcpy(&d, &b, sizeof d);
        return d;
    }
    case 1: /* subnormal */
        d = ldexp((double)(rnd() >> 12), -1074);
        return r & 8 ? -d : d;
    default: /* 1e-15 .. 1e12, log-uniform */
        return exp((double)(rnd() >> 11) * 0x1p-53 * 62.0 - 34.5);
    }
}

START_TEST(random_printed_doubles)
{
    long n = n_random();
    char s[128];
    static const char *fmts[] = {"%.*g", "%.*e", "%.*f"};
    n_fast = 0;
    for (long i = 0; i < n; i++) {
        double d = random_double();
        int prec = (int)(rnd() % 21), f = (int)(rnd() % 3);
        if (f == 2 && fabs(d) > 1e30)
            f = 1; /* %f of huge values: hundreds of digits, fine but slow */
        snprintf(s, sizeof s, fmts[f], f == 0 ? prec + 1 : prec, d);
        check(s);
    }
    /* Shortest round-trip (17 digits, %.17g) of data-like values: the fast path must decide. */
    long before = n_fast;
    for (long i = 0; i < n / 4; i++) {
        double d = exp((double)(rnd() >> 11) * 0x1p-53 * 62.0 - 34.5);
        snprintf(s, sizeof s, "%.17g", d);
        check(s);
    }
    ck_assert_msg(n_fast - before > (n / 4) * 99 / 100, "fast path decided only %ld of %ld",
                  n_fast - before, n / 4);
}
END_TEST

START_TEST(random_halfway_points)
{
    /* Halfway between two neighbouring doubles (exact in the 64-bit
     * long double of x86), printed with 15-21 digits: the strings round
     * either way or exactly to even — the cases Eisel-Lemire must refuse or
     * get right. */
#if LDBL_MANT_DIG >= 64
    long n = n_random();
    char s[128];
    for (long i = 0; i < n; i++) {
        double d = random_double();
        if (d == 0 || !isfinite(nextafter(d, INFINITY)))
            continue;
        long double mid = ((long double)d + (long double)nextafter(d, INFINITY)) / 2;
        int prec = 14 + (int)(rnd() % 8);
        snprintf(s, sizeof s, "%.*Le", prec, mid);
        check(s);
    }
#endif
}
END_TEST

START_TEST(random_digit_strings)
{
    long n = n_random();
    char s[128];
    for (long i = 0; i < n; i++) {
        char *w = s;
        uint64_t r = rnd();
        if (r & 1)
            *w++ = r & 2 ? '-' : '+';
        int nd = 1 + (int)((r >> 2) % 24), point = (int)((r >> 8) % (unsigned)(nd + 2)) - 1;
        for (int k = 0; k < nd; k++) {
            if (k == point)
                *w++ = '.';
            /* zero runs are common in data */
            *w++ = (char)('0' + (rnd() % 3 == 0 ? 0 : rnd() % 10));
        }
        if (point == nd)
            *w++ = '.';
        if ((r >> 16) & 1) {
            int e = (int)((r >> 20) % 720) - 360;
            w += sprintf(w, "%c%+d", (r >> 17) & 1 ? 'e' : 'E', e);
        }
        *w = '\0';
        check(s);
    }
}
END_TEST

/* ---------------------------------------- the TSV reader's fused rows */

static const char *tokens[] = {
    "0.0", "0.0", "0.0", "1.2345678901234567e-05", "58180.65", "-12.5", "7", "+3.",
    ".25", "1e22", "0.30000000000000004", /* plain so far */ "9007199254740993",
    "2.2250738585072011e-308",
    "4e-320", "1e400", "-1e-400", "12345678901234567890123", "0x1p3", "inf", "nan", "",
    " 1", "1 ", "abc", "1e", "\"1.5\"", "\"2\"\"\"", "1,5", "--1",
};
#define N_TOKENS (sizeof tokens / sizeof tokens[0])

/* One reader's view of a line: fields, then the numbers or the error. */
typedef struct view {
    size_t nf;
    char fields[16][64];
    emb_status st;
    char msg[512];
    double v[16];
} view;

static long n_parsed; /* lines the fused path parsed */

static void take_view(emb_tsv *r, int fused, size_t nlead, size_t n, view *w, int *have)
{
    int parsed = 0;
    memset(w, 0, sizeof *w);
    emb_errclear();
    emb_status st = fused ? emb_tsv_next_numbers(r, nlead, n, w->v, have, &parsed)
                          : emb_tsv_next(r, have);
    if (st != EMB_OK) { /* a line split() refuses (CSV: a stray quote): the same error */
        *have = 1;
        w->st = st;
        snprintf(w->msg, sizeof w->msg, "%s", emb_errmsg());
        return;
    }
    if (!*have)
        return;
    n_parsed += parsed;
    w->nf = emb_tsv_nfields(r);
    for (size_t i = 0; i < w->nf && i < 16; i++)
        snprintf(w->fields[i], sizeof w->fields[i], "%s", emb_tsv_field(r, i));
    if (!parsed && w->nf == nlead + n) {
        w->st = emb_tsv_numbers(r, nlead, n, w->v);
        snprintf(w->msg, sizeof w->msg, "%s", w->st ? emb_errmsg() : "");
    }
}

START_TEST(tsv_fused_rows_equal_generic)
{
    char *tmp = emb_test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/t.txt", tmp);
    long lines = n_random() / 50 + 1000;
    const size_t nlead = 2, n = 6;
    /* Rounds: tab-separated (two buffer sizes), then RFC 4180 CSV. */
    for (int round = 0; round < 3; round++) {
        char d = round == 2 ? ',' : '\t';
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        for (long l = 0; l < lines; l++) {
            uint64_t r = rnd();
            int plain = (r & 3) != 0; /* most lines: plain numbers only */
            fputs(r & 4 ? "\"R1\"" : (r >> 9) % 64 == 0 ? "R\"1" : "R1", f);
            fprintf(f, "%csector", d);
            size_t cells = (r >> 3) % 16 == 0 ? n + 1 : (r >> 3) % 16 == 1 ? n - 1 : n;
            for (size_t c = 0; c < cells; c++) {
                size_t t = plain ? rnd() % 11 : rnd() % N_TOKENS;
                fprintf(f, "%c%s", d, tokens[t]);
            }
            fputs((r >> 8) & 1 ? "\r\n" : "\n", f);
        }
        if (round >= 1)
            fprintf(f, "R9%clast%c1%c2%c3%c4%c5%c6", d, d, d, d, d, d, d); /* no final newline */
        fclose(f);
        emb_archive *a = NULL;
        ck_assert_int_eq(emb_archive_open(tmp, &a), EMB_OK);
        emb_tsv *rg = NULL, *rf = NULL;
        emb_bytesrc *s1 = NULL, *s2 = NULL;
        ck_assert_int_eq(emb_bytesrc_open(a, "t.txt", &s1), EMB_OK);
        ck_assert_int_eq(emb_bytesrc_open(a, "t.txt", &s2), EMB_OK);
        /* Small, different buffers: lines straddle refills and growth. */
        ck_assert_int_eq(emb_tsv_open(s1, round ? 37 : 4096, 1 << 20, &rg), EMB_OK);
        ck_assert_int_eq(emb_tsv_open(s2, round ? 64 : 100, 1 << 20, &rf), EMB_OK);
        emb_tsv_set_delim(rg, d);
        emb_tsv_set_delim(rf, d);
        view *g = malloc(sizeof *g), *v = malloc(sizeof *v);
        long n_lines = 0;
        for (;;) {
            int hg, hf;
            take_view(rg, 0, nlead, n, g, &hg);
            take_view(rf, 1, nlead, n, v, &hf);
            ck_assert_int_eq(hg, hf);
            if (!hg)
                break;
            n_lines++;
            if (g->nf != v->nf || memcmp(g->fields, v->fields, sizeof g->fields) != 0 ||
                g->st != v->st || strcmp(g->msg, v->msg) != 0 ||
                (!g->st && g->nf == nlead + n && memcmp(g->v, v->v, n * sizeof(double)) != 0))
                ck_abort_msg("line %ld differs: %zu vs %zu fields, status %d vs %d, '%s' vs '%s', "
                             "first cell '%s' vs '%s'", n_lines, g->nf, v->nf, g->st, v->st,
                             g->msg, v->msg, g->fields[nlead], v->fields[nlead]);
        }
        ck_assert_int_eq(n_lines, lines + (round >= 1));
        /* 3/4 of the lines are plain, half of those have an unquoted first
         * cell, 7/8 of those the right count: 33% must take the fast path. */
        ck_assert_msg(n_parsed > lines * 3 / 10, "fused path parsed only %ld of %ld lines", n_parsed,
                      lines);
        n_parsed = 0;
        free(g), free(v);
        emb_tsv_close(rg);
        emb_tsv_close(rf);
        emb_archive_close(a);
    }
    emb_test_rmtree(tmp);
    free(tmp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("numparse");
    TCase *tc = tcase_create("numparse");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, hand_picked);
    tcase_add_test(tc, random_printed_doubles);
    tcase_add_test(tc, random_halfway_points);
    tcase_add_test(tc, random_digit_strings);
    tcase_add_test(tc, tsv_fused_rows_equal_generic);
    suite_add_tcase(s, tc);
    return emb_test_run(s);
}
