/* tests/mpiutil.h — helpers of the MPI suites (test_mpi, test_mpi_shared):
 * run `mpirun -np P embodied ...` under a timeout (a hang fails the test by
 * its exit status, never by a clock assertion), read a results file back,
 * and compare it with accounts computed serially in the test process. */
#ifndef EMB_MPIUTIL_H
#define EMB_MPIUTIL_H

#include "embodied/embodied.h"

/* Run `mpirun -np P embodied ARGS` (OPENBLAS_NUM_THREADS=1 per rank,
 * oversubscribed, as root where needed) under `timeout` seconds, in
 * directory dir; stderr in *err (malloc'd, its first 3,000 bytes).  Returns the exit status (124:
 * timed out, i.e. a hang).  np 0: run the binary alone (a singleton). */
int mpi_run(const char *dir, int np, const char *args, int timeout_s, char **err);

/* The same with a full launcher line after `mpirun`: "-np 1 EXE ... : -np 1
 * EXE ..." where every EXE in mpmd is replaced by the binary's path. */
int mpi_run_mpmd(const char *dir, const char *mpmd, int timeout_s, char **err);

/* Number of lines of text that contain needle. */
size_t mpi_count_lines(const char *text, const char *needle);

/* Dataset `name` of HDF5 file `path` (doubles) or NULL when absent; *n its
 * number of elements. */
double *mpi_read_dataset(const char *path, const char *name, size_t *n);

/* Assert that every account array of `a` equals the results file's within
 * rtol, element by element relative to the larger of the two values and
 * floor_rel times the array's largest magnitude; returns the worst relative
 * difference seen. */
double mpi_compare_results(const char *path, const emb_accounts *a, double rtol, double floor_rel);

#endif
