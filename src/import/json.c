/* src/import/json.c — strict recursive-descent JSON parser into an emb_json
 * tree (see json.h). */
#include "import/json.h"

#include "core/alloc.h"
#include "core/error_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_BYTES ((size_t)1 << 20)
#define JSON_MAX_DEPTH 64
/* Items of one array or object: parameter files hold a few dozen; the cap
 * keeps the duplicate-key check (pairwise) and the tree (about 80 bytes per
 * item, ~40 times the text of "0,") small for any 1 MiB file. */
#define JSON_MAX_ITEMS 10000

typedef struct parser {
    const char *p, *end;
    const char *name;
    size_t line;
    int depth;
} parser;

static emb_status jfail(const parser *ps, const char *fmt, ...) EMB_PRINTF(2, 3);
static emb_status jfail(const parser *ps, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return emb_raise(EMB_EINPUT, "%s: line %zu: invalid JSON: %s", ps->name, ps->line, msg);
}

/* What is at the cursor, for messages: "'x'" or "end of file". */
static const char *found(const parser *ps, char *buf, size_t n)
{
    if (ps->p >= ps->end)
        return "end of file";
    unsigned char c = (unsigned char)*ps->p;
    if (c < 0x20 || c >= 0x7f)
        snprintf(buf, n, "byte 0x%02x", c);
    else
        snprintf(buf, n, "'%c'", c);
    return buf;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end) {
        char c = *ps->p;
        if (c == '\n')
            ps->line++;
        else if (c != ' ' && c != '\t' && c != '\r')
            return;
        ps->p++;
    }
}

static void free_contents(emb_json *v)
{
    emb_free(v->string);
    for (size_t i = 0; i < v->n; i++) {
        free_contents(&v->items[i]);
        if (v->keys)
            emb_free(v->keys[i]);
    }
    emb_free(v->items);
    emb_free(v->keys);
    memset(v, 0, sizeof *v);
}

void emb_json_free(emb_json *v)
{
    if (!v)
        return;
    free_contents(v);
    emb_free(v);
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* Parse a string at the cursor (on '"') into a new C string *out. */
static emb_status parse_string(parser *ps, char **out)
{
    *out = NULL;
    const char *s = ++ps->p; /* past the opening quote */
    /* Find the closing quote first: the raw length bounds the decoded one
     * (every escape is at least as long as the UTF-8 it stands for). */
    const char *q = s;
    while (q < ps->end && *q != '"') {
        if (*q == '\\' && q + 1 < ps->end)
            q++;
        q++;
    }
    if (q >= ps->end)
        return jfail(ps, "string has no closing quote");
    char *str = emb_alloc((size_t)(q - s) + 1, 1, "JSON string");
    if (!str)
        return EMB_ENOMEM;
    char *w = str;
    const char *p = s;
    while (p < q) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20) {
            emb_free(str);
            return jfail(ps, "control character 0x%02x inside a string (escape it)", c);
        }
        if (c != '\\') {
            *w++ = (char)c, p++;
            continue;
        }
        char e = p[1];
        p += 2;
        switch (e) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (q - p < 4 || hex4(p, &cp) != 0) {
                emb_free(str);
                return jfail(ps, "\\u must be followed by 4 hex digits");
            }
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* high surrogate: a low one must follow */
                if (q - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) != 0 ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    emb_free(str);
                    return jfail(ps, "unpaired UTF-16 surrogate \\u%04X", cp);
                }
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                emb_free(str);
                return jfail(ps, "unpaired UTF-16 surrogate \\u%04X", cp);
            } else if (cp == 0) {
                emb_free(str);
                return jfail(ps, "\\u0000 inside a string is not supported");
            }
            w = put_utf8(w, cp);
            break;
        }
        default:
            emb_free(str);
            return jfail(ps, "invalid escape '\\%c' in a string", e >= 0x20 ? e : '?');
        }
    }
    *w = '\0';
    ps->p = q + 1;
    *out = str;
    return EMB_OK;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static emb_status parse_number(parser *ps, emb_json *v)
{
    const char *s = ps->p, *p = s;
    if (p < ps->end && *p == '-')
        p++;
    if (p < ps->end && *p == '0')
        p++;
    else if (p < ps->end && is_digit(*p))
        while (p < ps->end && is_digit(*p))
            p++;
    else
        return jfail(ps, "invalid number");
    if (p < ps->end && *p == '.') {
        if (++p >= ps->end || !is_digit(*p))
            return jfail(ps, "invalid number: digits must follow '.'");
        while (p < ps->end && is_digit(*p))
            p++;
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < ps->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= ps->end || !is_digit(*p))
            return jfail(ps, "invalid number: digits must follow the exponent");
        while (p < ps->end && is_digit(*p))
            p++;
    }
    char nb[128];
    size_t len = (size_t)(p - s);
    if (len >= sizeof nb)
        return jfail(ps, "number longer than %zu characters", sizeof nb - 1);
    memcpy(nb, s, len);
    nb[len] = '\0';
    v->type = EMB_JSON_NUMBER;
    v->number = strtod(nb, NULL); /* grammar checked above; overflow gives +-HUGE_VAL */
    ps->p = p;
    return EMB_OK;
}

