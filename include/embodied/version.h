/* embodied/version.h — library version and build information. */
#ifndef EMBODIED_VERSION_H
#define EMBODIED_VERSION_H

#include "embodied/api.h"

#define EMB_VERSION_STRING "0.1.0"

/* "0.1.0" */
EMB_API const char *emb_version(void);
/* One line naming the BLAS/LAPACK in use: OpenBLAS core and thread count. */
EMB_API const char *emb_blas_info(void);

#endif
