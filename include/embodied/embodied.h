/* embodied/embodied.h — umbrella header of the embodied library. */
#ifndef EMBODIED_H
#define EMBODIED_H

#include "embodied/error.h"
#include "embodied/memory.h"
#include "embodied/context.h"
#include "embodied/progress.h"
#include "embodied/csr.h"
#include "embodied/table.h"
#include "embodied/io.h"
#include "embodied/import.h"
#include "embodied/solver.h"
#include "embodied/accounts.h"
#include "embodied/characterize.h"
#include "embodied/results.h"
#include "embodied/drilldown.h"
#include "embodied/cbam.h"
#include "embodied/sda.h"
#include "embodied/report.h"
#include "embodied/synth.h"
#include "embodied/spa.h"
#include "embodied/version.h"
#include "embodied/mpi.h"

#endif
