/* cu8_decoder_*: streaming with every split of the input and tiny output buffers, sequences
 * split across calls, absolute error offsets and bytes, resuming after errors, the worst-case
 * output size, reset, and NULL or invalid arguments to every decoder function. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

/* Valid text with 2-, 3- and 4-byte characters, bad sequences, and a truncated tail. */
static const char SAMPLE[] =
    "A\xC3\xA9z \xE2\x9C\x93\xF0\x9F\x98\x80 bad:\xFF ok "
    "lone:\x80 cut:\xE2\x82 "
    "\xF0\x9F\x8E\x89 end\xF0\x9F\x98";
#define SAMPLE_LEN (sizeof(SAMPLE) - 1)

static cu8_decoder *open_decoder(const char *charset, uint32_t flags) {
    cu8_decoder *dec = NULL;
    CHECK_RESULT(cu8_decoder_new(charset, flags, &dec), CU8_OK);
    CHECK(dec != NULL);
    if (dec == NULL) exit(check_finish("test_streaming"));
    return dec;
}

/* The one-shot decoding, to compare the streamed ones with. */
static uint8_t *one_shot(uint32_t flags, size_t *len) {
    uint8_t *out = NULL;
    CHECK_RESULT(cu8_decode("UTF-8", (const uint8_t *)SAMPLE, SAMPLE_LEN, flags, &out, len, NULL),
                 CU8_OK);
    return out;
}

/* What a streamed decoding produced. */
typedef struct {
    uint8_t out[4 * SAMPLE_LEN + 64];
    size_t out_len;
    uint64_t offsets[16]; /* of every bad sequence reported (CU8_STRICT) */
    size_t errors;
} streamed;

/* Feeds SAMPLE in pieces of `chunk` bytes into output windows of `window` bytes. A window too
 * small for the next character makes no progress; it then grows to CU8_MIN_OUTPUT_SPACE, which
 * must always be enough. In CU8_STRICT, each bad sequence is recorded, its bytes checked against
 * the input, and decoding resumes after it. */
static void stream(cu8_decoder *dec, size_t chunk, size_t window, streamed *s) {
    size_t fed = 0;
    s->out_len = 0;
    s->errors = 0;
    CHECK_RESULT(cu8_decoder_reset(dec), CU8_OK);
    while (fed < SAMPLE_LEN) {
        size_t piece = SAMPLE_LEN - fed < chunk ? SAMPLE_LEN - fed : chunk;
        bool last = fed + piece == SAMPLE_LEN;
        const uint8_t *src = (const uint8_t *)SAMPLE + fed;
        size_t used = 0;
        size_t room = window;
        for (;;) {
            size_t read = 99, written = 99;
            cu8_result r = cu8_decoder_decode(dec, src + used, piece - used, &read,
                                              s->out + s->out_len, room, &written, last);
            used += read;
            s->out_len += written;
            if (r == CU8_OK) break;
            if (r == CU8_OUTPUT_FULL) {
                if (read == 0 && written == 0) {
                    if (room >= CU8_MIN_OUTPUT_SPACE) {
                        fprintf(stderr, "no progress with %zu bytes of room\n", room);
                        check_failures++;
                        return;
                    }
                    room = CU8_MIN_OUTPUT_SPACE;
                } else {
                    room = window;
                }
                continue;
            }
            if (r != CU8_INVALID_INPUT && r != CU8_INCOMPLETE_INPUT) {
                CHECK_RESULT(r, CU8_INVALID_INPUT);
                return;
            }
            uint64_t at = cu8_decoder_error_offset(dec);
            uint8_t bytes[CU8_MAX_BAD_SEQUENCE_LEN];
            size_t n = 0;
            CHECK_RESULT(cu8_decoder_error_bytes(dec, bytes, sizeof bytes, &n), CU8_OK);
            /* The bytes are the input's at the absolute offset, even if they came earlier. */
            CHECK(n > 0 && at + n <= fed + used);
            if (n > 0 && at + n <= SAMPLE_LEN) CHECK(memcmp(bytes, SAMPLE + at, n) == 0);
            CHECK(at + n == fed + used); /* consumed up to the end of the bad sequence */
            if (s->errors < 16) s->offsets[s->errors] = at;
            s->errors++;
        }
        fed += piece;
    }
    CHECK(cu8_decoder_position(dec) == SAMPLE_LEN);
}

