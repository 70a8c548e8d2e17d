//! Candidate loops for the engine, timed beside it to estimate what a change would buy before
//! anyone touches the engine's decoders. Each is a whole decoder for the charsets it is offered
//! for: what it does not handle itself (a chunk holding a non-ASCII byte, a bad sequence) it
//! hands to the engine's decoder, so its output is checked like any contender's.

use crate::Run;
use convert_utf8::{Charset, Decoder, ErrorPolicy};

/// Bytes checked before they are copied: small enough to stay in the first-level cache between
/// the check and the copy.
const CHUNK: usize = 16 * 1024;

fn engine(charset: &str) -> Decoder {
    Decoder::new(Charset::for_label(charset).unwrap(), ErrorPolicy::Strict)
}

/// Single-byte charsets whose lower half is ASCII: each chunk that is all ASCII (`is_ascii`,
/// which reads words and stops at the first high bit) is copied with one `copy_from_slice`
/// (glibc's memcpy: `rep movsb` or wide stores, whatever the alignment); any other chunk goes
/// through the engine.
fn ascii_chunks_then_memcpy(decoder: &mut Decoder, input: &[u8], dst: &mut [u8]) -> usize {
    decoder.reset();
    let mut written = 0;
    for chunk in input.chunks(CHUNK) {
        if chunk.is_ascii() {
            dst[written..written + chunk.len()].copy_from_slice(chunk);
            written += chunk.len();
        } else {
            let step = decoder.decode(chunk, &mut dst[written..], false);
            assert_eq!(step.read, chunk.len());
            written += step.written;
        }
    }
    written
}

/// The engine's AVX-512 ASCII step (64 bytes: one load, one sign-mask test, one store) with the
/// stores aligned: the first bytes up to a 64-byte boundary of `dst` are copied one by one, so
/// that no store is split across two cache lines. The engine takes over at the first chunk that
/// is not all ASCII.
#[cfg(target_arch = "x86_64")]
fn ascii_avx512(decoder: &mut Decoder, input: &[u8], dst: &mut [u8], aligned: bool) -> usize {
    decoder.reset();
    if !(std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512bw")) {
        let step = decoder.decode(input, dst, true);
        return step.written;
    }
    // SAFETY: the CPU has AVX-512 F and BW, checked just above.
    let done = unsafe { avx512_ascii(input, dst, aligned) };
    let step = decoder.decode(&input[done..], &mut dst[done..], true);
    assert_eq!(done + step.read, input.len());
    done + step.written
}

/// Copies the all-ASCII start of `src` to `dst` (which has room for it); returns its length
/// (rounded down to where the 64-byte loop stopped). Without `aligned`, the same loop with the
/// stores wherever `dst` puts them, as the engine's: what alignment alone is worth.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn avx512_ascii(src: &[u8], dst: &mut [u8], aligned: bool) -> usize {
    use std::arch::x86_64::{
        _mm512_loadu_si512, _mm512_movepi8_mask, _mm512_store_si512, _mm512_storeu_si512,
    };
    let head = if aligned {
        dst.as_ptr().align_offset(64).min(src.len())
    } else {
        0
    };
    let mut i = 0;
    while i < head {
        if src[i] >= 0x80 {
            return i;
        }
        dst[i] = src[i];
        i += 1;
    }
    let n = src.len().min(dst.len());
    while i + 64 <= n {
        // SAFETY: 64 bytes from `i` are in both slices; with `aligned`, `dst + i` is 64-byte
        // aligned (`head`).
        unsafe {
            let bytes = _mm512_loadu_si512(src.as_ptr().add(i).cast());
            if _mm512_movepi8_mask(bytes) != 0 {
                break;
            }
            if aligned {
                _mm512_store_si512(dst.as_mut_ptr().add(i).cast(), bytes);
            } else {
                _mm512_storeu_si512(dst.as_mut_ptr().add(i).cast(), bytes);
            }
        }
        i += 64;
    }
    i
}

/// UTF-8 validated and copied a chunk at a time, so the copy reads what the validation just
/// brought into the cache; the engine validates the whole input, then copies it.
fn utf8_chunks_validate_then_copy(decoder: &mut Decoder, input: &[u8], dst: &mut [u8]) -> usize {
    decoder.reset();
    let mut read = 0;
    while read < input.len() {
        let end = (read + CHUNK).min(input.len());
        let valid = match simdutf8::compat::from_utf8(&input[read..end]) {
            Ok(_) => end - read,
            Err(e) => e.valid_up_to(),
        };
        if valid == 0 {
            // A bad sequence (or one cut by the end of the input): the engine's rules.
            let step = decoder.decode(&input[read..], &mut dst[read..], true);
            return read + step.written;
        }
        dst[read..read + valid].copy_from_slice(&input[read..read + valid]);
        read += valid;
    }
    read
}

/// The prototypes that decode `charset` (glibc's name), with their names.
pub fn for_charset(charset: &str) -> Vec<(&'static str, Run<'static>)> {
    let mut runs: Vec<(&'static str, Run<'static>)> = Vec::new();
    match charset {
        "ANSI_X3.4-1968" | "ISO-8859-1" => {
            let mut decoder = engine(charset);
            runs.push((
                "prototype: 16 KiB is_ascii, then memcpy",
                Box::new(move |i, d| ascii_chunks_then_memcpy(&mut decoder, i, d)),
            ));
            #[cfg(target_arch = "x86_64")]
            {
                let mut decoder = engine(charset);
                runs.push((
                    "prototype: 64-byte steps, aligned stores",
                    Box::new(move |i, d| ascii_avx512(&mut decoder, i, d, true)),
                ));
                let mut decoder = engine(charset);
                runs.push((
                    "prototype: 64-byte steps, stores as they fall",
                    Box::new(move |i, d| ascii_avx512(&mut decoder, i, d, false)),
                ));
            }
        }
        "UTF-8" => {
            let mut decoder = engine(charset);
            runs.push((
                "prototype: 16 KiB validate, then copy",
                Box::new(move |i, d| utf8_chunks_validate_then_copy(&mut decoder, i, d)),
            ));
        }
        _ => {}
    }
    runs
}
