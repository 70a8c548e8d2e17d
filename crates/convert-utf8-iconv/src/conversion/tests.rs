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

/// `text` in `charset`, encoded by the system's iconv (the oracle), what the charset lacks left
/// out.
fn encoded(text: &str, charset: &str) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("iconv")
        .args(["-c", "-f", "UTF-8", "-t", charset])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the system's iconv");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.stdout.is_empty(), "iconv -t {charset} wrote nothing");
    out.stdout
}

/// Converts `src` through outputs of `room` bytes, as a program does, the bulk loops leaving
/// `margin` bytes to the tail; every call's outcome and the text.
fn through(c: &mut Conversion, src: &[u8], room: usize, margin: usize) -> (Vec<Outcome>, Vec<u8>) {
    let mut dst = vec![0u8; room];
    let (mut calls, mut text, mut at) = (Vec::new(), Vec::new(), 0);
    loop {
        let outcome = c.convert_with_margin(&src[at..], &mut dst, margin);
        calls.push(outcome);
        text.extend_from_slice(&dst[..outcome.written]);
        at += outcome.read;
        if outcome.stop != Stop::OutputFull || (outcome.read == 0 && outcome.written == 0) {
            return (calls, text);
        }
        assert!(
            calls.len() <= 2 * src.len(),
            "no end: {:?}",
            &calls[calls.len() - 4..]
        );
    }
}

/// Leaving the tail only one code point's room, or even one byte (and doing the call again with
/// a whole tail when the tail writes nothing) ends every call where leaving a whole tail does:
/// around shift sequences, characters of two code points from one code (JIS X 0213, IBM1390's kana with a
/// semi-voiced mark, TSCII), held characters and bad bytes dropped under //IGNORE.
#[test]
fn a_narrow_tail_ends_every_call_where_a_whole_tail_does() {
    let text = include_str!("../../tests/data/stateful.txt");
    for charset in [
        "ISO-2022-JP-3",
        "ISO-2022-JP-2",
        "IBM1390",
        "IBM1399",
        "TSCII",
        "CP1255",
        "CP1258",
        "UTF-7",
        "UTF-16",
    ] {
        let clean = encoded(text, charset);
        // Bad bytes here and there, dropped under //IGNORE.
        let mut damaged = clean.clone();
        for at in (17..damaged.len()).step_by(97) {
            damaged[at] = 0xFF;
        }
        for (src, ignore) in [(&clean, false), (&damaged, true)] {
            for room in 1..=48 {
                let whole = through(&mut conversion(charset, ignore), src, room, TAIL);
                // One byte is too few for most characters: the call done again must mend it.
                for margin in [ONE_CODE_POINT, 1] {
                    let narrow = through(&mut conversion(charset, ignore), src, room, margin);
                    assert_eq!(
                        narrow, whole,
                        "{charset}, ignore: {ignore}, {room}-byte output, margin {margin}"
                    );
                }
            }
        }
    }
}

/// The ISO-2022 tails filled at once ([`Conversion::fill_tail_at_once`]) end every call where
/// the byte-at-a-time tail does on valid text, around shifts at the end of the output and of
/// the input and characters of two code points from one code; and with bad bytes dropped under
/// //IGNORE, the margin makes no difference (no margin is the library's for these charsets).
/// Around an ESC written as a character the byte-at-a-time tail is no reference: it reads past
/// the ESC, and beside a drop does not fill the output, where glibc does neither (the next two
/// tests, and the driver's tests against glibc).
#[test]
fn iso2022_tails_filled_at_once_end_every_call_where_a_byte_at_a_time_does() {
    let text = include_str!("../../tests/data/stateful.txt");
    let iso2022: Vec<&str> = Charset::all()
        .filter(|charset| charset.family() == Family::Iso2022)
        .map(Charset::name)
        .collect();
    assert_eq!(iso2022.len(), 6, "the ISO-2022 charsets");
    for charset in iso2022 {
        let clean = encoded(text, charset);
        let mut damaged = clean.clone();
        for at in (17..damaged.len()).step_by(97) {
            damaged[at] = 0xFF;
        }
        // Shifts where calls end, and at the end of the input.
        let mut shifting = clean.clone();
        shifting.extend_from_slice(match charset {
            "ISO-2022-KR" => b"ab\x0fcd\x0e\x30\x21\x0f\x0e\x0f",
            "ISO-2022-CN" | "ISO-2022-CN-EXT" => b"ab\x0fcd\x1b$)A\x0e\x30\x21\x0f\x0e\x0f",
            _ => b"ab\x1b(Bcd\x1b$B\x30\x21\x1b(B\x1b$B\x1b(B",
        });
        for room in 1..=40 {
            for src in [&clean, &shifting] {
                let mut reference = conversion(charset, false);
                reference.fills_tail_at_once = false;
                let byte_at_a_time = through(&mut reference, src, room, TAIL);
                for margin in [0, ONE_CODE_POINT, TAIL] {
                    let at_once = through(&mut conversion(charset, false), src, room, margin);
                    assert_eq!(
                        at_once, byte_at_a_time,
                        "{charset}, {room}-byte output, margin {margin}"
                    );
                }
            }
            // (A whole TAIL as the margin leaves more than the tail filled at once takes.)
            let no_margin = through(&mut conversion(charset, true), &damaged, room, 0);
            let narrow = through(
                &mut conversion(charset, true),
                &damaged,
                room,
                ONE_CODE_POINT,
            );
            assert_eq!(
                narrow, no_margin,
                "{charset} damaged, //IGNORE, {room}-byte output"
            );
        }
    }
}