static void every_split(void) {
    static const size_t windows[] = {1, 2, 3, 4, 5, 7, 16, 64, 4 * SAMPLE_LEN};
    size_t replaced_len, ignored_len;
    uint8_t *replaced = one_shot(CU8_REPLACE, &replaced_len);
    uint8_t *ignored = one_shot(CU8_IGNORE, &ignored_len);
    /* 0xFF, the lone continuation byte, the cut E2 82 and the truncated tail. */
    static const uint64_t expected_offsets[] = {17, 27, 33, 44};
    const size_t expected_errors = sizeof expected_offsets / sizeof expected_offsets[0];
    cu8_decoder *strict = open_decoder("UTF-8", CU8_STRICT);
    cu8_decoder *replace = open_decoder("UTF-8", CU8_REPLACE);
    cu8_decoder *ignore = open_decoder("UTF-8", CU8_IGNORE);
    static streamed s;
    for (size_t chunk = 1; chunk <= SAMPLE_LEN; chunk++) {
        for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
            int before = check_failures;
            stream(replace, chunk, windows[w], &s);
            CHECK_BYTES(s.out, s.out_len, replaced, replaced_len);
            CHECK(cu8_decoder_error_count(replace) == expected_errors);
            CHECK(cu8_decoder_error_offset(replace) == expected_offsets[0]);
            stream(ignore, chunk, windows[w], &s);
            CHECK_BYTES(s.out, s.out_len, ignored, ignored_len);
            stream(strict, chunk, windows[w], &s);
            CHECK_BYTES(s.out, s.out_len, ignored, ignored_len);
            CHECK(s.errors == expected_errors);
            for (size_t i = 0; i < s.errors && i < expected_errors; i++)
                CHECK(s.offsets[i] == expected_offsets[i]);
            if (check_failures != before) {
                fprintf(stderr, "  (chunk %zu, window %zu)\n", chunk, windows[w]);
                goto done;
            }
        }
    }
done:
    cu8_decoder_free(strict);
    cu8_decoder_free(replace);
    cu8_decoder_free(ignore);
    cu8_free(replaced, replaced_len);
    cu8_free(ignored, ignored_len);
}

