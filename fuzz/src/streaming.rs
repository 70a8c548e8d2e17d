//! Streaming with fuzzer-chosen chunk boundaries and output room, compared with one shot.
//!
//! Input: two bytes pick the charset; one byte the policy (and whether the end of input comes
//! with the last piece or in an empty call of its own, and whether the calls write UTF-8,
//! UTF-16 or each by turns); one byte the output buffer size (0 to
//! 255: below `MIN_OUTPUT_SPACE` the caller offers more only when no character fits); one byte
//! how many piece lengths follow (up to 15), cycled through to cut the rest, the input.
//!
//! Any difference from one-shot decoding is a failure: same output, same error count and first
//! error; under Strict, resuming after every error must give Ignore's output, with the output
//! before the first error exactly what one-shot Strict wrote.

use crate::{
    Form, POLICIES, Reader, assert_error_inside, assert_utf8, decode_one_shot, decode_streaming,
    pick_charset,
};
use convert_utf8::{Decoder, ErrorPolicy};

pub fn check(data: &[u8]) {
    let mut reader = Reader::new(data);
    let charset = pick_charset(reader.u16());
    let mode = reader.byte();
    let policy = POLICIES[usize::from(mode % 3)];
    let last_with_data = mode & 0x80 == 0;
    let form = Form::pick(mode >> 3);
    let dst_len = usize::from(reader.byte());
    let pieces = usize::from(reader.byte() % 16);
    let chunk_lens = crate::chunk_lens(reader.bytes(pieces));
    let input = reader.rest();
    let context = (
        charset,
        policy,
        form,
        &chunk_lens,
        dst_len,
        last_with_data,
        input,
    );

    let mut decoder = Decoder::new(charset, policy);
    let (output, errors, output_at_first_error) = decode_streaming(
        &mut decoder,
        input,
        &chunk_lens,
        dst_len,
        last_with_data,
        form,
    );
    assert_utf8(&output, &context);
    for error in &errors {
        assert_error_inside(error, input, &context);
    }
    assert_eq!(
        decoder.position(),
        input.len() as u64,
        "{context:?}: position"
    );

    let whole = decode_one_shot(charset, policy, input);
    assert_eq!(
        decoder.first_error(),
        whole.first_error,
        "{context:?}: first error"
    );
    match policy {
        ErrorPolicy::Strict => {
            assert_eq!(
                errors.first().copied(),
                whole.stopped_by,
                "{context:?}: first error"
            );
            if let Some(at) = output_at_first_error {
                assert_eq!(
                    output[..at],
                    whole.output,
                    "{context:?}: output before the error"
                );
            } else {
                assert_eq!(output, whole.output, "{context:?}: output");
            }
            let ignoring = decode_one_shot(charset, ErrorPolicy::Ignore, input);
            assert_eq!(
                output, ignoring.output,
                "{context:?}: resumed Strict is not Ignore"
            );
            assert_eq!(
                errors.len() as u64,
                ignoring.error_count,
                "{context:?}: error count"
            );
            assert_eq!(decoder.error_count(), ignoring.error_count, "{context:?}");
        }
        _ => {
            assert!(errors.is_empty(), "{context:?}: only Strict reports errors");
            assert_eq!(output, whole.output, "{context:?}: output");
            assert_eq!(
                decoder.error_count(),
                whole.error_count,
                "{context:?}: error count"
            );
        }
    }

    // The same decoder, reset, decodes the same input the same way again.
    decoder.reset();
    let again = decode_streaming(
        &mut decoder,
        input,
        &chunk_lens,
        dst_len,
        last_with_data,
        form,
    );
    assert_eq!(
        again,
        (output, errors, output_at_first_error),
        "{context:?}: after reset"
    );
}
