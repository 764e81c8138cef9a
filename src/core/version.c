/* src/core/version.c — version string and a description of the BLAS in use
 * (OpenBLAS kernel and threads), printed by --version and the benchmarks. */
#include "embodied/version.h"

#include <stdio.h>

/* OpenBLAS extensions (declared in its cblas.h, repeated here so the file
 * does not depend on which cblas.h is first on the include path). */
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);
extern char *openblas_get_config(void);

const char *emb_version(void) { return EMB_VERSION_STRING; }

const char *emb_blas_info(void)
{
    static _Thread_local char buf[256];
    snprintf(buf, sizeof buf, "OpenBLAS core %s, %d threads (%s)", openblas_get_corename(),
             openblas_get_num_threads(), openblas_get_config());
    return buf;
}