static void split_sequences_and_errors(void) {
    cu8_decoder *dec = open_decoder("UTF-8", CU8_STRICT);
    uint8_t out[64];
    size_t read, written;
    /* A 4-byte character split 2 + 2: nothing is written until it is whole. */
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"\xF0\x9F", 2, &read, out, sizeof out,
                                    &written, false), CU8_OK);
    CHECK(read == 2 && written == 0);
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"\x98\x80!", 3, &read, out, sizeof out,
                                    &written, false), CU8_OK);
    CHECK_BYTES(out, written, "\xF0\x9F\x98\x80!", 5);
    /* A bad sequence begun in an earlier call: its offset lies before this call's input. */
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"ab\xE2\x82", 4, &read, out, sizeof out,
                                    &written, false), CU8_OK);
    CHECK(read == 4 && written == 2);
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"XY", 2, &read, out, sizeof out,
                                    &written, false), CU8_INVALID_INPUT);
    CHECK(read == 0 && written == 0);
    CHECK(cu8_decoder_error_offset(dec) == 7);
    uint8_t bytes[CU8_MAX_BAD_SEQUENCE_LEN];
    size_t n;
    CHECK_RESULT(cu8_decoder_error_bytes(dec, bytes, sizeof bytes, &n), CU8_OK);
    CHECK_BYTES(bytes, n, "\xE2\x82", 2);
    CHECK_RESULT(cu8_decoder_error_bytes(dec, bytes, 1, &n), CU8_OUTPUT_FULL);
    CHECK(n == 1 && bytes[0] == 0xE2);
    char message[CU8_ERROR_MESSAGE_SIZE];
    CHECK_RESULT(cu8_decoder_error_message(dec, message, sizeof message, &n), CU8_OK);
    CHECK(strcmp(message, "illegal input sequence at position 7 (bytes 0xE2 0x82)") == 0);
    CHECK(n == strlen(message));
    CHECK_RESULT(cu8_decoder_error_message(dec, message, 8, &n), CU8_OUTPUT_FULL);
    CHECK(n == 7 && strcmp(message, "illegal") == 0);
    CHECK_RESULT(cu8_decoder_error_message(dec, message, 0, &n), CU8_OUTPUT_FULL);
    CHECK(n == 0);
    /* Resume: the rest decodes. A truncated tail with `last` is CU8_INCOMPLETE_INPUT. */
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"XY\xC3", 3, &read, out, sizeof out,
                                    &written, true), CU8_INCOMPLETE_INPUT);
    CHECK(read == 3 && written == 2 && cu8_decoder_error_offset(dec) == 11);
    CHECK_RESULT(cu8_decoder_error_message(dec, message, sizeof message, &n), CU8_OK);
    CHECK(strstr(message, "incomplete character or shift sequence at end of buffer") == message);
    CHECK(cu8_decoder_error_count(dec) == 2);
    CHECK(cu8_decoder_position(dec) == 12);
    /* Reset forgets all of it. */
    CHECK_RESULT(cu8_decoder_reset(dec), CU8_OK);
    CHECK(cu8_decoder_error_offset(dec) == CU8_NO_ERROR);
    CHECK(cu8_decoder_error_count(dec) == 0 && cu8_decoder_position(dec) == 0);
    CHECK_RESULT(cu8_decoder_error_message(dec, message, sizeof message, &n), CU8_OK);
    CHECK(n == 0 && message[0] == '\0');
    CHECK_RESULT(cu8_decoder_error_bytes(dec, bytes, sizeof bytes, &n), CU8_OK);
    CHECK(n == 0);
    cu8_decoder_free(dec);
}

static void tiny_and_empty_buffers(void) {
    cu8_decoder *dec = open_decoder("UTF-8", CU8_REPLACE);
    uint8_t out[8];
    size_t read, written;
    /* No room at all (dst may be NULL when dst_len is 0). */
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"a", 1, &read, NULL, 0, &written, false),
                 CU8_OUTPUT_FULL);
    CHECK(read == 0 && written == 0);
    /* One byte of room: ASCII goes through a byte at a time, "é" does not fit. */
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"a\xC3\xA9", 3, &read, out, 1, &written,
                                    true), CU8_OUTPUT_FULL);
    CHECK(written == 1 && out[0] == 'a');
    size_t used = read;
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"a\xC3\xA9" + used, 3 - used, &read, out,
                                    1, &written, true), CU8_OUTPUT_FULL);
    CHECK(written == 0);
    used += read;
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"a\xC3\xA9" + used, 3 - used, &read, out,
                                    2, &written, true), CU8_OK);
    CHECK_BYTES(out, written, "\xC3\xA9", 2);
    /* A replacement that does not fit is owed, and written by the next call with room. */
    CHECK_RESULT(cu8_decoder_reset(dec), CU8_OK);
    CHECK_RESULT(cu8_decoder_decode(dec, (const uint8_t *)"\xFF", 1, &read, out, 2, &written,
                                    true), CU8_OUTPUT_FULL);
    CHECK(read == 1 && written == 0);
    CHECK_RESULT(cu8_decoder_decode(dec, NULL, 0, &read, out, 3, &written, true), CU8_OK);
    CHECK_BYTES(out, written, "\xEF\xBF\xBD", 3);
    /* Empty input, empty output, `last`: done. */
    CHECK_RESULT(cu8_decoder_decode(dec, NULL, 0, &read, NULL, 0, &written, true), CU8_OK);
    cu8_decoder_free(dec);
}