/// A call whose output its characters fill exactly, with only a shift after them, reads the
/// shift (glibc does) and keeps its state for the next call's input.
#[test]
fn a_shift_after_an_exact_fit_is_read_and_its_state_kept() {
    let mut c = conversion("ISO-2022-JP", false);
    let mut out = [0u8; 2];
    assert_eq!(
        c.convert(b"ab\x1b$B", &mut out),
        outcome(5, 2, Stop::Complete)
    );
    let mut more = [0u8; 8];
    assert_eq!(
        c.convert(b"\x30\x21", &mut more),
        outcome(2, 3, Stop::Complete)
    );
    assert_eq!(&more[..3], "亜".as_bytes());
}

/// Under //IGNORE, an ESC that begins no escape sequence (here `ESC $` before a bad byte) is a
/// character that fills a 3-byte output after `ab`: glibc writes it and leaves the input right
/// after it, then drops the bad byte in the next call. (The byte-at-a-time tail stopped before
/// the ESC, at 5 of 6 bytes, and the calls after went out of step.) The calls as glibc makes
/// them, observed with iconv(3) call by call.
#[test]
fn an_esc_written_beside_a_drop_fills_the_output_as_glibc_does() {
    let src = b"\x1b(Bab\x1b$\xff&%&K&K&D&A\x1b(B \n";
    let calls = through(&mut conversion("ISO-2022-JP", true), src, 3, 0);
    let reads: Vec<usize> = calls.0.iter().map(|outcome| outcome.read).collect();
    assert_eq!(reads, [6, 4, 3, 3, 6, 1]);
    let writes: Vec<usize> = calls.0.iter().map(|outcome| outcome.written).collect();
    assert_eq!(writes, [3, 3, 3, 3, 3, 1]);
    assert_eq!(calls.0.last().unwrap().stop, Stop::Complete);
    assert_eq!(calls.1, b"ab\x1b$&%&K&K&D&A \n");
}

/// An ESC that begins no escape sequence is a character; when it is the last that fits, glibc
/// leaves the input right after it, and the bytes that followed it are read in the next call.
#[test]
fn an_esc_written_as_the_last_character_leaves_the_input_right_after_it() {
    let mut c = conversion("ISO-2022-JP", false);
    let mut out = [0u8; 3];
    assert_eq!(
        c.convert(b"AB\x1b(A", &mut out),
        outcome(3, 3, Stop::OutputFull)
    );
    assert_eq!(&out, b"AB\x1b");
    let mut rest = [0u8; 8];
    assert_eq!(c.convert(b"(A", &mut rest), outcome(2, 2, Stop::Complete));
    assert_eq!(&rest[..2], b"(A");
}

/// ISO-2022-JP-2's `ESC ( FF` writes the ESC as a character and drops the rest in one step of
/// the engine: at the end of a small output, that step is taken whole, not undone and written
/// again by every call after it (it once was, for ever).
#[test]
fn an_esc_written_with_a_drop_at_the_end_of_the_output_is_written_once() {
    let src = b"\x1b$B$-$/\x1b(\xffab\x1b$BF|";
    let mut whole = [0u8; 64];
    let all = conversion("ISO-2022-JP-2", true).convert(src, &mut whole);
    assert_eq!(&whole[..all.written], "きく\u{1b}痰日".as_bytes());
    for room in 3..=8 {
        let (calls, text) = through(
            &mut conversion("ISO-2022-JP-2", true),
            src,
            room,
            ONE_CODE_POINT,
        );
        assert_eq!(text, &whole[..all.written], "{room}-byte output: {calls:?}");
    }
}

