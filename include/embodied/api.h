/* embodied/api.h — EMB_API, the mark of the library's public functions.
 *
 * The shared library is built with hidden symbol visibility: a function is
 * exported (part of the ABI of libembodied.so.0) only when its declaration in
 * include/embodied/ carries EMB_API.  Everything else, internal functions
 * used across the library's own files and by its tests through the static
 * library, stays invisible to programs linking the shared one
 * (tests/exported_symbols.py checks both directions).  Compilers other than
 * GCC and clang get an empty EMB_API (everything then follows their
 * defaults). */
#ifndef EMBODIED_API_H
#define EMBODIED_API_H

#if defined(__GNUC__) || defined(__clang__)
#define EMB_API __attribute__((visibility("default")))
#else
#define EMB_API
#endif

#endif