static void worst_case_size(void) {
    static const uint32_t policies[] = {CU8_STRICT, CU8_IGNORE, CU8_REPLACE};
    for (size_t p = 0; p < 3; p++) {
        cu8_decoder *dec = open_decoder("UTF-8", policies[p]);
        size_t bound = cu8_decoder_max_utf8_len(dec, SAMPLE_LEN);
        CHECK(bound != SIZE_MAX && bound >= SAMPLE_LEN);
        uint8_t *out = malloc(bound);
        CHECK(out != NULL);
        size_t read, written;
        cu8_result r = cu8_decoder_decode(dec, (const uint8_t *)SAMPLE, SAMPLE_LEN, &read, out,
                                          bound, &written, true);
        CHECK(r != CU8_OUTPUT_FULL);
        CHECK(cu8_decoder_max_utf8_len(dec, SIZE_MAX) == SIZE_MAX);
        free(out);
        cu8_decoder_free(dec);
    }
}

static void bad_arguments(void) {
    cu8_decoder *dec = NULL;
    CHECK_RESULT(cu8_decoder_new(NULL, CU8_STRICT, &dec), CU8_NULL_ARGUMENT);
    CHECK(dec == NULL);
    CHECK_RESULT(cu8_decoder_new("UTF-8", CU8_STRICT, NULL), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_new("UTF-8", 3, &dec), CU8_INVALID_ARGUMENT);
    CHECK_RESULT(cu8_decoder_new("UTF-8", 1u << 31, &dec), CU8_INVALID_ARGUMENT);
    CHECK_RESULT(cu8_decoder_new("no-such-charset", CU8_STRICT, &dec), CU8_UNKNOWN_CHARSET);
    CHECK(dec == NULL);

    dec = open_decoder("utf-8", CU8_STRICT);
    uint8_t buf[16] = "abcdefgh";
    size_t read = 7, written = 7, n = 7;
    CHECK_RESULT(cu8_decoder_decode(NULL, buf, 1, &read, buf + 8, 8, &written, false),
                 CU8_NULL_ARGUMENT);
    CHECK(read == 0 && written == 0);
    CHECK_RESULT(cu8_decoder_decode(dec, buf, 1, NULL, buf + 8, 8, &written, false),
                 CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_decode(dec, buf, 1, &read, buf + 8, 8, NULL, false),
                 CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_decode(dec, NULL, 1, &read, buf + 8, 8, &written, false),
                 CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_decode(dec, buf, 1, &read, NULL, 8, &written, false),
                 CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_decode(dec, buf, SIZE_MAX, &read, buf + 8, 8, &written, false),
                 CU8_INVALID_ARGUMENT);
    /* Overlapping input and output are refused; adjacent ones are fine. */
    CHECK_RESULT(cu8_decoder_decode(dec, buf, 8, &read, buf + 4, 8, &written, false),
                 CU8_INVALID_ARGUMENT);
    CHECK_RESULT(cu8_decoder_decode(dec, buf, 8, &read, buf + 8, 8, &written, false), CU8_OK);
    CHECK(read == 8 && written == 8 && memcmp(buf + 8, "abcdefgh", 8) == 0);

    CHECK(cu8_decoder_error_offset(NULL) == CU8_NO_ERROR);
    CHECK(cu8_decoder_error_count(NULL) == 0);
    CHECK(cu8_decoder_position(NULL) == 0);
    CHECK(cu8_decoder_max_utf8_len(NULL, 10) == SIZE_MAX);
    CHECK_RESULT(cu8_decoder_error_bytes(NULL, buf, 16, &n), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_error_bytes(dec, buf, 16, NULL), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_error_bytes(dec, NULL, 16, &n), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_error_bytes(dec, NULL, 0, &n), CU8_OK);
    char text[8];
    CHECK_RESULT(cu8_decoder_error_message(NULL, text, 8, &n), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_error_message(dec, text, 8, NULL), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_error_message(dec, NULL, 8, &n), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decoder_reset(NULL), CU8_NULL_ARGUMENT);
    cu8_decoder_free(NULL);
    cu8_decoder_free(dec);
}

int main(void) {
    every_split();
    split_sequences_and_errors();
    tiny_and_empty_buffers();
    worst_case_size();
    bad_arguments();
    return check_finish("test_streaming");
}