/// A code of two code points (JIS X 0213's か゚) through an output with room for one: the
/// first is written and the code read; the second comes first in the next call with input (a
/// call without any returns at once, as glibc's does), or from a flush, and a reset drops it,
/// as glibc keeps and drops it in its state.
#[test]
fn the_rest_of_a_code_of_two_code_points_comes_first_in_the_next_call() {
    let src = encoded("か゚", "ISO-2022-JP-3");
    assert_eq!(src, b"\x1b$(O\x24\x77\x1b(B");
    let mut out = [0u8; 4];

    let mut c = conversion("ISO-2022-JP-3", false);
    assert_eq!(c.convert(&src, &mut out), outcome(6, 3, Stop::OutputFull));
    assert_eq!(&out[..3], "か".as_bytes());
    assert_eq!(c.convert(b"", &mut out), outcome(0, 0, Stop::Complete));
    // Nothing fits but the rest, which does not fit a 2-byte output: no progress.
    assert_eq!(
        c.convert(&src[6..], &mut out[..2]),
        outcome(0, 0, Stop::OutputFull)
    );
    assert_eq!(
        c.convert(&src[6..], &mut out),
        outcome(3, 3, Stop::Complete)
    );
    assert_eq!(&out[..3], "\u{309A}".as_bytes());

    let mut c = conversion("ISO-2022-JP-3", false);
    c.convert(&src, &mut out);
    assert_eq!(c.flush(&mut out), outcome(0, 3, Stop::Complete));
    assert_eq!(&out[..3], "\u{309A}".as_bytes());

    let mut c = conversion("ISO-2022-JP-3", false);
    c.convert(&src, &mut out);
    c.reset();
    assert_eq!(
        c.convert(&src[6..], &mut out),
        outcome(3, 0, Stop::Complete)
    );
}

/// UTF-8 under //IGNORE through 3- and 4-byte outputs: a character written between two
/// dropped sequences, and a run of lone continuation bytes the decoder holds to see its end,
/// once made every call after them write the same character again, or loop inside one call.
#[test]
fn drops_around_the_end_of_a_small_output_do_not_stall() {
    for (src, room) in [
        (&b"\xce\xb1 \xe8\x0f\x9e\xe3\x81\x8b"[..], 3),
        (&b"\xe0\xae\xbf\xe0(\xb2\x80\xaf\x87 "[..], 4),
    ] {
        let mut whole = [0u8; 64];
        let all = conversion("UTF-8", true).convert(src, &mut whole);
        for room in room..=8 {
            // On a thread of its own, so that a loop inside a call fails the test.
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = sender.send(through(&mut conversion("UTF-8", true), src, room, 0));
            });
            let (calls, text) = receiver
                .recv_timeout(std::time::Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("{room}-byte output: a call never ended"));
            assert_eq!(text, &whole[..all.written], "{room}-byte output: {calls:?}");
        }
    }
}
/// EUC-TW's `8E A3` is dropped only when the byte after the next shows it bad, and then the
/// good byte between comes out with the next one held: through a 3-byte output, the input was
/// left after that held byte, whose character was then cut in two.
#[test]
fn a_character_written_from_held_bytes_leaves_the_input_right_after_it() {
    let src = b"\x8e\xa3B\xe2\xa1";
    let mut c = conversion("EUC-TW", true);
    let mut out = [0u8; 3];
    assert_eq!(c.convert(src, &mut out), outcome(3, 1, Stop::OutputFull));
    assert_eq!(
        c.convert(&src[3..], &mut out),
        outcome(2, 3, Stop::Complete)
    );
    assert_eq!(&out[..3], "註".as_bytes());
}

