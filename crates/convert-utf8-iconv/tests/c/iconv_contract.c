/* The iconv(3) contract, case by case: each case prints what iconv returned, errno, how far
 * the input and output moved and what was written. Run on glibc and with the library
 * preloaded, the two outputs must be identical.
 *
 *   iconv_contract            every case
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *errno_name(int e) {
    switch (e) {
    case 0: return "0";
    case E2BIG: return "E2BIG";
    case EILSEQ: return "EILSEQ";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    default: return "other";
    }
}

static void hex(const char *bytes, size_t n) {
    for (size_t i = 0; i < n; i++) {
        printf("%02x", (unsigned char)bytes[i]);
    }
}

/* One call, printed. */
static size_t call(const char *label, iconv_t cd, char **in, size_t *inleft, char **out,
                   size_t *outleft) {
    char *in0 = in != NULL ? *in : NULL, *out0 = out != NULL ? *out : NULL;
    size_t inleft0 = inleft != NULL ? *inleft : 0;
    errno = 0;
    size_t r = iconv(cd, in, inleft, out, outleft);
    int e = r == (size_t)-1 ? errno : 0;
    printf("%s: r=%ld errno=%s read=%ld wrote=%ld left=%zu ", label, (long)r, errno_name(e),
           in0 != NULL && *in != NULL ? (long)(*in - in0) : 0L,
           out0 != NULL ? (long)(*out - out0) : 0L, inleft != NULL ? *inleft : 0);
    if (out0 != NULL) {
        hex(out0, (size_t)(*out - out0));
    }
    printf("\n");
    (void)inleft0;
    errno = e;
    return r;
}

static iconv_t open_or_die(const char *to, const char *from) {
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1) {
        printf("open %s <- %s: failed, errno=%s\n", to, from, errno_name(errno));
        exit(1);
    }
    return cd;
}

/* `utf8` encoded in `charset` by iconv itself (a conversion the library forwards). */
static size_t encode(const char *charset, const char *utf8, char *buf, size_t size) {
    iconv_t cd = open_or_die(charset, "UTF-8");
    char *in = (char *)utf8, *out = buf;
    size_t inleft = strlen(utf8), outleft = size;
    if (iconv(cd, &in, &inleft, &out, &outleft) == (size_t)-1) {
        printf("encode to %s failed: %s\n", charset, errno_name(errno));
        exit(1);
    }
    iconv(cd, NULL, NULL, &out, &outleft);
    iconv_close(cd);
    return size - outleft;
}

