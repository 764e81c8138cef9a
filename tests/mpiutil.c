/* tests/mpiutil.c — see mpiutil.h. */
#include "mpiutil.h"

#include <check.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

static const char *exe_path(void)
{
    static char exe[4096];
    const char *b = getenv("EMB_BUILD_ROOT");
    snprintf(exe, sizeof exe, "%s/embodied", b ? b : "build");
    return exe;
}

static const char *mpirun_path(void)
{
    const char *m = getenv("EMB_MPIRUN");
    return m && *m ? m : "mpirun";
}

/* Environment of every launch: root allowed (containers), more ranks than
 * cores, one BLAS thread per rank, shared-memory transport without the
 * kernel's cross-memory attach (often denied in containers). */
#define MPI_ENV                                                                                    \
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "                                   \
    "OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none "           \
    "OPENBLAS_NUM_THREADS=1 "

static int run_cmd(const char *dir, const char *launch, int timeout_s, char **err)
{
    char *cmd = malloc(65536), errf[4200];
    ck_assert_ptr_nonnull(cmd);
    snprintf(errf, sizeof errf, "%s/mpi_stderr.txt", dir);
    snprintf(cmd, 65536, "cd '%s' && " MPI_ENV "timeout -k 10 %d %s >'%s/mpi_stdout.txt' 2>'%s'",
             dir, timeout_s, launch, dir, errf);
    int rc = system(cmd);
    size_t len = 0;
    *err = emb_test_slurp(errf, &len);
    if (!*err)
        *err = strdup("");
    if (strlen(*err) > 3000) /* Check's messages are bounded: keep the start, say so */
        strcpy(*err + 2980, "\n[... cut]\n");
    ck_assert_msg(WIFEXITED(rc), "%s: killed by a signal", cmd);
    free(cmd);
    return WEXITSTATUS(rc);
}

int mpi_run(const char *dir, int np, const char *args, int timeout_s, char **err)
{
    char *launch = malloc(32768);
    ck_assert_ptr_nonnull(launch);
    if (np > 0)
        snprintf(launch, 32768, "'%s' -np %d '%s' %s", mpirun_path(), np, exe_path(), args);
    else
        snprintf(launch, 32768, "'%s' %s", exe_path(), args);
    int rc = run_cmd(dir, launch, timeout_s, err);
    free(launch);
    return rc;
}

int mpi_run_mpmd(const char *dir, const char *mpmd, int timeout_s, char **err)
{
    char *launch = malloc(65536);
    ck_assert_ptr_nonnull(launch);
    size_t n = (size_t)snprintf(launch, 65536, "'%s' ", mpirun_path());
    for (const char *p = mpmd; *p && n < 60000;) {
        if (!strncmp(p, "EXE", 3)) {
            n += (size_t)snprintf(launch + n, 65536 - n, "'%s'", exe_path());
            p += 3;
        } else {
            launch[n++] = *p++;
            launch[n] = 0;
        }
    }
    int rc = run_cmd(dir, launch, timeout_s, err);
    free(launch);
    return rc;
}

size_t mpi_count_lines(const char *text, const char *needle)
{
    size_t n = 0;
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *copy = strndup(line, len);
        n += strstr(copy, needle) != NULL;
        free(copy);
        line = end ? end + 1 : NULL;
    }
    return n;
}

double *mpi_read_dataset(const char *path, const char *name, size_t *n)
{
    *n = 0;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_msg(f >= 0, "cannot open %s", path);
    double *v = NULL;
    if (H5Lexists(f, name, H5P_DEFAULT) > 0) {
        int rank = 0;
        ck_assert_int_ge(H5LTget_dataset_ndims(f, name, &rank), 0);
        hsize_t dims[3] = {1, 1, 1};
        ck_assert_int_ge(H5LTget_dataset_info(f, name, dims, NULL, NULL), 0);
        size_t cnt = 1;
        for (int i = 0; i < rank; i++)
            cnt *= (size_t)dims[i];
        v = malloc((cnt ? cnt : 1) * sizeof *v);
        ck_assert_int_ge(H5LTread_dataset_double(f, name, v), 0);
        *n = cnt;
    }
    H5Fclose(f);
    return v;
}

double mpi_compare_results(const char *path, const emb_accounts *a, double rtol, double floor_rel)
{
    static const struct {
        const char *name;
        emb_accounts_field f;
    } fields[] = {{"pba", EMB_ACC_PBA},
                  {"cba", EMB_ACC_CBA},
                  {"imports", EMB_ACC_IMPORTS},
                  {"exports", EMB_ACC_EXPORTS},
                  {"unallocated", EMB_ACC_UNALLOCATED},
                  {"fy", EMB_ACC_FY},
                  {"flows", EMB_ACC_FLOWS},
                  {"M", EMB_ACC_M},
                  {"x", EMB_ACC_X},
                  {"D_cba", EMB_ACC_D_CBA},
                  {"D_pba", EMB_ACC_D_PBA},
                  {"D_imp", EMB_ACC_D_IMP},
                  {"D_exp", EMB_ACC_D_EXP},
                  {"flows_by_sector", EMB_ACC_FLOWS_BY_SECTOR},
                  {"group_pba", EMB_ACC_G_PBA},
                  {"group_cba", EMB_ACC_G_CBA},
                  {"group_imports", EMB_ACC_G_IMPORTS},
                  {"group_exports", EMB_ACC_G_EXPORTS},
                  {"group_unallocated", EMB_ACC_G_UNALLOCATED}};
    double worst = 0;
    size_t compared = 0;
    for (size_t q = 0; q < sizeof fields / sizeof fields[0]; q++) {
        size_t ne = 0, nf = 0;
        const double *want = emb_accounts_array(a, fields[q].f, &ne);
        double *got = mpi_read_dataset(path, fields[q].name, &nf);
        ck_assert_msg((want != NULL) == (got != NULL), "%s: %s %s in one result only", path,
                      fields[q].name, want ? "missing" : "present");
        if (!want) {
            free(got);
            continue;
        }
        ck_assert_uint_eq(ne, nf);
        double big = 0;
        for (size_t i = 0; i < ne; i++)
            big = fmax(big, fabs(want[i]));
        for (size_t i = 0; i < ne; i++) {
            double scale = fmax(fmax(fabs(want[i]), fabs(got[i])), floor_rel * big);
            double e = scale > 0 ? fabs(want[i] - got[i]) / scale : 0;
            ck_assert_msg(!isnan(got[i]) && e <= rtol, "%s: %s[%zu] = %.17g, serial dense %.17g "
                          "(relative difference %.3g > %.3g)", path, fields[q].name, i, got[i],
                          want[i], e, rtol);
            worst = fmax(worst, e);
        }
        compared++;
        free(got);
    }
    ck_assert_uint_ge(compared, 8);
    return worst;
}
