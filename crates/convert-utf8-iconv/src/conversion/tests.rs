use super::*;

fn conversion(label: &str, ignore: bool) -> Conversion {
    Conversion::new(Charset::for_glibc_label(label).unwrap(), ignore)
}

fn outcome(read: usize, written: usize, stop: Stop) -> Outcome {
    Outcome {
        read,
        written,
        stop,
    }
}

#[test]
fn an_incomplete_sequence_at_the_end_is_left_to_the_caller() {
    let mut c = conversion("UTF-8", false);
    let mut out = [0u8; 64];
    assert_eq!(
        c.convert(b"ab\xE2\x82", &mut out),
        outcome(2, 2, Stop::Incomplete)
    );
    // Passed again with the byte that completes it, it decodes.
    assert_eq!(
        c.convert(b"\xE2\x82\xAC", &mut out),
        outcome(3, 3, Stop::Complete)
    );
    assert_eq!(&out[..3], "€".as_bytes());
}

#[test]
fn a_bad_sequence_is_not_consumed() {
    let mut c = conversion("SJIS", false);
    let mut out = [0u8; 64];
    assert_eq!(
        c.convert(b"ab\xFFcd", &mut out),
        outcome(2, 2, Stop::Invalid)
    );
    assert_eq!(c.convert(b"\xFFcd", &mut out), outcome(0, 0, Stop::Invalid));
    assert_eq!(c.convert(b"cd", &mut out), outcome(2, 2, Stop::Complete));
}

#[test]
fn a_full_output_is_filled_to_its_last_whole_character() {
    let mut c = conversion("SJIS", false);
    let mut out = [0u8; 4];
    // "ab" then 日 (three bytes in UTF-8): two bytes of room left, so it stops after "ab".
    assert_eq!(
        c.convert(b"ab\x93\xfac", &mut out),
        outcome(2, 2, Stop::OutputFull)
    );
    let mut out = [0u8; 5];
    assert_eq!(
        c.convert(b"ab\x93\xfac", &mut out),
        outcome(4, 5, Stop::OutputFull)
    );
    for size in 0..8 {
        let mut out = vec![0u8; size];
        let mut c = conversion("ISO-8859-1", false);
        let got = c.convert(b"a\xE9b", &mut out);
        let expected = match size {
            0 => outcome(0, 0, Stop::OutputFull),
            1 | 2 => outcome(1, 1, Stop::OutputFull),
            3 => outcome(2, 3, Stop::OutputFull),
            _ => outcome(3, 4, Stop::Complete),
        };
        assert_eq!(got, expected, "output of {size} bytes");
    }
}

#[test]
fn ignore_drops_then_reports() {
    let mut c = conversion("UTF-8", true);
    let mut out = [0u8; 64];
    assert_eq!(
        c.convert(b"ab\xFFcd", &mut out),
        outcome(5, 4, Stop::Invalid)
    );
    assert_eq!(&out[..4], b"abcd");
    // An incomplete sequence at the end still wins.
    assert_eq!(
        c.convert(b"ab\xFFcd\xE3\x81", &mut out),
        outcome(5, 4, Stop::Incomplete)
    );
}

#[test]
fn ignore_forgets_drops_before_the_last_round_as_glibc_does() {
    let round = IGNORE_ROUND_CHARS as usize;
    let mut out = vec![0u8; 4 * round];
    for (total, stop) in [(round + 1, Stop::Invalid), (round + 2, Stop::Complete)] {
        let mut input = vec![b'a'; total];
        input[2] = 0xFF;
        let mut c = conversion("UTF-8", true);
        assert_eq!(
            c.convert(&input, &mut out),
            outcome(total, total - 1, stop),
            "{total}"
        );
    }
}

#[test]
fn ignore_leaves_the_input_after_the_last_character_when_the_output_fills() {
    let mut c = conversion("CP1252", true);
    let mut out = [0u8; 3];
    assert_eq!(
        c.convert(b"abc\x81d", &mut out),
        outcome(3, 3, Stop::OutputFull)
    );
    let mut out = [0u8; 4];
    assert_eq!(
        c.convert(b"abc\x81\x81de", &mut out),
        outcome(6, 4, Stop::OutputFull)
    );
}

#[test]
fn flush_writes_what_the_state_holds_back() {
    let mut c = conversion("CP1255", false);
    let mut out = [0u8; 8];
    assert_eq!(c.convert(b"a\xE0", &mut out), outcome(2, 1, Stop::Complete));
    assert_eq!(c.flush(&mut []), outcome(0, 0, Stop::OutputFull));
    assert_eq!(c.flush(&mut out), outcome(0, 2, Stop::Complete));
    assert_eq!(&out[..2], "א".as_bytes());
    assert_eq!(c.flush(&mut out), outcome(0, 0, Stop::Complete));
}

#[test]
fn a_held_character_comes_out_through_a_one_byte_output() {
    let mut c = conversion("CP1258", false);
    let input = b"The quick";
    let (mut at, mut out) = (0, Vec::new());
    for _ in 0..64 {
        let mut buf = [0u8; 1];
        let got = c.convert(&input[at..], &mut buf);
        out.extend_from_slice(&buf[..got.written]);
        at += got.read;
        if got.stop == Stop::Complete {
            break;
        }
    }
    let mut rest = [0u8; 8];
    let flushed = c.flush(&mut rest);
    out.extend_from_slice(&rest[..flushed.written]);
    assert_eq!(out, input);
}

#[test]
fn an_invalid_sequence_cut_by_the_end_of_the_input_is_invalid_not_incomplete() {
    // A lone continuation byte at the end: glibc does not wait for more to know it is bad.
    let mut c = conversion("UTF-8", false);
    let mut out = [0u8; 32];
    assert_eq!(
        c.convert(b"abc\x80", &mut out),
        outcome(3, 3, Stop::Invalid)
    );
    let mut c = conversion("UTF-8", true);
    assert_eq!(
        c.convert(b"abc\x80", &mut out),
        outcome(4, 3, Stop::Invalid)
    );
    assert_eq!(
        c.convert(b"abc\x80", &mut out[..3]),
        outcome(4, 3, Stop::Invalid)
    );
}
