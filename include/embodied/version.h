/* embodied/version.h — library version and build information. */
#ifndef EMBODIED_VERSION_H
#define EMBODIED_VERSION_H

#define EMB_VERSION_STRING "0.1.0"

/* "0.1.0" */
const char *emb_version(void);
/* One line naming the BLAS/LAPACK in use: OpenBLAS core and thread count. */
const char *emb_blas_info(void);

#endif
