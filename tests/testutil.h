/* tests/testutil.h — helpers shared by the Check suites: locating
 * ../shared/testdata (skip or fail per CI), relative comparisons, and a
 * runner that prints TAP. */
#ifndef EMB_TESTUTIL_H
#define EMB_TESTUTIL_H

#include <check.h>
#include <hdf5.h>
#include <stddef.h>

#include "embodied/table.h"

/* Directory of ../shared/testdata, or NULL when absent.  Call
 * emb_test_require_shared() from main() of *_shared suites instead. */
const char *emb_test_shared_dir(void);

/* For suites that need ../shared: returns the testdata directory.  When it is
 * absent: outside CI prints "1..0 # SKIP ..." and exits 0 (meson reports the
 * suite as skipped); under CI=true prints "Bail out! ..." and exits 1. */
const char *emb_test_require_shared(const char *suite);

/* Path of a file in the source tree (EMB_SOURCE_ROOT/rel), static buffer. */
const char *emb_test_src_path(const char *rel);

/* A fresh temporary directory (removed by emb_test_rmtree). */
char *emb_test_tmpdir(void);
void emb_test_rmtree(const char *dir);

/* |a - b| <= rtol * max(|a|, |b|, floor): relative with an absolute floor for
 * values that should be zero. */
int emb_test_close(double a, double b, double rtol, double floor);

/* Assert helper: fails the test with both values and the relative error. */
#define EMB_ASSERT_CLOSE(a, b, rtol, floor)                                                        \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        ck_assert_msg(emb_test_close(a_, b_, (rtol), (floor)),                                     \
                      "%s = %.17g vs %s = %.17g (rel err %.3g > %.3g)", #a, a_, #b, b_,            \
                      (a_ - b_) / (b_ != 0 ? b_ : 1), (double)(rtol));                             \
    } while (0)

/* printf into one of 8 rotating static buffers of 4096 bytes (paths built
 * inline in a call's arguments). */
char *emb_test_pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The whole file, NUL-terminated (malloc'd, caller frees); *len its size.
 * Fails the test when it cannot be read. */
char *emb_test_slurp(const char *path, size_t *len);
/* Write len bytes (or a string) to path, failing the test on error. */
void emb_test_spit(const char *path, const char *data, size_t len);
void emb_test_spits(const char *path, const char *text);

/* Start of 1-based line `line` in text (fails the test past the end). */
char *emb_test_line_start(char *text, int line);
/* Replace field `col` (1-based) of line `line` of file path, fields
 * separated by `delim`, by `repl`, or delete it with the delimiter before it
 * when repl is NULL. */
void emb_test_edit_cell(const char *path, char delim, int line, int col, const char *repl);

/* A numeric CSV as pandas writes pymrio's results: rows x cols values after
 * nhdr header lines and nidx index columns; rows whose value cells are all
 * empty (pandas' index-name row) are skipped.  first[i] is row i's first
 * index cell ("" without index columns). */
typedef struct emb_test_csv {
    size_t rows, cols;
    double *v;
    char **first;
} emb_test_csv;

emb_test_csv emb_test_csv_read(const char *path, size_t nhdr, size_t nidx);
void emb_test_csv_free(emb_test_csv *c);

/* Worst element-wise relative error of got (nrows x ref->cols, row-major)
 * against ref's rows row0.. (entries below 1e-12 of the largest measured
 * against that floor); fails the test, naming `what`, the element and both
 * values, when it exceeds rtol. */
double emb_test_compare(const char *what, const double *got, const emb_test_csv *ref, size_t row0,
                        size_t nrows, double rtol);

/* A 1-D dataset of n fixed-length strings of `size` bytes (padding `pad`,
 * character set `cset`): each copied with memcpy of min(len, size) bytes and
 * the rest filled with `fill`, so a string of exactly `size` bytes has no
 * terminator (for the reader's string rules). */
void emb_test_h5_fixed_strings(hid_t loc, const char *name, size_t n, const char *const *s,
                               size_t size, H5T_str_t pad, H5T_cset_t cset, char fill);

/* Run a suite with TAP output to stdout (CK_TAP_LOG_FILE_NAME=-); returns the
 * process exit status. */
int emb_test_run(Suite *s);

/* The hand-solved 2 x 2 system of test_accounts.c (Z or A, x given or not),
 * validated (an A table without x is refused by validation, as expected). */
emb_table *emb_test_hand_table(emb_tech_kind kind, int with_x);

#endif
