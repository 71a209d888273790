//! Settings of mimalloc, the binary's allocator (`src/main.rs`), made at start by the binary and by
//! the window's benchmark (so that its frame times are the binary's).

use std::ffi::{c_int, c_long};

// The `mimalloc` crate builds and links mimalloc's C library; naming the crate keeps it linked into
// every program of this library, so the symbol below resolves.
use mimalloc as _;

unsafe extern "C" {
    /// mimalloc's `mi_option_set` (`mimalloc.h`).
    fn mi_option_set(option: c_int, value: c_long);
}

/// `mi_option_purge_delay` in mimalloc v3's `mi_option_e` (the crate's bindings do not name it).
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// How long freed memory stays committed before mimalloc gives it back to the system (its default
/// is 1 s).
const PURGE_DELAY_MS: c_long = 10_000;

/// Freed memory is given back to the system after 10 s unused instead of 1 s. A pan rebuilds
/// megabytes of vertex buffers every frame; with 1 s, buffers given back were faulted in again
/// (about 2,000 page faults in one frame, 14-60 ms on a virtual machine, in most 300-frame pans of
/// 32 channels). With 10 s built in, six pans had no frame over 8.4 ms; the memory reported after a pan and
/// the peak of a whole-array `get` did not change (2026-11-29, README). `MIMALLOC_PURGE_DELAY` in
/// the environment still wins. Does nothing to a program that allocates with another allocator.
pub fn configure_mimalloc() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: a plain setter of a process-wide option, safe to call at any time from any thread.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" {
        fn mi_option_get(option: c_int) -> c_long;
    }

    /// The option index is that of the mimalloc built in: option 15 holds v3's purge delay default
    /// of 1,000 ms (`src/options.c`) and becomes 10,000 ms.
    #[test]
    fn freed_memory_is_kept_ten_seconds() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: a plain getter of a process-wide option.
        let before = unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(before, 1000, "option 15 is not mimalloc's purge delay");
        configure_mimalloc();
        // SAFETY: as above.
        assert_eq!(
            unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) },
            PURGE_DELAY_MS
        );
    }
}
