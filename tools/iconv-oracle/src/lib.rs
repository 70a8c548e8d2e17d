//! A safe in-process wrapper over the system's iconv (glibc), converting to UTF-8.
//!
//! convert-utf8 treats the system iconv as its oracle: the table generator probes it and the
//! differential tests and benchmarks compare against it. This crate is the one place that talks
//! to it through FFI.

use std::ffi::CString;

/// How a conversion ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// All input converted (and the shift state flushed).
    Complete,
    /// An invalid sequence starts at this input offset (EILSEQ).
    Invalid(usize),
    /// Input ends inside a sequence starting at this offset (EINVAL).
    Incomplete(usize),
}

/// The result of converting one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// UTF-8 written before the conversion stopped.
    pub output: Vec<u8>,
    pub outcome: Outcome,
}

/// An open conversion descriptor from one charset to UTF-8.
pub struct Iconv {
    cd: libc::iconv_t,
}

// SAFETY: an iconv_t is a heap object owned by this value alone; glibc allows using a descriptor
// from any thread as long as it is not used concurrently, which `&mut self` guarantees.
unsafe impl Send for Iconv {}

impl Iconv {
    /// Opens a converter from `from` (any name or suffix iconv accepts) to `to`; `None` if
    /// iconv refuses the pair.
    pub fn open_to(from: &str, to: &str) -> Option<Iconv> {
        let from = CString::new(from).ok()?;
        let to = CString::new(to).ok()?;
        // SAFETY: both arguments are valid NUL-terminated strings that outlive the call.
        let cd = unsafe { libc::iconv_open(to.as_ptr(), from.as_ptr()) };
        if cd as isize == -1 {
            None
        } else {
            Some(Iconv { cd })
        }
    }

    /// Opens a converter from `from` to UTF-8.
    pub fn open(from: &str) -> Option<Iconv> {
        Iconv::open_to(from, "UTF-8")
    }

    /// Returns the descriptor to its initial shift state.
    pub fn reset(&mut self) {
        // SAFETY: null input and output pointers ask iconv to reset the state; cd is open.
        unsafe {
            libc::iconv(
                self.cd,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
        }
    }

    /// Converts `input` as one complete text from the initial state, stopping at the first bad
    /// sequence. The state is reset before and after.
    pub fn convert(&mut self, input: &[u8]) -> Conversion {
        self.reset();
        let mut output = Vec::with_capacity(input.len() * 4 + 64);
        let outcome = self.convert_into(input, &mut output, true);
        self.reset();
        Conversion { output, outcome }
    }

    /// Converts `input`, appending to `output`, keeping the shift state across calls; with
    /// `flush`, also writes out whatever the state holds at the end.
    pub fn convert_into(&mut self, input: &[u8], output: &mut Vec<u8>, flush: bool) -> Outcome {
        let mut in_ptr = input.as_ptr() as *mut libc::c_char;
        let mut in_left = input.len();
        loop {
            if output.capacity() - output.len() < 256 {
                output.reserve(input.len().max(256));
            }
            let spare = output.capacity() - output.len();
            // SAFETY: the output pointer addresses `spare` bytes of the vector's reserved,
            // unused capacity; iconv writes at most `spare` bytes there and we then extend the
            // length by exactly what it wrote.
            let (rc, written) = unsafe {
                let start = output.as_mut_ptr().add(output.len());
                let mut out_ptr = start as *mut libc::c_char;
                let mut out_left = spare;
                let rc = libc::iconv(
                    self.cd,
                    &mut in_ptr,
                    &mut in_left,
                    &mut out_ptr,
                    &mut out_left,
                );
                let written = spare - out_left;
                output.set_len(output.len() + written);
                (rc, written)
            };
            let _ = written;
            let at = input.len() - in_left;
            if rc != usize::MAX {
                break;
            }
            match std::io::Error::last_os_error().raw_os_error() {
                Some(libc::E2BIG) => continue,
                Some(libc::EILSEQ) => return Outcome::Invalid(at),
                Some(libc::EINVAL) => return Outcome::Incomplete(at),
                other => panic!("iconv failed unexpectedly: {other:?}"),
            }
        }
        if flush {
            loop {
                output.reserve(256);
                let spare = output.capacity() - output.len();
                // SAFETY: as above; a null input asks iconv to write out its shift state.
                let rc = unsafe {
                    let start = output.as_mut_ptr().add(output.len());
                    let mut out_ptr = start as *mut libc::c_char;
                    let mut out_left = spare;
                    let rc = libc::iconv(
                        self.cd,
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                        &mut out_ptr,
                        &mut out_left,
                    );
                    output.set_len(output.len() + spare - out_left);
                    rc
                };
                if rc != usize::MAX
                    || std::io::Error::last_os_error().raw_os_error() != Some(libc::E2BIG)
                {
                    break;
                }
            }
        }
        Outcome::Complete
    }
}

impl Drop for Iconv {
    fn drop(&mut self) {
        // SAFETY: cd was returned by iconv_open and is closed exactly once.
        unsafe {
            libc::iconv_close(self.cd);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_reports_positions() {
        let mut cd = Iconv::open("ISO-8859-1").unwrap();
        assert_eq!(cd.convert(b"caf\xE9").output, "café".as_bytes());
        let mut utf8 = Iconv::open("UTF-8").unwrap();
        let c = utf8.convert(b"ab\xFFcd");
        assert_eq!(
            (c.output.as_slice(), c.outcome),
            (&b"ab"[..], Outcome::Invalid(2))
        );
        assert_eq!(utf8.convert(b"ab\xE2\x82").outcome, Outcome::Incomplete(2));
        assert!(Iconv::open("NO-SUCH-CHARSET").is_none());
    }
}
