/* tests/fuzz/replay.c — the regression driver: a main() for a fuzz harness
 * built without libFuzzer (gcc, the release and sanitizer builds of `meson
 * test`).  Feeds every file named on the command line, or found (sorted,
 * recursively) in a folder named there, to LLVMFuzzerTestOneInput once: the
 * seed corpus and tests/fuzz/regressions/<target>/, the minimised inputs of
 * every crash, leak and timeout the fuzzer found.  A bug shows as a crash or
 * a sanitizer report; the count of inputs is printed so that an empty folder
 * (a wrong path) does not pass unnoticed. */
#define _XOPEN_SOURCE 700
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static size_t n_run;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory reading %s\n", path);
        return -1;
    }
    /* An exact-size copy, so that ASan catches a read one byte past the end
     * as libFuzzer's own copy would. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    if (getenv("EMB_REPLAY_VERBOSE"))
        fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    n_run++;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "replay: %s: no such file or folder\n", path);
        return -1;
    }
    if (!S_ISDIR(sb.st_mode))
        return run_file(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        if (de->d_name[0] == '.') /* ".", "..", .gitkeep */
            continue;
        if (n == cap) {
            char **nv = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *nv);
            if (!nv) {
                rc = -1;
                break;
            }
            names = nv;
        }
        if (!(names[n] = malloc(strlen(path) + strlen(de->d_name) + 2))) {
            rc = -1;
            break;
        }
        sprintf(names[n++], "%s/%s", path, de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && run_path(names[i]) != 0)
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;
    for (int i = 1; i < argc; i++)
        if (run_path(argv[i]) != 0)
            rc = 1;
    printf("replay: %zu input%s, no crash\n", n_run, n_run == 1 ? "" : "s");
    if (n_run == 0) {
        fprintf(stderr, "replay: no input found\n");
        rc = 1;
    }
    return rc;
}
