/* cu8_decode / cu8_free, cu8_result_message, cu8_version: every result code the one-shot call
 * can return, offsets of bad sequences, and NULL arguments.
 * Usage: test_oneshot [LABEL-OF-AN-UNSUPPORTED-CHARSET] */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

/* Decodes and checks the result, the output bytes (when expected_out is not NULL) and the error
 * offset; frees what was allocated. */
static void expect_decode(const char *charset, const char *src, size_t src_len, uint32_t flags,
                          cu8_result expected, const char *expected_out, size_t expected_offset,
                          int line) {
    uint8_t *dst = (uint8_t *)&dst; /* poison: must be overwritten */
    size_t dst_len = 12345;
    size_t offset = 12345;
    cu8_result r = cu8_decode(charset, (const uint8_t *)src, src_len, flags, &dst, &dst_len,
                              &offset);
    if (r != expected || offset != expected_offset) {
        fprintf(stderr, "line %d: %s: result %d (%s), offset %zu; expected %d, %zu\n", line,
                charset, (int)r, cu8_result_message(r), offset, (int)expected,
                expected_offset);
        check_failures++;
    }
    if (r == CU8_OK) {
        CHECK(dst != NULL);
        if (dst == NULL) return;
        CHECK(dst[dst_len] == 0); /* NUL after the text */
        if (expected_out != NULL) CHECK_BYTES(dst, dst_len, expected_out, strlen(expected_out));
        cu8_free(dst, dst_len);
    } else {
        CHECK(dst == NULL);
        CHECK(dst_len == 0);
    }
}

#define EXPECT(charset, src, flags, expected, out, offset) \
    expect_decode(charset, src, sizeof(src) - 1, flags, expected, out, offset, __LINE__)

static void static_strings(void) {
    const char *version = cu8_version();
    unsigned major, minor, patch;
    CHECK(version != NULL && sscanf(version, "%u.%u.%u", &major, &minor, &patch) == 3);

    const char *seen[CU8_UNDETECTED_CHARSET + 1];
    for (int code = CU8_OK; code <= CU8_UNDETECTED_CHARSET; code++) {
        seen[code] = cu8_result_message(code);
        CHECK(seen[code] != NULL && seen[code][0] != '\0');
        for (int other = 0; other < code; other++) CHECK(strcmp(seen[code], seen[other]) != 0);
    }
    CHECK(strcmp(cu8_result_message(-1), "unknown cu8_result value") == 0);
    CHECK(strcmp(cu8_result_message(1000), "unknown cu8_result value") == 0);
    CHECK(strstr(cu8_result_message(CU8_INVALID_INPUT), "illegal input sequence") != NULL);
    /* The stable values the header promises. */
    CHECK(CU8_OK == 0 && CU8_UNKNOWN_CHARSET == 1 && CU8_INVALID_INPUT == 2 &&
          CU8_INCOMPLETE_INPUT == 3 && CU8_OUTPUT_FULL == 4 && CU8_NULL_ARGUMENT == 5 &&
          CU8_INVALID_ARGUMENT == 6 && CU8_INTERNAL_ERROR == 7 && CU8_UNSUPPORTED_CHARSET == 8 &&
          CU8_BINARY_INPUT == 9 && CU8_UNDETECTED_CHARSET == 10);
    CHECK(CU8_STRICT == 0 && CU8_IGNORE == 1 && CU8_REPLACE == 2);
}

static void utf8(void) {
    EXPECT("UTF-8", "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80", CU8_STRICT, CU8_OK,
           "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80", SIZE_MAX);
    EXPECT("utf8", "plain", CU8_STRICT, CU8_OK, "plain", SIZE_MAX);
    /* glibc keeps only [A-Za-z0-9_.,:/-] of a label: bytes that are not UTF-8 are dropped. */
    EXPECT("UTF\xFF-8", "x", CU8_STRICT, CU8_OK, "x", SIZE_MAX);
    EXPECT("UTF-8", "", CU8_STRICT, CU8_OK, "", SIZE_MAX);
    EXPECT("UTF-8", "ab\xFF" "cd", CU8_STRICT, CU8_INVALID_INPUT, NULL, 2);
    EXPECT("UTF-8", "ab\xC3\xA9\xED\xA0\x80", CU8_STRICT, CU8_INVALID_INPUT, NULL, 4);
    EXPECT("UTF-8", "ab\xF0\x9F\x98", CU8_STRICT, CU8_INCOMPLETE_INPUT, NULL, 2);
    EXPECT("UTF-8", "ab\xFF" "cd\xFE", CU8_IGNORE, CU8_OK, "abcd", 2);
    EXPECT("UTF-8", "ab\xFF" "cd\xE2\x82", CU8_REPLACE, CU8_OK,
           "ab\xEF\xBF\xBD" "cd\xEF\xBF\xBD", 2);
    EXPECT("UTF-8", "clean", CU8_REPLACE, CU8_OK, "clean", SIZE_MAX);
    /* NUL bytes are characters like any other: the length says where the text ends. */
    expect_decode("UTF-8", "a\0b", 3, CU8_STRICT, CU8_OK, NULL, SIZE_MAX, __LINE__);
}

