/* tests/fuzz/fuzz_eora26.c — fuzz target: emb_import_eora26 on an Eora26
 * download given in the container format (fuzz.h): a folder, or the zip when
 * the first entry is one (labels may then come in an "indices.zip" entry
 * beside it).  Tables that load go through the accounts. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emb_fuzz_input in;
    if (emb_fuzz_unpack(data, size, &in) != 0)
        return 0;
    emb_table *t = NULL;
    emb_status st = emb_import_eora26(in.first_is_zip ? in.first : in.root, &in.opts, &t);
    emb_fuzz_note("emb_import_eora26", st);
    if (st == EMB_OK)
        emb_fuzz_use_table(t);
    emb_table_free(t);
    return 0;
}
