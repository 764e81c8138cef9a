/* src/results/results_nc.h — the netCDF-4 description of the results HDF5
 * file (internal; src/results/results_nc.c). */
#ifndef EMB_RESULTS_NC_H
#define EMB_RESULTS_NC_H

#include <hdf5.h>

#include "embodied/error.h"
#include "embodied/table.h"
#include "embodied/accounts.h"

/* Make the open results file f (every dataset already written; fn names it
 * in messages) a netCDF-4 file: coordinate variables stressor, region,
 * origin, destination, sector, sector_index (+ sector_region, sector_name)
 * and group as HDF5 dimension scales, each dataset's axes attached to them,
 * long_name / units / coordinates attributes, the root attribute
 * dimension_order.  The stressor axis is the accounts' (a subset of the
 * table's after accounts --stressor); a NULL a means the table's. */
emb_status emb_results_h5_netcdf(hid_t f, const char *fn, const emb_accounts *a,
                                 const emb_table *t);

#endif