static emb_status parse_value(parser *ps, emb_json *v);

/* Append *item (moved) and its key (moved, may be NULL) to container v.
 * The arrays grow to powers of two (the capacity is implied by n), so a
 * long array costs linear, not quadratic, copying. */
static emb_status append(emb_json *v, emb_json *item, char *key)
{
    int grow = v->n == 0 || (v->n >= 8 && (v->n & (v->n - 1)) == 0);
    size_t cap = v->n == 0 ? 8 : 2 * v->n;
    emb_json *ni = grow ? emb_realloc(v->items, cap, sizeof *ni, "JSON items") : v->items;
    if (ni)
        v->items = ni;
    char **nk = v->keys;
    if (ni && grow && v->type == EMB_JSON_OBJECT &&
        (nk = emb_realloc(v->keys, cap, sizeof *nk, "JSON keys")))
        v->keys = nk;
    if (!ni || (v->type == EMB_JSON_OBJECT && !nk)) {
        free_contents(item);
        emb_free(key);
        return EMB_ENOMEM;
    }
    v->items[v->n] = *item;
    if (v->type == EMB_JSON_OBJECT)
        v->keys[v->n] = key;
    v->n++;
    return EMB_OK;
}

static emb_status parse_container(parser *ps, emb_json *v, int object)
{
    char close = object ? '}' : ']', fb[16];
    v->type = object ? EMB_JSON_OBJECT : EMB_JSON_ARRAY;
    if (++ps->depth > JSON_MAX_DEPTH)
        return jfail(ps, "nesting deeper than %d levels", JSON_MAX_DEPTH);
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return EMB_OK;
    }
    for (;;) {
        char *key = NULL;
        emb_status st;
        skip_ws(ps);
        if (v->n >= JSON_MAX_ITEMS)
            return jfail(ps, "more than %d items in one %s (not a parameter file?)", JSON_MAX_ITEMS,
                         object ? "object" : "array");
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"')
                return jfail(ps, "expected a key string, found %s", found(ps, fb, sizeof fb));
            if ((st = parse_string(ps, &key)) != EMB_OK)
                return st;
            for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->keys[i], key) == 0) {
                    st = jfail(ps, "duplicate key \"%.100s\"", key);
                    emb_free(key);
                    return st;
                }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                emb_free(key);
                return jfail(ps, "expected ':' after a key, found %s", found(ps, fb, sizeof fb));
            }
            ps->p++;
        }
        emb_json item;
        memset(&item, 0, sizeof item);
        if ((st = parse_value(ps, &item)) != EMB_OK) {
            free_contents(&item);
            emb_free(key);
            return st;
        }
        if ((st = append(v, &item, key)) != EMB_OK)
            return st;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == close)
                return jfail(ps, "trailing comma before '%c'", close);
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return EMB_OK;
        }
        return jfail(ps, "expected ',' or '%c', found %s", close, found(ps, fb, sizeof fb));
    }
}

