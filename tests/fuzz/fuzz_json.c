/* tests/fuzz/fuzz_json.c — fuzz target: the internal JSON parser
 * (src/import/json.c) on the raw input, and on success a walk over every
 * value (so that the sanitizers check each string and array it built) and
 * the lookups the importers make. */
#include "fuzz.h"
#include "import/json.h"

#include <string.h>

static size_t walk(const emb_json *v)
{
    size_t sum = 0;
    switch (v->type) {
    case EMB_JSON_STRING:
        return strlen(v->string);
    case EMB_JSON_OBJECT:
        for (size_t i = 0; i < v->n; i++)
            sum += strlen(v->keys[i]) + (emb_json_get(v, v->keys[i]) == &v->items[i]);
        /* fall through */
    case EMB_JSON_ARRAY:
        for (size_t i = 0; i < v->n; i++)
            sum += walk(&v->items[i]);
        return sum;
    default:
        return v->line;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    emb_json *doc = NULL;
    if (emb_json_parse((const char *)data, size, "fuzz.json", &doc) == EMB_OK) {
        volatile size_t sink = walk(doc);
        (void)sink;
        (void)emb_json_str(emb_json_get(emb_json_get(doc, "files"), "name"));
    }
    emb_json_free(doc);
    return 0;
}
