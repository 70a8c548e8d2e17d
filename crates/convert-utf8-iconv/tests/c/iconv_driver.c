/* An iconv(1)-like program over iconv_open/iconv/iconv_close, for comparing an iconv(3)
 * implementation with glibc's: run it plainly and with the library preloaded, and compare
 * stdout, stderr and the exit status.
 *
 *   iconv_driver [-c] [-t TO] [-i CHUNK] [-o OUTSIZE] [-s MAXCHUNK] FROM FILE...
 *
 * -t TO       target charset (default UTF-8); -c appends //IGNORE to it
 * -i CHUNK    feed the input CHUNK bytes at a time (default: whole files), keeping what iconv
 *             leaves unconsumed (EINVAL) for the next chunk, as a reading program does
 * -o OUTSIZE  output buffer of OUTSIZE bytes (default 65536), written out on E2BIG
 * -s MAXCHUNK sweep: convert each file with every chunk size from 1 to MAXCHUNK and every
 *             output size in a fixed list, printing one line per run (status, position, a
 *             digest and the length of the output) instead of the output
 *
 * Output is written through stdio; the digest is computed in sweep mode only.
 *
 * Errors are reported as glibc's iconv program words them, with positions counted from the
 * start of each file; the exit status is 1 after any error. With -c, a call that dropped
 * input reports EILSEQ once all its input is read: that sets the status to 1 and goes on.
 * Built with -DLIBICONV_NAMES it calls libiconv_open/libiconv/libiconv_close instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef LIBICONV_NAMES
iconv_t libiconv_open(const char *to, const char *from);
size_t libiconv(iconv_t cd, char **in, size_t *inleft, char **out, size_t *outleft);
int libiconv_close(iconv_t cd);
#define ICONV_OPEN libiconv_open
#define ICONV libiconv
#define ICONV_CLOSE libiconv_close
#else
#define ICONV_OPEN iconv_open
#define ICONV iconv
#define ICONV_CLOSE iconv_close
#endif

struct sink {
    FILE *stream;      /* NULL: digest only */
    uint64_t digest;   /* FNV-1a of everything written */
    size_t length;
};

static void sink_write(struct sink *sink, const char *bytes, size_t n) {
    sink->length += n;
    if (sink->stream == NULL) {
        for (size_t i = 0; i < n; i++) {
            sink->digest = (sink->digest ^ (unsigned char)bytes[i]) * 1099511628211ULL;
        }
    } else if (n > 0 && fwrite(bytes, 1, n, sink->stream) != n) {
        perror("write");
        exit(2);
    }
}

enum outcome { DONE, INVALID, INCOMPLETE, FAILED, TOO_SMALL };

/* Converts data[0..len) through cd, CHUNK bytes at a time, into an output buffer of OUTSIZE
 * bytes. On INVALID or INCOMPLETE, *position is the file offset iconv left the input at. */
static enum outcome convert(iconv_t cd, const char *data, size_t len, size_t chunk, size_t outsize,
                            int ignore, struct sink *sink, size_t *position, int *dropped) {
    char *out = malloc(outsize);
    char *carry = malloc(chunk + 64);
    size_t fed = 0;       /* bytes of data given to iconv so far (carry included) */
    size_t carried = 0;   /* bytes at the front of the next piece left over from the last */
    enum outcome result = DONE;
    if (out == NULL || carry == NULL) {
        perror("malloc");
        exit(2);
    }
    *dropped = 0;
    while (fed < len || carried > 0) {
        size_t take = len - fed < chunk ? len - fed : chunk;
        /* The piece: what was left over, then the next chunk (the chunk itself, uncopied, when
         * nothing was left over). */
        char *copy = NULL, *piece = (char *)data + fed;
        if (carried > 0) {
            copy = piece = malloc(carried + take + 1);
            memcpy(piece, carry, carried);
            memcpy(piece + carried, data + fed, take);
        }
        size_t piece_len = carried + take;
        size_t piece_start = fed - carried;
        fed += take;
        int at_end = fed == len;
        char *in = piece;
        size_t inleft = piece_len;
        carried = 0;
        for (;;) {
            char *o = out;
            size_t oleft = outsize;
            char *before = in;
            size_t r = ICONV(cd, &in, &inleft, &o, &oleft);
            int e = errno;
            sink_write(sink, out, (size_t)(o - out));
            if (r != (size_t)-1) {
                break;
            }
            if (e == E2BIG) {
                if (o == out && in == before) {
                    /* No room for the next character at all: a buffer too small to go on. */
                    *position = piece_start + (size_t)(in - piece);
                    result = TOO_SMALL;
                    break;
                }
                continue;
            }
            if (e == EILSEQ && ignore && inleft == 0) {
                *dropped = 1;
                break;
            }
            if (e == EINVAL && !at_end) {
                memcpy(carry, in, inleft);
                carried = inleft;
                break;
            }
            *position = piece_start + (size_t)(in - piece);
            result = e == EILSEQ ? INVALID : e == EINVAL ? INCOMPLETE : FAILED;
            if (result == FAILED) {
                fprintf(stderr, "iconv_driver: unexpected errno %d at position %zu\n", e, *position);
            }
            break;
        }
        free(copy);
        if (result != DONE) {
            break;
        }
        if (at_end && carried == 0) {
            break;
        }
    }
    if (result == DONE) {
        /* Back to the initial state, writing what the state still holds. */
        for (;;) {
            char *o = out;
            size_t oleft = outsize;
            size_t r = ICONV(cd, NULL, NULL, &o, &oleft);
            int e = errno;
            sink_write(sink, out, (size_t)(o - out));
            if (r != (size_t)-1 || e != E2BIG || o == out) {
                break;
            }
        }
    }
    free(out);
    free(carry);
    return result;
}

