/* Distinct decoders used from distinct threads at once, as the header allows: each thread
 * decodes the same input in its own chunking and must get the one-shot result. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

#define THREADS 8
#define INPUT_LEN (64u << 10)

static uint8_t input[INPUT_LEN];
static uint8_t *expected;
static size_t expected_len;

typedef struct {
    size_t chunk;
    int ok;
} job;

static void *decode_in_chunks(void *arg) {
    job *j = arg;
    j->ok = 0;
    cu8_decoder *dec = NULL;
    if (cu8_decoder_new("UTF-8", CU8_REPLACE, &dec) != CU8_OK) return NULL;
    uint8_t *out = malloc(expected_len + CU8_MIN_OUTPUT_SPACE);
    size_t fed = 0, out_len = 0;
    int ok = out != NULL;
    while (ok && fed < INPUT_LEN) {
        size_t piece = INPUT_LEN - fed < j->chunk ? INPUT_LEN - fed : j->chunk;
        size_t read, written;
        cu8_result r = cu8_decoder_decode(dec, input + fed, piece, &read, out + out_len,
                                          CU8_MIN_OUTPUT_SPACE + expected_len - out_len,
                                          &written, fed + piece == INPUT_LEN);
        ok = r == CU8_OK && read == piece;
        fed += read;
        out_len += written;
    }
    j->ok = ok && out_len == expected_len && memcmp(out, expected, out_len) == 0;
    free(out);
    cu8_decoder_free(dec);
    return NULL;
}

int main(void) {
    for (size_t i = 0; i < INPUT_LEN; i++) {
        /* Mostly text, with stray continuation and lead bytes. */
        static const char text[] = "\xCE\xB1\xCE\xB2\xCE\xB3 \xE2\x82\xAC\x80 x\xF0\x9F\x98";
        input[i] = (uint8_t)text[i % (sizeof(text) - 1)];
    }
    CHECK_RESULT(cu8_decode("UTF-8", input, INPUT_LEN, CU8_REPLACE, &expected, &expected_len,
                            NULL), CU8_OK);
    pthread_t threads[THREADS];
    job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t].chunk = (size_t)1 << (t + 3); /* 8 bytes .. 1 KiB */
        CHECK(pthread_create(&threads[t], NULL, decode_in_chunks, &jobs[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        CHECK(pthread_join(threads[t], NULL) == 0);
        if (!jobs[t].ok) {
            fprintf(stderr, "thread with %zu-byte chunks decoded differently\n", jobs[t].chunk);
            check_failures++;
        }
    }
    cu8_free(expected, expected_len);
    return check_finish("test_threads");
}
