# tests/python/results_ncdf4.R — R's ncdf4 reads results.h5 with the right
# axes (run by test_results_netcdf.py): column-major R lists the dimensions
# reversed, by name, and flows[destination, origin, stressor] is the CSV's
# origin -> destination value.  Args: results.h5 origin destination value.
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(ncdf4))
nc <- nc_open(args[1])
fail <- function(...) { cat("not ok:", ..., "\n"); quit(status = 1) }
dims <- sapply(nc$var[["flows"]]$dim, function(d) d$name)
if (!identical(dims, c("destination", "origin", "stressor")))
    fail("flows dimensions", paste(dims, collapse = ","))
regions <- ncvar_get(nc, "region")
flows <- ncvar_get(nc, "flows", collapse_degen = FALSE)
o <- match(args[2], regions); d <- match(args[3], regions)
if (is.na(o) || is.na(d)) fail("labels", paste(regions, collapse = ","))
v <- flows[d, o, 1]
want <- as.numeric(args[4])
if (v != want) fail("flows[", args[3], ",", args[2], "] =", format(v, digits = 17), "want", args[4])
u <- ncatt_get(nc, "pba", "units")
if (!u$hasatt || u$value != "kt") fail("pba units", u$value)
pdims <- sapply(nc$var[["pba"]]$dim, function(d) d$name)
if (!identical(pdims, c("region", "stressor"))) fail("pba dimensions", paste(pdims, collapse = ","))
nc_close(nc)
cat("ok\n")