/// glibc reads a UTF-16, UTF-32 or UNICODE byte order mark at the start of the input before
/// anything else: a call whose first character does not fit leaves the input after the mark
/// (the tail would go back to before it, as before a shift), its byte order chosen.
#[test]
fn a_leading_byte_order_mark_is_read_when_the_first_character_does_not_fit() {
    for (charset, src, bom, text) in [
        ("UTF-16", &b"\xff\xfe\xcc\xcd"[..], 2, "\u{cdcc}"),
        ("UTF-16", b"\xfe\xff\xcd\xcc", 2, "\u{cdcc}"),
        ("UNICODE", b"\xff\xfe\xcc\xcd", 2, "\u{cdcc}"),
        ("UTF-32", b"\x00\x00\xfe\xff\x00\x00\xcc\xcd", 4, "\u{cccd}"),
        ("UTF-32", b"\xff\xfe\x00\x00\xcd\xcc\x00\x00", 4, "\u{cccd}"),
    ] {
        for room in [0, 1, 2] {
            let mut c = conversion(charset, false);
            let mut out = [0u8; 2];
            assert_eq!(
                c.convert(src, &mut out[..room]),
                outcome(bom, 0, Stop::OutputFull),
                "{charset} {room}"
            );
            // The rest, without the mark, in the byte order the mark chose.
            let mut rest = [0u8; 8];
            let done = c.convert(&src[bom..], &mut rest);
            assert_eq!(
                done,
                outcome(src.len() - bom, 3, Stop::Complete),
                "{charset}"
            );
            assert_eq!(&rest[..3], text.as_bytes());
        }
    }
    // The mark alone, a mark with a cut unit after it, and U+FEFF that is no mark (UTF-16LE
    // reads none): as before.
    let mut out = [0u8; 4];
    let mut c = conversion("UTF-16", false);
    assert_eq!(
        c.convert(b"\xff\xfe", &mut out),
        outcome(2, 0, Stop::Complete)
    );
    let mut c = conversion("UTF-16", false);
    assert_eq!(
        c.convert(b"\xff\xfeA", &mut out[..0]),
        outcome(2, 0, Stop::Incomplete)
    );
    let mut c = conversion("UTF-16LE", false);
    assert_eq!(
        c.convert(b"\xff\xfe\x41\x00", &mut out[..2]),
        outcome(0, 0, Stop::OutputFull)
    );
}

/// Converts `src` as a program that skips the bad byte at each `EILSEQ` and goes on does: the
/// input position of each stop and the text, to compare with glibc's.
fn skipping_bad_bytes(charset: &str, src: &[u8]) -> (Vec<(usize, Stop)>, Vec<u8>) {
    let mut c = conversion(charset, false);
    let (mut stops, mut text, mut at) = (Vec::new(), Vec::new(), 0);
    let mut out = [0u8; 100];
    while at <= src.len() && stops.len() <= 2 * src.len() {
        let done = c.convert(&src[at..], &mut out);
        text.extend_from_slice(&out[..done.written]);
        at += done.read;
        stops.push((at, done.stop));
        match done.stop {
            Stop::Invalid => at += 1,
            _ => break,
        }
    }
    (stops, text)
}

/// After a strict `EILSEQ`, glibc's UTF-7 module is in the state before the bad sequence,
/// except that a base64 run that could end cleanly there has ended; a program that skips the
/// bad byte reads on from that state. (Each case as glibc 2.36 converts it.)
#[test]
fn utf7_goes_on_after_a_skipped_bad_byte_as_glibc_does() {
    use Stop::{Complete, Invalid};
    /// Charset, input, each stop's input position, the text.
    type Case<'a> = (&'a str, &'a [u8], &'a [(usize, Stop)], &'a str);
    let cases: [Case; 6] = [
        // `-` with bits left over: bad, and the run goes on (xyz is base64: 燋).
        (
            "UTF-7",
            b"+AGF-xyz",
            &[(4, Invalid), (8, Complete)],
            "a\u{71cb}",
        ),
        (
            "UTF-7-IMAP",
            b"&AGF-xyz",
            &[(4, Invalid), (8, Complete)],
            "a\u{71cb}",
        ),
        // A byte from 0x80 where the run can end cleanly: the run ends, the byte is bad text.
        (
            "UTF-7",
            b"+AGE\xbeAGE-x",
            &[(4, Invalid), (10, Complete)],
            "aAGE-x",
        ),
        ("UTF-7", b"+\xffGx", &[(1, Invalid), (4, Complete)], "Gx"),
        // ... and where it cannot: bad, and the run goes on.
        ("UTF-7", b"+AG\xbeE-x", &[(3, Invalid), (7, Complete)], "ax"),
        // Bits carried over complete a bad unit at a call's first byte: found there, and the
        // run stays as it was, so each base64 byte after is bad again.
        (
            "UTF-7-IMAP",
            b"&3o-oIVI",
            &[
                (3, Invalid),
                (4, Invalid),
                (5, Invalid),
                (6, Invalid),
                (7, Invalid),
                (8, Complete),
            ],
            "",
        ),
    ];
    for (charset, src, stops, text) in cases {
        let got = skipping_bad_bytes(charset, src);
        assert_eq!(
            got,
            (stops.to_vec(), text.as_bytes().to_vec()),
            "{charset} {src:?}"
        );
    }
}
