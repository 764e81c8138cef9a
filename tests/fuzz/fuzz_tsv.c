/* tests/fuzz/fuzz_tsv.c — fuzz target with an oracle: the streaming
 * delimited-text reader (src/import/tsv.c) must split a file the same way
 * whatever its buffer size.  The first input byte picks the delimiter (tab,
 * comma, semicolon), the start buffer size (1 to 64 bytes, so that records
 * straddle refills and the buffer grows) and the shape emb_tsv_next_numbers
 * is asked for; the rest is the file.  Two readers go through it in
 * lockstep, the small-buffer one calling emb_tsv_next_numbers, the other
 * (1 MiB buffer) emb_tsv_next then emb_tsv_numbers: statuses, messages,
 * line numbers, fields and the numbers parsed must all be the same.  A
 * difference aborts naming the line. */
#include "fuzz.h"
#include "import/bytesrc.h"
#include "import/tsv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXLINE ((size_t)1 << 20) /* above any input: "line too long" never differs */
#define MAXNUM 64

static void differ(const emb_tsv *r, const char *what)
{
    fprintf(stderr, "fuzz_tsv: line %zu: %s differs between buffer sizes\n", emb_tsv_lineno(r),
            what);
    abort();
}

static emb_status open_reader(emb_archive *a, size_t bufsize, char delim, emb_tsv **r)
{
    emb_bytesrc *src = NULL;
    emb_status st = emb_bytesrc_open(a, "data.txt", &src);
    if (st == EMB_OK && (st = emb_tsv_open(src, bufsize, MAXLINE, r)) == EMB_OK)
        emb_tsv_set_delim(*r, delim);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char delims[] = {'\t', ',', ';', '\t'};
    char delim = delims[data[0] & 3];
    size_t bufsize = (size_t)((data[0] >> 2) & 63) + 1;
    size_t nlead = (data[0] >> 6) & 3;
    const char *path = emb_fuzz_write_one(data + 1, size - 1, "data.txt");
    if (!path)
        return 0;
    char dir[600];
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(path, '/') - path), path);
    emb_archive *a = NULL;
    emb_tsv *small = NULL, *big = NULL;
    if (emb_archive_open(dir, &a) != EMB_OK || open_reader(a, bufsize, delim, &small) != EMB_OK ||
        open_reader(a, MAXLINE, delim, &big) != EMB_OK)
        goto done;
    double xs[MAXNUM], xb[MAXNUM];
    for (size_t line = 0; line < 100000; line++) {
        int hs = 0, hb = 0, parsed = 0;
        /* Ask for as many numbers as the previous line had cells beyond the
         * labels: data rows look like the ones before them. */
        size_t nf = emb_tsv_nfields(big), n = nf > nlead ? nf - nlead : 1;
        if (n > MAXNUM)
            n = MAXNUM;
        emb_status ss = emb_tsv_next_numbers(small, nlead, n, xs, &hs, &parsed);
        char ms[1024];
        snprintf(ms, sizeof ms, "%s", emb_errmsg());
        emb_status sb = emb_tsv_next(big, &hb);
        if (ss != sb || (ss != EMB_OK && strcmp(ms, emb_errmsg()) != 0))
            differ(big, "the status or message");
        if (ss != EMB_OK)
            break;
        if (hs != hb)
            differ(big, "the end of file");
        if (!hs)
            break;
        if (emb_tsv_lineno(small) != emb_tsv_lineno(big))
            differ(big, "the line number");
        if (emb_tsv_nfields(small) != emb_tsv_nfields(big))
            differ(big, "the number of fields");
        for (size_t i = 0; i < emb_tsv_nfields(big); i++)
            if (strcmp(emb_tsv_field(small, i), emb_tsv_field(big, i)) != 0)
                differ(big, "a field");
        if (parsed) {
            if (emb_tsv_numbers(big, nlead, n, xb) != EMB_OK)
                differ(big, "the fast path's verdict");
            if (memcmp(xs, xb, n * sizeof *xs) != 0)
                differ(big, "a number");
        }
        if (line % 7 == 3) { /* the one line of look-ahead */
            emb_tsv_again(small);
            emb_tsv_again(big);
        }
    }
done:
    emb_tsv_close(small);
    emb_tsv_close(big);
    emb_archive_close(a);
    return 0;
}
