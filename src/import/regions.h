/* src/import/regions.h — region renamings an importer may apply to the
 * labels it read (internal; `embodied import --rename-regions SCHEME`).
 *
 * Schemes:
 *   "exiobase3"  pymrio's parse_exiobase3 renaming: the 3-letter codes of
 *                older EXIOBASE 3 releases (3.4: AUS, AUT, ..., WWF) to the
 *                2-letter ones of current releases (AU, AT, ..., WF); the
 *                same 49 pairs as pymrio (note ROM -> RO, not ROU); codes not
 *                in the list are kept.
 */
#ifndef EMB_IMPORT_REGIONS_H
#define EMB_IMPORT_REGIONS_H

#include <stddef.h>

#include "embodied/error.h"
#include "embodied/table.h"

/* Is `scheme` known?  EMB_EUSAGE naming the known schemes otherwise. */
emb_status emb_regions_scheme_check(const char *scheme);

/* Rename t's regions by `scheme` (path names the input in messages).
 * *renamed = the number of regions renamed.  EMB_EINPUT when a new name is
 * already a region of t (a table holding both AUS and AU), t unchanged;
 * EMB_EUSAGE for an unknown scheme. */
emb_status emb_regions_rename(emb_table *t, const char *scheme, const char *path, size_t *renamed);

#endif
