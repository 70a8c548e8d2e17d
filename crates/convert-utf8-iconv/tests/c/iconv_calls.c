/* Many small conversions, call by call: for each line of CASES-FILE,
 *
 *   CHARSET OUTPUT-SIZE IGNORE PIECE HEX-INPUT
 *
 * converts the input to UTF-8 (with //IGNORE when IGNORE is 1) the way a streaming program
 * does: PIECE more bytes of input at a time (0: all of it at once), the bytes a call leaves
 * unread carried to the next, into an output of OUTPUT-SIZE bytes per call. With IGNORE 2 the
 * conversion is strict and the program skips the bad byte at each EILSEQ and goes on, as
 * programs that drop bad bytes themselves do. It prints the case
 * and then, for each call, what iconv returned, errno, how many bytes it read and what it
 * wrote. Run on glibc and with the library preloaded, the two outputs must be identical.
 *
 *   iconv_calls CASES-FILE
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_INPUT = 4096, MAX_CALLS = 600 };

static int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    return (c | 0x20) - 'a' + 10;
}

static const char *errno_name(int e) {
    switch (e) {
    case E2BIG: return "E2BIG";
    case EILSEQ: return "EILSEQ";
    case EINVAL: return "EINVAL";
    default: return "other";
    }
}

static void convert_case(const char *charset, size_t output_size, int ignore, size_t piece,
                         const unsigned char *input, size_t length) {
    char target[32];
    snprintf(target, sizeof target, "UTF-8%s", ignore == 1 ? "//IGNORE" : "");
    iconv_t cd = iconv_open(target, charset);
    if (cd == (iconv_t)-1) {
        printf(" open failed\n");
        return;
    }
    /* `given`: bytes handed over so far; `at`: bytes read so far. */
    size_t given = piece == 0 ? length : (piece < length ? piece : length);
    size_t at = 0;
    int idle = 0;
    for (int calls = 0; calls < MAX_CALLS; calls++) {
        char output[256];
        char *in = (char *)input + at, *out = output;
        size_t in_left = given - at, out_left = output_size;
        errno = 0;
        size_t result = iconv(cd, &in, &in_left, &out, &out_left);
        int error = result == (size_t)-1 ? errno : 0;
        size_t read = (size_t)(in - ((char *)input + at)), written = (size_t)(out - output);
        at += read;
        printf(" %s/%zu/", error ? errno_name(error) : "0", read);
        for (size_t i = 0; i < written; i++) {
            printf("%02x", (unsigned char)output[i]);
        }
        if (error == E2BIG) {
            if (read == 0 && written == 0 && ++idle > 2) {
                printf(" stalled");
                break;
            }
            continue;
        }
        idle = 0;
        if (error == EILSEQ && ignore == 2 && at < given) {
            at++;
            continue;
        }
        if ((error == EILSEQ && ignore != 1) || given == length) {
            break;
        }
        /* What was given is read, or ends in an incomplete sequence (or, under //IGNORE, had
         * bad bytes dropped): the program reads more. */
        given = given + piece < length ? given + piece : length;
    }
    iconv_close(cd);
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: iconv_calls CASES-FILE\n");
        return 2;
    }
    FILE *cases = fopen(argv[1], "r");
    if (cases == NULL) {
        perror(argv[1]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    static char line[2 * MAX_INPUT + 128];
    while (fgets(line, sizeof line, cases) != NULL) {
        char charset[64];
        size_t output_size, piece;
        int ignore, hex_at = 0;
        if (sscanf(line, "%63s %zu %d %zu %n", charset, &output_size, &ignore, &piece, &hex_at) !=
                4 ||
            output_size > 256) {
            continue;
        }
        static unsigned char input[MAX_INPUT];
        size_t length = 0;
        for (const char *h = line + hex_at; h[0] != '\0' && h[0] != '\n' && h[1] != '\0' &&
                                            length < MAX_INPUT;
             h += 2) {
            input[length++] = (unsigned char)(hex_value(h[0]) * 16 + hex_value(h[1]));
        }
        printf("%s %zu %d %zu", charset, output_size, ignore, piece);
        convert_case(charset, output_size, ignore, piece, input, length);
    }
    fclose(cases);
    return 0;
}
