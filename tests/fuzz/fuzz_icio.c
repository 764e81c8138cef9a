/* tests/fuzz/fuzz_icio.c — fuzz target: emb_import_oecd_icio on the file (or
 * zip) named by the first entry of an input in the container format
 * (fuzz.h); a stressor table comes in through "@options" ("stressors_csv
 * stressors.csv" and a "stressors.csv" entry).  Tables that load go through
 * the accounts. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emb_fuzz_input in;
    if (emb_fuzz_unpack(data, size, &in) != 0)
        return 0;
    emb_table *t = NULL;
    emb_status st = emb_import_oecd_icio(in.first, &in.opts, &t);
    emb_fuzz_note("emb_import_oecd_icio", st);
    if (st == EMB_OK)
        emb_fuzz_use_table(t);
    emb_table_free(t);
    return 0;
}
