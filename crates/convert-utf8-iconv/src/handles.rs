//! Which `iconv_t` values are ours: a fixed table of slots, so that telling one of our handles
//! from glibc's (or GNU libiconv's) is an address comparison, never a read of memory we did not
//! allocate, and takes no lock.
//!
//! A handle is the address of its slot; the slot points to the [`Conversion`]. Closing empties
//! the slot (a second close, or a use after close, is then `EBADF` rather than a forwarded
//! pointer into freed memory) and returns it to the free list for the next open.

use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, Ordering};

use crate::conversion::Conversion;

/// Open handles at one time; beyond this, opens are forwarded to the next iconv.
pub const SLOTS: usize = 1 << 16;

static TABLE: [AtomicPtr<Conversion>; SLOTS] = [const { AtomicPtr::new(ptr::null_mut()) }; SLOTS];

/// Slots never used yet start at `unused`; closed ones are in `freed`.
struct FreeList {
    unused: usize,
    freed: Vec<usize>,
}

static FREE: Mutex<FreeList> = Mutex::new(FreeList {
    unused: 0,
    freed: Vec::new(),
});

/// What an `iconv_t` is to this library.
pub enum Handle {
    /// One of ours, open.
    Open(&'static AtomicPtr<Conversion>),
    /// One of our slots, not open (closed already, or never opened).
    Closed,
    /// Not ours: it belongs to the next iconv.
    Foreign,
}

fn free_list() -> std::sync::MutexGuard<'static, FreeList> {
    // A panic while holding the lock cannot leave the list inconsistent (each change is one
    // push, pop or increment), so a poisoned lock is used as is.
    FREE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Stores `conversion` in a free slot and returns the slot's address, the handle; gives the
/// conversion back when every slot is taken.
pub fn insert(conversion: Box<Conversion>) -> Result<*mut libc::c_void, Box<Conversion>> {
    let slot = {
        let mut free = free_list();
        match free.freed.pop() {
            Some(slot) => slot,
            None if free.unused < SLOTS => {
                free.unused += 1;
                free.unused - 1
            }
            None => return Err(conversion),
        }
    };
    TABLE[slot].store(Box::into_raw(conversion), Ordering::Release);
    Ok(ptr::from_ref(&TABLE[slot]).cast_mut().cast())
}

/// What `handle` is.
pub fn classify(handle: *mut libc::c_void) -> Handle {
    let base = TABLE.as_ptr() as usize;
    let address = handle as usize;
    let size = size_of::<AtomicPtr<Conversion>>();
    if address < base || address >= base + SLOTS * size || !(address - base).is_multiple_of(size) {
        return Handle::Foreign;
    }
    let slot = &TABLE[(address - base) / size];
    if slot.load(Ordering::Acquire).is_null() {
        Handle::Closed
    } else {
        Handle::Open(slot)
    }
}

/// Empties `slot`, frees its conversion and makes the slot available again.
pub fn remove(slot: &'static AtomicPtr<Conversion>) {
    let conversion = slot.swap(ptr::null_mut(), Ordering::AcqRel);
    if conversion.is_null() {
        return;
    }
    // SAFETY: the pointer came from `Box::into_raw` in `insert`, and the swap above made this
    // the only place that holds it.
    drop(unsafe { Box::from_raw(conversion) });
    let index = (ptr::from_ref(slot) as usize - TABLE.as_ptr() as usize)
        / size_of::<AtomicPtr<Conversion>>();
    free_list().freed.push(index);
}