static void opens(void) {
    const char *pairs[][2] = {
        {"UTF-8", "NO-SUCH-CHARSET"}, {"NO-SUCH-CHARSET", "UTF-8"}, {"UTF-8", "UTF_8"},
        {"UTF_8", "ISO-8859-1"},      {"UTF-8,IGNORE", "ISO-8859-1"}, {"utf8", "latin1"},
        {"ISO-10646/UTF8/", "SJIS"},  {"UTF-8//TRANSLIT//IGNORE", "CP1252"},
        {"UTF-8", "SJIS//IGNORE"},    {"UTF-8", "x-sjis"}, {"UTF-8", "latin_1"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        errno = 0;
        iconv_t cd = iconv_open(pairs[i][0], pairs[i][1]);
        printf("open %s <- %s: %s errno=%s\n", pairs[i][0], pairs[i][1],
               cd == (iconv_t)-1 ? "failed" : "ok", cd == (iconv_t)-1 ? errno_name(errno) : "0");
        if (cd != (iconv_t)-1) {
            iconv_close(cd);
        }
    }
}

/* Converts `src` with an output buffer of `size` bytes, written out at each E2BIG. */
static void output_sizes(const char *charset, const char *to, const char *src, size_t len) {
    for (size_t size = 1; size <= 12; size++) {
        iconv_t cd = open_or_die(to, charset);
        char *in = (char *)src;
        size_t inleft = len;
        char label[128];
        snprintf(label, sizeof label, "%s->%s out=%zu", charset, to, size);
        for (int calls = 0; calls < 4096; calls++) {
            char buf[16];
            char *out = buf;
            size_t outleft = size;
            size_t r = call(label, cd, &in, &inleft, &out, &outleft);
            if (r != (size_t)-1 || errno != E2BIG) {
                break;
            }
        }
        iconv_close(cd);
    }
}

/* Feeds `src` one byte more at a time, keeping what iconv leaves, as a reading program does. */
static void input_splits(const char *charset, const char *to, const char *src, size_t len) {
    for (size_t piece = 1; piece <= 5; piece++) {
        iconv_t cd = open_or_die(to, charset);
        char pending[64];
        size_t pending_len = 0, fed = 0;
        char label[128];
        snprintf(label, sizeof label, "%s->%s in=%zu", charset, to, piece);
        while (fed < len) {
            size_t take = len - fed < piece ? len - fed : piece;
            memcpy(pending + pending_len, src + fed, take);
            pending_len += take;
            fed += take;
            char *in = pending, out_buf[256], *out = out_buf;
            size_t inleft = pending_len, outleft = sizeof out_buf;
            size_t r = call(label, cd, &in, &inleft, &out, &outleft);
            if (r == (size_t)-1 && errno != EINVAL) {
                break;
            }
            memmove(pending, in, inleft);
            pending_len = inleft;
        }
        char out_buf[64], *out = out_buf;
        size_t outleft = sizeof out_buf;
        call(label, cd, NULL, NULL, &out, &outleft);
        iconv_close(cd);
    }
}

static void errors(void) {
    struct {
        const char *to, *from, *bytes;
        size_t len, outsize;
    } cases[] = {
        {"UTF-8", "UTF-8", "ab\xe3\x81", 4, 64},
        {"UTF-8", "UTF-8", "ab\xff" "cd", 5, 64},
        {"UTF-8", "UTF-8", "ab\xe2\x82\x41", 5, 64},
        {"UTF-8//IGNORE", "UTF-8", "ab\xff" "cd", 5, 64},
        {"UTF-8//IGNORE", "UTF-8", "ab\xff" "cd\xe3\x81", 7, 64},
        {"UTF-8//IGNORE", "UTF-8", "ab\xe2\x82\xe2\x82\xac", 7, 64},
        {"UTF-8//IGNORE", "SJIS", "ab\xff" "cdefgh", 9, 4},
        {"UTF-8//IGNORE", "CP1252", "abc\x81" "d", 5, 3},
        {"UTF-8//IGNORE", "CP1252", "abc\x81\x81" "de", 7, 4},
        {"UTF-8//IGNORE", "EUC-KR", "\xfe\xa1" "b", 3, 64},
        {"UTF-8//IGNORE", "UTF-16LE", "a\0\0\xdc" "b\0", 6, 64},
        {"UTF-8", "SJIS", "ab\x93\xfa" "c", 5, 3},
        {"UTF-8", "SJIS", "ab\x93\xfa" "c", 5, 4},
        {"UTF-8", "SJIS", "ab\x93", 3, 64},
        {"UTF-8", "UTF-16", "\xff", 1, 64},
        {"UTF-8", "UTF-16", "\xff\xfe" "a", 3, 64},
        {"UTF-8", "UTF-16", "\xfe\xff\0a\xd8\x3d", 6, 64},
        {"UTF-8", "UTF-7", "a+AGE", 5, 64},
        {"UTF-8", "UTF-7", "a+AG", 4, 64},
        {"UTF-8", "UTF-7", "a~b", 3, 64},
        {"UTF-8", "ISO-2022-JP", "a\x1b$", 3, 64},
        {"UTF-8", "ISO-2022-JP", "a\x1b$B\x30", 5, 64},
        {"UTF-8", "ISO-2022-JP", "a\x1b$B\x30\x21\x1b(B", 9, 64},
        {"UTF-8", "CP1255", "a\xe0", 2, 64},
        {"UTF-8", "TSCII", "a\xaa", 2, 64},
        {"UTF-8", "IBM930", "a\x0e\x44", 3, 64},
        {"UTF-8", "ISO_6937", "a\xc1", 2, 64},
        {"UTF-8", "CP1252", "a\x81" "b", 3, 64},
        {"UTF-8", "ISO-8859-1", "", 0, 64},
        {"UTF-8", "ISO-8859-1", "\xe9", 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        iconv_t cd = open_or_die(cases[i].to, cases[i].from);
        char label[128];
        snprintf(label, sizeof label, "errors %s<-%s #%zu", cases[i].to, cases[i].from, i);
        char *in = (char *)cases[i].bytes, buf[64], *out = buf;
        size_t inleft = cases[i].len, outleft = cases[i].outsize;
        size_t r = call(label, cd, &in, &inleft, &out, &outleft);
        /* A program that skips the bad byte and goes on, then flushes. */
        if (r == (size_t)-1 && errno == EILSEQ && inleft > 0) {
            in++;
            inleft--;
            call(label, cd, &in, &inleft, &out, &outleft);
        }
        call(label, cd, NULL, NULL, &out, &outleft);
        iconv_close(cd);
    }
}

static void resets(void) {
    /* A reset in a shifted state: what follows is read from the initial state again. */
    iconv_t cd = open_or_die("UTF-8", "ISO-2022-JP");
    char buf[64], *out = buf;
    size_t outleft = sizeof buf;
    char *in = "\x1b$B\x30\x21", *in2 = "\x30\x21";
    size_t inleft = 5, inleft2 = 2;
    call("reset iso-2022-jp", cd, &in, &inleft, &out, &outleft);
    call("reset iso-2022-jp", cd, NULL, NULL, NULL, NULL);
    call("reset iso-2022-jp", cd, &in2, &inleft2, &out, &outleft);
    char *null_in = NULL;
    inleft2 = 2;
    call("reset iso-2022-jp *inbuf NULL", cd, &null_in, &inleft2, &out, &outleft);
    iconv_close(cd);

    /* A reset with an output buffer writes the character the state holds back. */
    cd = open_or_die("UTF-8", "CP1255");
    out = buf;
    outleft = sizeof buf;
    in = "a\xe0";
    inleft = 2;
    call("flush cp1255", cd, &in, &inleft, &out, &outleft);
    size_t none = 0;
    char *full = out;
    call("flush cp1255 no room", cd, NULL, NULL, &full, &none);
    call("flush cp1255", cd, NULL, NULL, &out, &outleft);
    call("flush cp1255 again", cd, NULL, NULL, &out, &outleft);
    iconv_close(cd);

    /* UTF-16: a reset goes back to reading a BOM; the byte order a BOM chose is kept. */
    cd = open_or_die("UTF-8", "UTF-16");
    out = buf;
    outleft = sizeof buf;
    in = "\xfe\xff\0a";
    inleft = 4;
    call("utf-16 bom", cd, &in, &inleft, &out, &outleft);
    call("utf-16 bom", cd, NULL, NULL, &out, &outleft);
    in = "\0b";
    inleft = 2;
    call("utf-16 after reset", cd, &in, &inleft, &out, &outleft);
    iconv_close(cd);
}

struct job {
    iconv_t cd;
    const char *src;
    size_t len;
    uint64_t digest;
};

static void *convert_job(void *arg) {
    struct job *job = arg;
    uint64_t digest = 14695981039346656037ULL;
    for (int round = 0; round < 200; round++) {
        char *in = (char *)job->src, buf[97];
        size_t inleft = job->len;
        for (;;) {
            char *out = buf;
            size_t outleft = sizeof buf;
            size_t r = iconv(job->cd, &in, &inleft, &out, &outleft);
            for (char *p = buf; p < out; p++) {
                digest = (digest ^ (unsigned char)*p) * 1099511628211ULL;
            }
            if (r != (size_t)-1 || errno != E2BIG) {
                break;
            }
        }
    }
    job->digest = digest;
    return NULL;
}

/* Handles used from several threads at once, one handle per thread; and one handle passed
 * from thread to thread. */
static void threads(const char *sjis, size_t len) {
    pthread_t ids[4];
    struct job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct job){open_or_die("UTF-8", "SJIS"), sjis, len, 0};
        pthread_create(&ids[i], NULL, convert_job, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(ids[i], NULL);
        printf("thread %d: digest %016llx\n", i, (unsigned long long)jobs[i].digest);
        pthread_t again;
        pthread_create(&again, NULL, convert_job, &jobs[i]);
        pthread_join(again, NULL);
        printf("thread %d handed on: digest %016llx\n", i, (unsigned long long)jobs[i].digest);
        iconv_close(jobs[i].cd);
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    opens();
    errors();
    resets();
    static const char text[] = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xed\x95\x9c "
                               "\xe2\x82\xac \xd7\xa9\xd6\xb8\xd7\x9c \xf0\x9f\x98\x80 z";
    const char *charsets[] = {"ISO-8859-1", "CP1252",  "SJIS",      "EUC-JP", "GB18030",
                              "BIG5-HKSCS", "UTF-16",  "UTF-16BE",  "UTF-32", "UTF-7",
                              "ISO-2022-JP", "ISO-2022-JP-2", "ISO-2022-KR", "ISO-2022-CN-EXT",
                              "CP1255", "EUC-KR", "UTF-8", "IBM930"};
    for (size_t i = 0; i < sizeof charsets / sizeof *charsets; i++) {
        char buf[512];
        /* Encode what the charset can hold: with //IGNORE unknown characters are dropped. */
        char target[64];
        snprintf(target, sizeof target, "%s//IGNORE", charsets[i]);
        iconv_t cd = open_or_die(target, "UTF-8");
        char *in = (char *)text, *out = buf;
        size_t inleft = strlen(text), outleft = sizeof buf;
        iconv(cd, &in, &inleft, &out, &outleft);
        iconv(cd, NULL, NULL, &out, &outleft);
        iconv_close(cd);
        size_t len = sizeof buf - outleft;
        printf("%s sample: ", charsets[i]);
        hex(buf, len);
        printf("\n");
        output_sizes(charsets[i], "UTF-8", buf, len);
        input_splits(charsets[i], "UTF-8", buf, len);
        output_sizes(charsets[i], "UTF-8//IGNORE", buf, len);
    }
    /* The other direction, which the library forwards. */
    output_sizes("UTF-8", "SJIS", text, strlen(text) - 14);
    output_sizes("UTF-8", "ISO-8859-1//TRANSLIT", text, strlen(text));
    input_splits("UTF-8", "UTF-16", text, strlen(text));
    char sjis[256];
    size_t sjis_len = encode("SJIS", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e abc", sjis, sizeof sjis);
    threads(sjis, sjis_len);
    return 0;
}