static void utf16(void) {
    uint8_t *dst = NULL;
    size_t dst_len = 0;
    cu8_result r = cu8_decode("UTF-16LE", (const uint8_t *)"A\0", 2, CU8_STRICT, &dst, &dst_len,
                              NULL);
    CHECK_RESULT(r, CU8_OK);
    cu8_free(dst, dst_len);
    EXPECT("UTF-16LE", "A\0\xE9\0=\xD8\x00\xDE", CU8_STRICT, CU8_OK,
           "A\xC3\xA9\xF0\x9F\x98\x80", SIZE_MAX);
    EXPECT("UTF-16BE", "\0A\0", CU8_STRICT, CU8_INCOMPLETE_INPUT, NULL, 2);
    EXPECT("UTF-16BE", "\0A\0", CU8_REPLACE, CU8_OK, "A\xEF\xBF\xBD", 2);
}

static void charsets_and_flags(void) {
    EXPECT("no-such-charset", "x", CU8_STRICT, CU8_UNKNOWN_CHARSET, NULL, SIZE_MAX);
    EXPECT("", "x", CU8_STRICT, CU8_UNKNOWN_CHARSET, NULL, SIZE_MAX);
    EXPECT("UTF-8", "x", 3, CU8_INVALID_ARGUMENT, NULL, SIZE_MAX);
    EXPECT("UTF-8", "x", 0x200, CU8_INVALID_ARGUMENT, NULL, SIZE_MAX);
    EXPECT("UTF-8", "x", 0xFFFFFFFFu, CU8_INVALID_ARGUMENT, NULL, SIZE_MAX);
    EXPECT("UTF-8", "x", CU8_REPLACE | CU8_WHATWG_LABELS, CU8_OK, "x", SIZE_MAX);
    /* WHATWG: latin1 is windows-1252, where 0x80 is the euro sign. */
    EXPECT("latin1", "\x80", CU8_STRICT | CU8_WHATWG_LABELS, CU8_OK, "\xE2\x82\xAC", SIZE_MAX);
}

static void null_arguments(void) {
    uint8_t *dst = NULL;
    size_t dst_len = 99;
    size_t offset = 99;
    CHECK_RESULT(cu8_decode(NULL, (const uint8_t *)"x", 1, 0, &dst, &dst_len, &offset),
                 CU8_NULL_ARGUMENT);
    CHECK(dst == NULL && dst_len == 0 && offset == SIZE_MAX);
    CHECK_RESULT(cu8_decode("UTF-8", NULL, 1, 0, &dst, &dst_len, NULL), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decode("UTF-8", (const uint8_t *)"x", 1, 0, NULL, &dst_len, NULL),
                 CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decode("UTF-8", (const uint8_t *)"x", 1, 0, &dst, NULL, NULL),
                 CU8_NULL_ARGUMENT);
    CHECK(dst == NULL);
    CHECK_RESULT(cu8_decode(NULL, NULL, 0, 0, NULL, NULL, NULL), CU8_NULL_ARGUMENT);
    CHECK_RESULT(cu8_decode("UTF-8", (const uint8_t *)"x", SIZE_MAX, 0, &dst, &dst_len, NULL),
                 CU8_INVALID_ARGUMENT);
    /* An empty input may be NULL; the empty output is still a buffer to free. */
    CHECK_RESULT(cu8_decode("UTF-8", NULL, 0, 0, &dst, &dst_len, NULL), CU8_OK);
    CHECK(dst != NULL && dst_len == 0 && dst[0] == 0);
    cu8_free(dst, dst_len);
    cu8_free(NULL, 0);
    cu8_free(NULL, 42);
}

int main(void) {
    static_strings();
    utf8();
    utf16();
    charsets_and_flags();
    null_arguments();
    return check_finish("test_oneshot");
}
