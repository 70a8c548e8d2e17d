/* What the library does where glibc's iconv crashes or misbehaves: null, invalid and closed
 * handles, null names, many handles at once. Run with the library preloaded or linked; exits 0
 * when every check holds, and says which failed otherwise. (glibc itself crashes on several of
 * these, so this program is not run on glibc.)
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Using a handle after closing it is the misuse checked here: the compiler is told not to warn. */
#pragma GCC diagnostic ignored "-Wuse-after-free"

static int failures = 0;

#define CHECK(condition)                                                                     \
    do {                                                                                     \
        if (!(condition)) {                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s (errno %d)\n", __FILE__, __LINE__,    \
                    #condition, errno);                                                      \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

static size_t convert(iconv_t cd, const char *in, size_t len, char *out, size_t size) {
    char *ip = (char *)in, *op = out;
    size_t il = len, ol = size;
    return iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ? (size_t)-1 : size - ol;
}

int main(void) {
    char in[] = "caf\xe9", out[64], *ip = in, *op = out;
    size_t il = 4, ol = sizeof out;

    /* A null or failed handle is EBADF. */
    errno = 0;
    CHECK(iconv((iconv_t)0, &ip, &il, &op, &ol) == (size_t)-1 && errno == EBADF);
    errno = 0;
    CHECK(iconv((iconv_t)-1, &ip, &il, &op, &ol) == (size_t)-1 && errno == EBADF);
    errno = 0;
    CHECK(iconv_close((iconv_t)0) == -1 && errno == EBADF);

    /* Null names are refused, not dereferenced. */
    errno = 0;
    CHECK(iconv_open(NULL, "ISO-8859-1") == (iconv_t)-1 && errno == EINVAL);
    errno = 0;
    CHECK(iconv_open("UTF-8", NULL) == (iconv_t)-1 && errno == EINVAL);

    /* A closed handle of ours is EBADF, and closing it again too. */
    iconv_t cd = iconv_open("UTF-8", "ISO-8859-1");
    CHECK(cd != (iconv_t)-1);
    CHECK(convert(cd, in, 4, out, sizeof out) == 5 && memcmp(out, "caf\xc3\xa9", 5) == 0);
    CHECK(iconv_close(cd) == 0);
    errno = 0;
    CHECK(iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 && errno == EBADF);
    errno = 0;
    CHECK(iconv_close(cd) == -1 && errno == EBADF);

    /* A null output buffer with input is an output with no room (glibc crashes). */
    cd = iconv_open("UTF-8", "ISO-8859-1");
    ip = in;
    il = 4;
    errno = 0;
    CHECK(iconv(cd, &ip, &il, NULL, NULL) == (size_t)-1 && errno == E2BIG && il == 4);
    CHECK(iconv_close(cd) == 0);

    /* Many handles at once, past the library's own table: the rest go to glibc, and every one
     * converts and closes. */
    enum { MANY = 70000 };
    iconv_t *handles = malloc(MANY * sizeof *handles);
    for (int i = 0; i < MANY; i++) {
        handles[i] = iconv_open("UTF-8", i % 2 ? "CP1252" : "ISO-8859-1");
        CHECK(handles[i] != (iconv_t)-1);
    }
    for (int i = 0; i < MANY; i += 997) {
        CHECK(convert(handles[i], in, 4, out, sizeof out) == 5);
    }
    for (int i = 0; i < MANY; i++) {
        CHECK(iconv_close(handles[i]) == 0);
    }
    free(handles);

    /* Slots freed above are used again. */
    cd = iconv_open("UTF-8", "SJIS");
    CHECK(cd != (iconv_t)-1);
    CHECK(convert(cd, "\x93\xfa", 2, out, sizeof out) == 3 && memcmp(out, "\xe6\x97\xa5", 3) == 0);
    CHECK(iconv_close(cd) == 0);

    if (failures > 0) {
        fprintf(stderr, "%d checks failed\n", failures);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
