/* tests/testutil.c — see testutil.h. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *emb_test_shared_dir(void)
{
    static char buf[4096];
    const char *env = getenv("EMB_SHARED_DIR");
    snprintf(buf, sizeof buf, "%s/testdata", env ? env : "../shared");
    struct stat st;
    if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
        return buf;
    return NULL;
}

const char *emb_test_require_shared(const char *suite)
{
    const char *d = emb_test_shared_dir();
    if (d)
        return d;
    const char *ci = getenv("CI");
    if (ci && strcmp(ci, "true") == 0) {
        printf("Bail out! %s needs ../shared/testdata (EMB_SHARED_DIR=%s) and CI=true\n", suite,
               getenv("EMB_SHARED_DIR") ? getenv("EMB_SHARED_DIR") : "unset");
        exit(1);
    }
    printf("1..0 # SKIP %s: ../shared/testdata not found (set EMB_SHARED_DIR)\n", suite);
    exit(0);
}

const char *emb_test_src_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("EMB_SOURCE_ROOT");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
    return buf;
}

char *emb_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/embodied-test-XXXXXX", base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

void emb_test_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int emb_test_close(double a, double b, double rtol, double floor)
{
    if (isnan(a) || isnan(b))
        return 0;
    double scale = fmax(fmax(fabs(a), fabs(b)), floor);
    return fabs(a - b) <= rtol * scale;
}

int emb_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
