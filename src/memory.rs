//! Memory hints for the large agent arrays.
//!
//! Purchase occasions visit consumers in random order, so on 4 KiB pages a
//! million-consumer run spends much of its time in address-translation
//! misses. Asking the kernel to back the big arrays with transparent huge
//! pages (2 MiB) removes most of them; where the kernel does not support it
//! the hint is ignored and nothing else changes.

/// A vector with room for `n` elements whose memory the kernel is asked to
/// back with huge pages before anything is written to it (pages already
/// touched would stay small).
pub fn huge_vec<T>(n: usize) -> Vec<T> {
    let v = Vec::with_capacity(n);
    advise(
        v.as_ptr() as usize,
        n.saturating_mul(std::mem::size_of::<T>()),
    );
    v
}

/// Asks for transparent huge pages under `bytes` bytes from `start` (Linux;
/// a no-op elsewhere, and for regions smaller than a huge page).
fn advise(start: usize, bytes: usize) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        if bytes < HUGE {
            return;
        }
        // madvise needs a page-aligned start; round inwards to whole pages.
        let page = 4096;
        let aligned = start.div_ceil(page) * page;
        let end = (start + bytes) / page * page;
        if end > aligned {
            // SAFETY: the range lies inside a live allocation (a vector's
            // reserved capacity), and MADV_HUGEPAGE only changes how the
            // kernel backs those pages, never their contents or validity.
            unsafe {
                libc::madvise(
                    aligned as *mut libc::c_void,
                    end - aligned,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (start, bytes);
}

/// Asks the processor to start loading the cache line holding `value`,
/// without waiting for it (a no-op where no prefetch instruction is
/// available).
#[inline]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: prefetching is a hint; it reads nothing observable and
        // cannot fault, and the pointer comes from a live reference.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Hints that every cache line of `values` will be read soon (see
/// [`prefetch`]): for records that may straddle a line boundary. One byte
/// every line's length from the first, and the last byte, land on every
/// line the slice touches.
#[inline]
pub(crate) fn prefetch_all<T>(values: &[T]) {
    const LINE: usize = 64;
    let bytes = std::mem::size_of_val(values);
    if bytes == 0 {
        return;
    }
    let first = values.as_ptr() as *const u8;
    let mut offset = 0;
    while offset < bytes {
        // SAFETY: `offset` lies inside the slice, so the pointer stays in
        // bounds of the live allocation; prefetching reads nothing.
        prefetch_byte(unsafe { first.add(offset) });
        offset += LINE;
    }
    // SAFETY: as above, for the slice's last byte.
    prefetch_byte(unsafe { first.add(bytes - 1) });
}

#[inline]
fn prefetch_byte(byte: *const u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: prefetching is a hint; it reads nothing observable and
        // cannot fault.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(byte.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = byte;
}