/* The whole file, mapped (read when it cannot be mapped: empty files, pipes). */
static char *slurp(const char *path, size_t *len, int *mapped) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "iconv_driver: cannot open input file `%s': %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            close(fd);
            *len = (size_t)st.st_size;
            *mapped = 1;
            return map;
        }
    }
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap);
    ssize_t got;
    while ((got = read(fd, data + n, cap - n)) > 0) {
        n += (size_t)got;
        if (n == cap) {
            cap *= 2;
            data = realloc(data, cap);
        }
    }
    close(fd);
    *len = n;
    *mapped = 0;
    return data;
}

static void release(char *data, size_t len, int mapped) {
    if (mapped) {
        munmap(data, len);
    } else {
        free(data);
    }
}

static const size_t SWEEP_OUTSIZES[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 31, 64, 4096};

int main(int argc, char **argv) {
    const char *to = "UTF-8";
    int ignore = 0;
    size_t chunk = SIZE_MAX, outsize = 65536, sweep = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "-c") == 0) {
            ignore = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "-t") == 0) {
            to = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "-i") == 0) {
            chunk = strtoull(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "-o") == 0) {
            outsize = strtoull(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "-s") == 0) {
            sweep = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "iconv_driver: unknown option %s\n", argv[i]);
            return 64;
        }
    }
    if (i >= argc || chunk == 0 || outsize == 0) {
        fprintf(stderr, "usage: iconv_driver [-c] [-t TO] [-i CHUNK] [-o OUTSIZE] [-s MAX] FROM FILE...\n");
        return 64;
    }
    const char *from = argv[i++];
    char target[256];
    snprintf(target, sizeof target, "%s%s", to, ignore ? "//IGNORE" : "");
    iconv_t cd = ICONV_OPEN(target, from);
    if (cd == (iconv_t)-1) {
        fprintf(stderr, "iconv_driver: conversion from `%s' to `%s' is not supported (errno %d)\n",
                from, target, errno);
        return 1;
    }
    int status = 0;
    struct sink out = {stdout, 14695981039346656037ULL, 0};
    for (; i < argc; i++) {
        size_t len;
        int mapped;
        char *data = slurp(argv[i], &len, &mapped);
        if (data == NULL) {
            status = 1;
            continue;
        }
        if (sweep > 0) {
            size_t max_chunk = sweep < len ? sweep : (len > 0 ? len : 1);
            for (size_t c = 1; c <= max_chunk; c++) {
                for (size_t k = 0; k < sizeof SWEEP_OUTSIZES / sizeof *SWEEP_OUTSIZES; k++) {
                    struct sink digest = {NULL, 14695981039346656037ULL, 0};
                    size_t position = 0;
                    int dropped = 0;
                    ICONV(cd, NULL, NULL, NULL, NULL);
                    enum outcome o = convert(cd, data, len, c, SWEEP_OUTSIZES[k], ignore, &digest,
                                             &position, &dropped);
                    printf("%s in=%zu out=%zu: outcome %d at %zu dropped %d, %zu bytes %016llx\n",
                           argv[i], c, SWEEP_OUTSIZES[k], (int)o, o == DONE ? 0 : position,
                           dropped, digest.length, (unsigned long long)digest.digest);
                }
            }
            release(data, len, mapped);
            continue;
        }
        size_t position = 0;
        int dropped = 0;
        enum outcome o = convert(cd, data, len, chunk == SIZE_MAX ? (len > 0 ? len : 1) : chunk,
                                 outsize, ignore, &out, &position, &dropped);
        release(data, len, mapped);
        status |= dropped;
        if (o == INVALID) {
            fflush(stdout);
            fprintf(stderr, "iconv_driver: illegal input sequence at position %zu\n", position);
            status = 1;
            break;
        }
        if (o == INCOMPLETE) {
            fflush(stdout);
            fprintf(stderr, "iconv_driver: incomplete character or shift sequence at end of buffer\n");
            status = 1;
            break;
        }
        if (o == FAILED || o == TOO_SMALL) {
            fflush(stdout);
            if (o == TOO_SMALL) {
                fprintf(stderr, "iconv_driver: output buffer too small at position %zu\n", position);
            }
            status = 1;
            break;
        }
    }
    if (ICONV_CLOSE(cd) != 0) {
        perror("iconv_close");
        status = 1;
    }
    if (fflush(stdout) != 0) {
        status = 1;
    }
    return status;
}