static int literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return 0;
    ps->p += n;
    return 1;
}

/* Parse one value into v (zeroed by the caller); on failure v holds only
 * what free_contents() releases. */
static emb_status parse_value(parser *ps, emb_json *v)
{
    char fb[16];
    skip_ws(ps);
    v->line = ps->line;
    if (ps->p >= ps->end)
        return jfail(ps, "expected a value, found end of file");
    switch (*ps->p) {
    case '{': return parse_container(ps, v, 1);
    case '[': return parse_container(ps, v, 0);
    case '"':
        v->type = EMB_JSON_STRING;
        return parse_string(ps, &v->string);
    case 't':
    case 'f':
    case 'n':
        if (literal(ps, "true")) {
            v->type = EMB_JSON_BOOL;
            v->boolean = 1;
            return EMB_OK;
        }
        if (literal(ps, "false")) {
            v->type = EMB_JSON_BOOL;
            return EMB_OK;
        }
        if (literal(ps, "null")) {
            v->type = EMB_JSON_NULL;
            return EMB_OK;
        }
        return jfail(ps, "unknown literal (expected true, false or null)");
    default:
        if (*ps->p == '-' || is_digit(*ps->p))
            return parse_number(ps, v);
        return jfail(ps, "expected a value, found %s", found(ps, fb, sizeof fb));
    }
}

emb_status emb_json_parse(const char *text, size_t len, const char *name, emb_json **out)
{
    *out = NULL;
    parser ps = {text, text + len, name, 1, 0};
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        ps.p += 3;
    emb_json *v = emb_calloc(1, sizeof *v, "JSON value");
    if (!v)
        return EMB_ENOMEM;
    emb_status st = parse_value(&ps, v);
    if (st == EMB_OK) {
        char fb[16];
        skip_ws(&ps);
        if (ps.p < ps.end)
            st = jfail(&ps, "unexpected %s after the end of the document", found(&ps, fb, sizeof fb));
    }
    if (st != EMB_OK) {
        emb_json_free(v);
        return st;
    }
    *out = v;
    return EMB_OK;
}

emb_status emb_json_read(emb_bytesrc *src, emb_json **out)
{
    *out = NULL;
    size_t cap = 4096, len = 0;
    char *buf = emb_alloc(cap, 1, "JSON text");
    if (!buf)
        return EMB_ENOMEM;
    emb_status st = EMB_OK;
    for (;;) {
        if (len > JSON_MAX_BYTES) {
            st = emb_raise(EMB_EINPUT, "%s: larger than %zu bytes (not a parameter file?)",
                           emb_bytesrc_name(src), JSON_MAX_BYTES);
            break;
        }
        if (len == cap) {
            if (cap > JSON_MAX_BYTES) {
                st = emb_raise(EMB_EINPUT, "%s: larger than %zu bytes (not a parameter file?)",
                               emb_bytesrc_name(src), JSON_MAX_BYTES);
                break;
            }
            char *nb = emb_realloc(buf, 2 * cap, 1, "JSON text");
            if (!nb) {
                st = EMB_ENOMEM;
                break;
            }
            buf = nb, cap *= 2;
        }
        size_t got = 0;
        if ((st = emb_bytesrc_read(src, buf + len, cap - len, &got)) != EMB_OK || got == 0)
            break;
        len += got;
    }
    if (st == EMB_OK)
        st = emb_json_parse(buf, len, emb_bytesrc_name(src), out);
    emb_free(buf);
    return st;
}

const emb_json *emb_json_get(const emb_json *v, const char *key)
{
    if (!v || v->type != EMB_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return &v->items[i];
    return NULL;
}

const char *emb_json_str(const emb_json *v)
{
    return v && v->type == EMB_JSON_STRING ? v->string : NULL;
}
