/* src/io/input.c — the input type check of input.h. */
#include "io/input.h"

#include "core/error_impl.h"

#include <sys/stat.h>

emb_status emb_input_check_type(const char *path, const char *what)
{
    struct stat sb;
    if (!path || stat(path, &sb) != 0 || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode))
        return EMB_OK;
    const char *kind = S_ISFIFO(sb.st_mode)   ? "a FIFO (named pipe)"
                       : S_ISCHR(sb.st_mode)  ? "a character device"
                       : S_ISBLK(sb.st_mode)  ? "a block device"
                       : S_ISSOCK(sb.st_mode) ? "a socket"
                                              : "not a regular file";
    return emb_raise(EMB_EINPUT, "%s: is %s, not a regular file (expected %s)", path, kind,
                     what ? what : "an input file");
}
