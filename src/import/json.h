/* src/import/json.h — a small strict JSON parser (internal), enough for the
 * file_parameters.json / metadata.json files of the pymrio layout.
 *
 * RFC 8259 grammar: objects, arrays, strings (all escapes, \u surrogate pairs
 * to UTF-8; "\u0000" is refused so strings stay C strings), numbers, true,
 * false, null.  Refused as errors naming the file and line: trailing commas,
 * comments, duplicate keys, anything after the top-level value, nesting deeper
 * than 64, files larger than 1 MiB.  A UTF-8 byte-order mark is skipped.
 */
#ifndef EMB_IMPORT_JSON_H
#define EMB_IMPORT_JSON_H

#include <stddef.h>

#include "embodied/error.h"
#include "import/bytesrc.h"

typedef enum emb_json_type {
    EMB_JSON_NULL = 0,
    EMB_JSON_BOOL,
    EMB_JSON_NUMBER,
    EMB_JSON_STRING,
    EMB_JSON_ARRAY,
    EMB_JSON_OBJECT
} emb_json_type;

typedef struct emb_json {
    emb_json_type type;
    size_t line;            /* 1-based line where the value starts */
    int boolean;            /* EMB_JSON_BOOL */
    double number;          /* EMB_JSON_NUMBER */
    char *string;           /* EMB_JSON_STRING, UTF-8, NUL-terminated */
    size_t n;               /* ARRAY / OBJECT: number of items */
    char **keys;            /* OBJECT: [n] keys, in file order */
    struct emb_json *items; /* ARRAY / OBJECT: [n] values */
} emb_json;

/* Parse text[0, len) of the file called `name` (for messages).  *out owned
 * by the caller (emb_json_free). */
emb_status emb_json_parse(const char *text, size_t len, const char *name, emb_json **out);

/* Read all of src (at most 1 MiB) and parse it. */
emb_status emb_json_read(emb_bytesrc *src, emb_json **out);

/* Member `key` of an object, or NULL (also when v is NULL or not an object). */
const emb_json *emb_json_get(const emb_json *v, const char *key);

/* The string of v, or NULL when v is NULL or not a string. */
const char *emb_json_str(const emb_json *v);

/* Free; NULL is a no-op. */
void emb_json_free(emb_json *v);

#endif
