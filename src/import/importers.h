/* src/import/importers.h — the importers' bodies (internal).  The public
 * emb_import_* entries (src/import/import.c) bind the caller's context and
 * its progress callback, then call these. */
#ifndef EMB_IMPORTERS_H
#define EMB_IMPORTERS_H

#include "embodied/import.h"

emb_status emb_import_pymrio_run(const char *path, const emb_import_opts *opts, emb_table **out);
emb_status emb_import_eora26_run(const char *path, const emb_import_opts *opts, emb_table **out);
emb_status emb_import_oecd_icio_run(const char *path, const emb_import_opts *opts, emb_table **out);
emb_status emb_import_csv_run(const char *path, const emb_import_opts *opts, emb_table **out);
emb_status emb_import_gloria_run(const char *path, const emb_import_opts *opts, emb_table **out);

#endif
