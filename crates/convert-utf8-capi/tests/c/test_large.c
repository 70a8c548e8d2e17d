/* A large input (4 MiB, with a bad byte every 64 KiB and the last one at the very end):
 * one-shot and streamed decodings agree, offsets stay exact far into the input, and memory
 * stays bounded by the caller's buffers. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

#define LARGE_LEN (4u << 20)
#define BAD_EVERY 65536u

int main(void) {
    /* 32 bytes, so every bad byte (at 64 KiB - 1, 128 KiB - 1, ...) replaces its last, ASCII,
     * byte and makes exactly one bad sequence. */
    static const char pattern[] = "ASCII, caf\xC3\xA9, \xE2\x9C\x93, \xF0\x9F\x98\x80; 1234567";
    const size_t pattern_len = sizeof(pattern) - 1;
    CHECK(pattern_len == 32);
    uint8_t *src = malloc(LARGE_LEN);
    CHECK(src != NULL);
    if (src == NULL) return check_finish("test_large");
    for (size_t i = 0; i < LARGE_LEN; i++) src[i] = (uint8_t)pattern[i % pattern_len];
    size_t bad = 0;
    for (size_t at = BAD_EVERY - 1; at < LARGE_LEN; at += BAD_EVERY) {
        src[at] = 0xFF;
        bad++;
    }

    /* One shot, strict: stops at the first bad byte. */
    uint8_t *out = NULL;
    size_t out_len = 0, offset = 0;
    CHECK_RESULT(cu8_decode("UTF-8", src, LARGE_LEN, CU8_STRICT, &out, &out_len, &offset),
                 CU8_INVALID_INPUT);
    CHECK(offset == BAD_EVERY - 1 && out == NULL);

    /* One shot, replace. */
    CHECK_RESULT(cu8_decode("UTF-8", src, LARGE_LEN, CU8_REPLACE, &out, &out_len, &offset),
                 CU8_OK);
    CHECK(offset == BAD_EVERY - 1);
    CHECK(out_len >= LARGE_LEN);

    /* Streamed, strict, resuming after each error: 64 KiB + 1 input pieces (so errors fall at
     * every position of a piece), 4 KiB output. The concatenated output equals the replace
     * output with every U+FFFD that stands for a bad byte removed, checked piecewise. */
    cu8_decoder *dec = NULL;
    CHECK_RESULT(cu8_decoder_new("UTF-8", CU8_STRICT, &dec), CU8_OK);
    if (dec == NULL) return check_finish("test_large");
    uint8_t window[4096];
    size_t fed = 0, compared = 0, errors = 0;
    const size_t piece_len = BAD_EVERY + 1;
    while (fed < LARGE_LEN) {
        size_t piece = LARGE_LEN - fed < piece_len ? LARGE_LEN - fed : piece_len;
        bool last = fed + piece == LARGE_LEN;
        size_t used = 0;
        for (;;) {
            size_t read, written;
            cu8_result r = cu8_decoder_decode(dec, src + fed + used, piece - used, &read, window,
                                              sizeof window, &written, last);
            used += read;
            if (compared + written > out_len ||
                memcmp(out + compared, window, written) != 0) {
                fprintf(stderr, "streamed output differs near output byte %zu\n", compared);
                check_failures++;
                goto done;
            }
            compared += written;
            if (r == CU8_OK) break;
            if (r == CU8_OUTPUT_FULL) continue;
            CHECK_RESULT(r, CU8_INVALID_INPUT);
            if (r != CU8_INVALID_INPUT) goto done;
            errors++;
            CHECK(cu8_decoder_error_offset(dec) == errors * BAD_EVERY - 1);
            /* Skip the replacement character the one-shot output holds here. */
            CHECK(memcmp(out + compared, "\xEF\xBF\xBD", 3) == 0);
            compared += 3;
        }
        fed += piece;
    }
    CHECK(compared == out_len);
    CHECK(errors == bad);
    CHECK(cu8_decoder_position(dec) == LARGE_LEN);
    CHECK(cu8_decoder_error_count(dec) == bad);
done:
    cu8_decoder_free(dec);
    cu8_free(out, out_len);
    free(src);
    return check_finish("test_large");
}
