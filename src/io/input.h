/* src/io/input.h — the type of an input, checked once before it is opened:
 * a FIFO, a device or a socket given as an input would block the reader (a
 * FIFO without a writer blocks open(2) forever) or feed it endless bytes, so
 * every reader refuses them up front, naming the file (issue 11, write side
 * 8). */
#ifndef EMB_IO_INPUT_H
#define EMB_IO_INPUT_H

#include "embodied/error.h"

/* EMB_EINPUT "<path>: is a FIFO (named pipe), not a regular file (expected
 * <what>)" when path exists and is neither a regular file
 * nor a directory; EMB_OK otherwise (a missing file is left to the caller's
 * open, which names the error).  stat(2) never blocks on a FIFO. */
emb_status emb_input_check_type(const char *path, const char *what);

#endif
