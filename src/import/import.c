/* src/import/import.c — the public importer entries: each binds the
 * options' context (embodied/context.h) for the call and, when the options
 * have no progress callback, takes the context's. */
#include "core/context_impl.h"
#include "import/importers.h"

#include <string.h>

typedef emb_status (*importer)(const char *, const emb_import_opts *, emb_table **);

static emb_status run(importer fn, const char *path, const emb_import_opts *opts, emb_table **out)
{
    emb_import_opts o;
    if (opts)
        o = *opts;
    else
        memset(&o, 0, sizeof o);
    emb_ctx_frame f;
    emb_ctx_enter(&f, o.ctx);
    if (!o.progress)
        o.progress = emb_ctx_progress(&o.progress_ctx);
    emb_status st = fn(path, &o, out);
    emb_ctx_leave(&f);
    return st;
}

emb_status emb_import_pymrio(const char *path, const emb_import_opts *opts, emb_table **out)
{
    return run(emb_import_pymrio_run, path, opts, out);
}

emb_status emb_import_eora26(const char *path, const emb_import_opts *opts, emb_table **out)
{
    return run(emb_import_eora26_run, path, opts, out);
}

emb_status emb_import_oecd_icio(const char *path, const emb_import_opts *opts, emb_table **out)
{
    return run(emb_import_oecd_icio_run, path, opts, out);
}

emb_status emb_import_csv(const char *path, const emb_import_opts *opts, emb_table **out)
{
    return run(emb_import_csv_run, path, opts, out);
}

emb_status emb_import_gloria(const char *path, const emb_import_opts *opts, emb_table **out)
{
    return run(emb_import_gloria_run, path, opts, out);
}
